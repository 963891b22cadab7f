"""The shop's admin pages, one module per resource; this module mounts them in order.

:mod:`~redline.web.import_pages` (``/imports``), :mod:`~redline.web.user_pages`
(``/users``), :mod:`~redline.web.audit_pages` (``/audit``),
:mod:`~redline.web.order_pages` (``/orders/{no}``) and :mod:`~redline.web.rule_pages`
(``/rules``).
"""

from __future__ import annotations

from fastapi import FastAPI

from redline.web import audit_pages, import_pages, order_pages, rule_pages, user_pages


def register(app: FastAPI) -> None:
    for module in (import_pages, user_pages, audit_pages, order_pages, rule_pages):
        module.register(app)
