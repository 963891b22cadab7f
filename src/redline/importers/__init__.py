"""Parsers for what Taobao/Tmall shops really export (shared/spec/import-formats.md).

Each reader turns a file (path or bytes) into typed records from
:mod:`redline.importers.records` or :class:`~redline.importers.records.RowError`\\ s,
one per row, so a bad row is reported and the rest still read. A file that cannot
be read at all (unknown format, missing required columns) raises
:class:`~redline.importers.text.FileFormatError`. No database access here.

- :func:`redline.importers.orders.read_orders`, :func:`~redline.importers.orders.read_items`
- :func:`redline.importers.refunds.read_refunds`
- :func:`redline.importers.chats.read_qianniu_txt`, :func:`~redline.importers.chats.read_chats`
"""
