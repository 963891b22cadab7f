"""The reply guard: conversation + shop profile + rule packs → findings.

Engine, rule-pack loading, ``when:`` conditions, the text normaliser and the
scorer for labelled sets. A pure function of its inputs: it may use
``redline.model`` and ``redline.yamlsrc`` only; no store, web or CLI.
"""
