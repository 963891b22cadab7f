"""The after-sales desk's domain: the case state machine and the platform's clocks
and money (``policy``), as pure functions. May use ``redline.guard.packs`` for the
policy numbers; no store, web or CLI.
"""
