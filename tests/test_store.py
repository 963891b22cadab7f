"""The store itself, on SQLite and PostgreSQL: schema, types, history, URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import DBAPIError

from redline.store import current_revision, head_revision, open_store, upgrade, writing
from redline.store.db import data_dir, resolve_url
from redline.store.models import Case, CaseEvent, Order
from redline.store.schema import Base

CHINA = timezone(timedelta(hours=8))


def test_migrations_reach_head_and_match_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_downgrade_and_upgrade_again(engine: Engine) -> None:
    from alembic import command

    from redline.store import alembic_config

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "orders" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert "orders" in inspect(engine).get_table_names()


def test_money_and_times_round_trip_exactly(engine: Engine) -> None:
    paid = datetime(2026, 10, 1, 23, 59, 59, tzinfo=CHINA)
    with writing(engine) as s:
        s.add(
            Order(
                order_no="3012345678901234567",
                paid_amount=Decimal("1666.67"),
                goods_amount=Decimal("0.10"),
                paid_at=paid,
                row_hash="x",
            )
        )
    with writing(engine) as s:
        order = s.get(Order, "3012345678901234567")
        assert order is not None
        assert order.paid_amount == Decimal("1666.67")
        assert str(order.goods_amount) == "0.10"
        assert order.paid_at == paid  # same instant
        assert order.paid_at is not None and order.paid_at.tzinfo is not None


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive"), writing(engine) as s:
        s.add(Order(order_no="1", paid_at=datetime(2026, 1, 1), row_hash="x"))


def test_case_history_is_append_only(engine: Engine) -> None:
    now = datetime.now(UTC)
    with writing(engine) as s:
        case = Case(kind="refund", state="requested", opened_at=now, updated_at=now)
        s.add(case)
        s.flush()
        s.add(CaseEvent(case_id=case.id, at=now, actor="t", action="open", to_state="requested"))
    for sql in ("UPDATE case_events SET note = 'x'", "DELETE FROM case_events"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    with engine.connect() as conn:
        assert conn.execute(select(CaseEvent.note)).scalars().all() == [None]


def test_failed_transaction_leaves_nothing(engine: Engine) -> None:
    with pytest.raises(RuntimeError), writing(engine) as s:
        s.add(Order(order_no="1", row_hash="x"))
        s.flush()
        raise RuntimeError("boom")
    with engine.connect() as conn:
        assert conn.execute(select(Order.order_no)).all() == []


def test_sqlite_file_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = open_store(str(tmp_path / "shop.db"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_database_url_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("REDLINE_DATABASE_URL", raising=False)
    monkeypatch.setenv("REDLINE_HOME", str(tmp_path / "home"))
    assert data_dir() == tmp_path / "home"
    assert resolve_url() == f"sqlite:///{tmp_path / 'home' / 'redline.db'}"
    monkeypatch.setenv("REDLINE_DATABASE_URL", "postgresql://u@h/db")
    assert resolve_url() == "postgresql+psycopg://u@h/db"
    assert resolve_url("sqlite:///x.db") == "sqlite:///x.db"  # --db wins over the variable
    assert resolve_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"
    monkeypatch.delenv("REDLINE_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "redline"


def test_migration_0008_moves_qianniu_chats_to_opaque_ids(engine: Engine) -> None:
    """A store from before 0008 keeps its chats, findings and alert pushes under the new ids."""
    from alembic import command

    from redline.importers.chats import qianniu_id
    from redline.store import alembic_config
    from redline.store.models import AlertPush, ChatMessage, Conversation, StoredFinding

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007")
    first = datetime(2026, 11, 11, 10, 5, 12, tzinfo=CHINA)
    old = f"qianniu:云朵家居旗舰店:tb_8812345:{first.isoformat()}"
    now = datetime(2026, 11, 12, tzinfo=UTC)
    with writing(engine) as s:
        s.add(Conversation(id=old, source="qianniu_txt", buyer_nick="tb_8812345", row_hash="h"))
        s.add(Conversation(id="d001", source="jsonl", row_hash="j"))
        s.flush()
        s.add(ChatMessage(conversation_id=old, position=0, role="buyer", text="在吗"))
        s.add(
            StoredFinding(
                conversation_id=old,
                message=0,
                category="extortion",
                rule="extortion.demand",
                severity="alert",
                points=0,
                start=0,
                end=2,
                evidence="在吗",
                explanation="-",
                suggestion="-",
                status="open",
                found_at=now,
            )
        )
        s.add(AlertPush(key=f"extortion:{old}", severity="high", channel="ding", queued_at=now))
    upgrade(engine)
    new = qianniu_id("云朵家居旗舰店", "tb_8812345", first)
    assert new.startswith("qn-") and "tb_8812345" not in new
    with writing(engine) as s:
        ids = set(s.scalars(select(Conversation.id)))
        assert ids == {new, "d001"}
        assert s.scalars(select(ChatMessage.conversation_id)).all() == [new]
        assert s.scalars(select(StoredFinding.conversation_id)).all() == [new]
        assert s.scalars(select(AlertPush.key)).all() == [f"extortion:{new}"]
        assert s.get(Conversation, new).buyer_nick == "tb_8812345"  # the row itself is kept
