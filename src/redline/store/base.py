"""The declarative base every table module shares (models, accounts).

Code that needs the whole schema (migrations, create_all) imports
:mod:`redline.store.schema`, which loads every table module onto this base.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.orm import DeclarativeBase

from redline.store.types import Money, UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, Decimal: Money, dict[str, Any]: JSON}  # noqa: RUF012
