"""The whole schema: every table module loaded onto :class:`~redline.store.base.Base`.

Alembic's environment and ``create_all`` use :data:`metadata` from here, so a table
module added to the store is added to this list too.
"""

from __future__ import annotations

from redline.store import accounts, models
from redline.store.base import Base

TABLE_MODULES = (models, accounts)
metadata = Base.metadata

__all__ = ["TABLE_MODULES", "Base", "metadata"]
