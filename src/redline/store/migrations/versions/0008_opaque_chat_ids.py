"""Opaque ids for imported Qianniu chats: the buyer's nick leaves the conversation id.

``qianniu:{shop}:{buyer}:{time}`` becomes ``qn-`` and 20 hex digits of the sha256 of
``{shop}:{buyer}:{time}`` (what :func:`redline.importers.chats.qianniu_id` computes,
so a re-import after the upgrade still matches). The conversation row is copied to
its new id, its messages and findings move with it, the old row goes, and the
extortion alert pushes keyed by the conversation follow. Not reversible: the hash
cannot give the nick back, so downgrade leaves the new ids in place.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PREFIX = "qianniu:"


def new_id(old: str) -> str:
    return "qn-" + hashlib.sha256(old[len(PREFIX) :].encode()).hexdigest()[:20]


def upgrade() -> None:
    bind = op.get_bind()
    meta = sa.MetaData()
    conversations = sa.Table("conversations", meta, autoload_with=bind)
    messages = sa.Table("messages", meta, autoload_with=bind)
    findings = sa.Table("findings", meta, autoload_with=bind)
    pushes = sa.Table("alert_pushes", meta, autoload_with=bind)
    old_ids = bind.execute(
        sa.select(conversations.c.id).where(conversations.c.id.like(PREFIX + "%"))
    ).scalars()
    for old in list(old_ids):
        new = new_id(old)
        row = (
            bind.execute(sa.select(conversations).where(conversations.c.id == old)).mappings().one()
        )
        bind.execute(sa.insert(conversations).values({**row, "id": new}))
        for child in (messages, findings):
            bind.execute(
                sa.update(child).where(child.c.conversation_id == old).values(conversation_id=new)
            )
        bind.execute(
            sa.update(pushes)
            .where(pushes.c.key == f"extortion:{old}"[:200])
            .values(key=f"extortion:{new}")
        )
        bind.execute(sa.delete(conversations).where(conversations.c.id == old))


def downgrade() -> None:
    """Nothing to undo: the old ids held the nick, which is not kept."""
