"""Alembic environment: redline passes its own connection in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from redline.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI
    raise RuntimeError("run migrations through redline.store.open_store() or `redline db upgrade`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
