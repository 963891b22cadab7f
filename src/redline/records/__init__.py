"""The shop's records: penalty ledger, metrics and risk alerts, pure functions over
plain rows. May use ``redline.desk``, ``redline.notify`` and the packs; the SQL
that feeds them lives in ``redline.store``.
"""
