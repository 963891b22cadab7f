"""The ASGI entry point for ``uvicorn redline.web.main:app`` (what ``redline serve`` runs).

Configuration comes from the environment so that worker processes agree:
``REDLINE_DATABASE_URL`` (the store URL or path) and ``REDLINE_RULES`` (extra rule-pack
folders, separated by the OS path separator).
"""

from __future__ import annotations

import os

from redline.web.app import create_app

_rules = [d for d in os.environ.get("REDLINE_RULES", "").split(os.pathsep) if d]
app = create_app(None, _rules)
