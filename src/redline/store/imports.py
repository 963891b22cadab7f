"""Writing parsed exports into the store: one transaction, idempotent, row by row.

Every import runs in a single write transaction: a file either lands whole (bad
rows excepted, each reported with its line) or not at all — an error, Ctrl-C or a
SIGKILL halfway leaves the store as it was. Rows are keyed by what the platform
keys them by (订单编号, 退款编号, the conversation id) and carry a hash of their
content, so importing the same file again writes nothing, and a newer export of a
refund updates it. An export that is *older* than what the store holds (a refund
the store already has as 退款成功/退款关闭, exported while still open) is skipped
as stale rather than winding the case back.

Rows are written in chunks with executemany, which is what keeps a 100,000-row
order report well inside the 30-second budget (``benchmarks/bench_import.py``).

An import never turns a stored value into NULL: a column the file does not have
means "not in this file" (the readers say which fields they could read, see
:class:`~redline.importers.text.Records`), and an empty cell leaves a known value
as it is. Unknown columns (``extra``) are merged, not replaced. Readers refuse a
file of another kind before anything is written
(:class:`~redline.importers.kinds.WrongKind`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, String, Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from redline.importers.records import ItemRecord, OrderRecord, RefundRecord, RowError
from redline.model import Conversation as ChatConversation
from redline.model import Order as ChatOrder
from redline.store import writing
from redline.store.bulk import BoundInsert, Spool, rows_with_keys
from redline.store.models import ChatMessage, Conversation, ImportRun, Order, OrderItem, Refund

CHUNK = 2000
T = TypeVar("T")
Progress = Callable[[int], None]

# Row errors listed in a report (the CLI's text and JSON, the API and the page): a
# file of 100,000 bad rows answers with the first ones and a count, not a 10 MB list.
MAX_REPORTED_ERRORS = 200


@dataclass
class ImportReport:
    """What an import did. ``errors`` are rows left out, each with its line and reason."""

    kind: str
    file: str
    accepted: int = 0  # new rows
    updated: int = 0  # rows whose content changed
    unchanged: int = 0  # rows already in the store as they are
    stale: int = 0  # rows older than what the store holds (not applied)
    errors: list[RowError] = field(default_factory=list)
    cases_opened: int = 0
    cases_changed: int = 0
    warnings: list[str] = field(default_factory=list)  # whole-file: a lossy decoding

    @property
    def rejected(self) -> int:
        return len(self.errors)

    @property
    def changed(self) -> bool:
        return bool(self.accepted or self.updated)

    def to_dict(self, max_errors: int = MAX_REPORTED_ERRORS) -> dict[str, Any]:
        """The report as JSON: the first ``max_errors`` row errors (by line), and how
        many more were left out (``errors_more``); ``rejected`` counts them all."""
        return {
            "kind": self.kind,
            "file": self.file,
            "accepted": self.accepted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "stale": self.stale,
            "rejected": self.rejected,
            "cases_opened": self.cases_opened,
            "cases_changed": self.cases_changed,
            "errors": [{"line": e.line, "reason": e.reason} for e in self.errors[:max_errors]],
            "errors_more": max(0, len(self.errors) - max_errors),
            "warnings": list(self.warnings),
        }


# --- values ------------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    """Strings lose NUL (PostgreSQL refuses it in text); dicts are cleaned inside."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


def _canon(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}={_canon(v)}" for k, v in sorted(value.items())) + "}"
    return repr(value)


def row_hash(row: dict[str, Any]) -> str:
    """A content hash of a row: the same values in the same columns give the same hash."""
    text = "\x1f".join(f"{k}={_canon(v)}" for k, v in sorted(row.items()))
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def _limits(table: Table) -> list[tuple[str, int]]:
    return [
        (c.name, c.type.length)
        for c in table.columns
        if isinstance(c.type, String) and c.type.length is not None
    ]


def _too_long(limits: list[tuple[str, int]], row: dict[str, Any]) -> str | None:
    """Why a row would not fit its columns (checked first: one bad row must not abort
    the transaction on PostgreSQL), or None."""
    for name, length in limits:
        value = row.get(name)
        if isinstance(value, str) and len(value) > length:
            return f"“{name}”过长（{len(value)} 字符，上限 {length}）"
    return None


class _Rows:
    """Turns records of one dataclass type into row dicts with their content hash.

    The hash is of ``repr`` of the values in field order (the hot path of big
    imports): the repr of Decimals, datetimes and dicts is stable for equal input."""

    def __init__(self, skip: Sequence[str] = ("line",)) -> None:
        self.skip = set(skip)
        self.names: list[str] | None = None

    def __call__(self, rec: Any) -> dict[str, Any]:
        if self.names is None:
            self.names = [f.name for f in fields(rec) if f.name not in self.skip]
        values = tuple(getattr(rec, n) for n in self.names)
        text = repr(values)
        if "\\x00" in text:  # a NUL somewhere (rare): clean every value
            values = tuple(_clean(v) for v in values)
            text = repr(values)
        row = dict(zip(self.names, values, strict=True))
        row["row_hash"] = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
        return row


def file_warnings(records: Iterable[Any]) -> list[str]:
    """The reader's whole-file warnings (``Records.warnings``), if it has any."""
    return list(getattr(records, "warnings", None) or [])


def absent_fields(records: Iterable[Any], record_type: type) -> frozenset[str]:
    """The fields of ``record_type`` the file has no column for (see ``Records.fields``)."""
    present: frozenset[str] | None = getattr(records, "fields", None)
    if present is None:
        return frozenset()
    return frozenset(f.name for f in fields(record_type)) - present


def merged_row(new: dict[str, Any], old: dict[str, Any], absent: frozenset[str]) -> dict[str, Any]:
    """``new`` over the stored ``old`` row, never losing a known value: a field the file
    lacks, or leaves empty, keeps the stored value; ``extra`` is merged key by key."""
    out = dict(new)
    for name, value in new.items():
        if name == "row_hash" or name.startswith("_") or name not in old:
            continue
        was = old[name]
        if was is None:
            continue
        if name == "extra":
            if isinstance(value, dict) and isinstance(was, dict):
                out[name] = {**was, **value}
        elif value is None or name in absent:
            out[name] = was
    return out


def same_row(row: dict[str, Any], old: dict[str, Any]) -> bool:
    """True if writing ``row`` would change nothing (values compared, not their text:
    ``128`` equals ``128.00``, a China time equals the same instant in UTC)."""
    return all(
        row[name] == old.get(name)
        for name in row
        if name != "row_hash" and not name.startswith("_") and name in old
    )


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


# --- the generic keyed upsert --------------------------------------------------------------


class _Upsert:
    """Insert new rows, update changed ones, count the rest; all by primary key."""

    def __init__(
        self,
        conn: Any,
        table: Table,
        key: str,
        report: ImportReport,
        absent: frozenset[str] = frozenset(),
        merge: bool = True,
    ) -> None:
        self.conn = conn
        self.table = table
        self.key = key
        self.report = report
        self.absent = absent
        # merge=False: the hash decides (a chat's hash covers its messages, which
        # are not columns of the row); the row is written as it comes.
        self.merge = merge
        self.limits = _limits(table)
        self.seen: dict[str, tuple[int, str]] = {}  # key → (line, hash) within this file
        self._updates: dict[tuple[str, ...], Any] = {}

    def _update_stmt(self, row: dict[str, Any]) -> Any:
        """UPDATE of the columns the rows carry (others, such as qa_hash, are left alone)."""
        cols = tuple(k for k in row if k != self.key and not k.startswith("_"))
        stmt = self._updates.get(cols)
        if stmt is None:
            table = self.table
            stmt = self._updates[cols] = (
                update(table)
                .where(table.c[self.key] == bindparam("_key"))
                .values({c: bindparam(c) for c in cols})
            )
        return stmt

    def screen(
        self, rows: Iterable[tuple[int, dict[str, Any]]], snapshot: Any = None
    ) -> list[tuple[int, dict[str, Any]]]:
        """The first phase, outside the write transaction: hash the rows and drop (and
        report) those too long for their columns or repeated in this file.

        With ``snapshot`` (a connection reading the store as it is now) rows the
        store already holds unchanged are counted and dropped here, so a re-import
        binds and spools nothing. (Should another import change such a row before
        this one writes, the outcome is the same as this import running first.)
        """
        batch: list[tuple[int, dict[str, Any]]] = []
        for line, row in rows:
            why = _too_long(self.limits, row)
            if why:
                self.report.errors.append(RowError(line, why))
                continue
            if "row_hash" not in row:  # a caller may hash more than the row (chat bodies)
                row["row_hash"] = row_hash(row)
            h = row["row_hash"]
            k = row[self.key]
            if k in self.seen:
                first_line, first_hash = self.seen[k]
                if first_hash != h:
                    self.report.errors.append(
                        RowError(line, f"与第 {first_line} 行的 {self.key}={k} 重复且内容不同")
                    )
                else:
                    self.report.unchanged += 1
                continue
            self.seen[k] = (line, h)
            batch.append((line, row))
        if snapshot is None or not batch:
            return batch
        keys = [row[self.key] for _, row in batch]
        stored = dict(rows_with_keys(snapshot, self.table, self.key, (self.key, "row_hash"), keys))
        fresh = [(line, row) for line, row in batch if stored.get(row[self.key]) != row["row_hash"]]
        self.report.unchanged += len(batch) - len(fresh)
        return fresh

    def run(
        self,
        rows: Iterable[tuple[int, dict[str, Any]]],
        accept: Callable[[dict[str, Any], dict[str, Any] | None], bool] | None = None,
    ) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """Screen and write one chunk of (line, row) pairs in one go (see :meth:`write`)."""
        return self.write(self.screen(rows), accept)

    def write(
        self,
        batch: Sequence[tuple[int, dict[str, Any]]],
        accept: Callable[[dict[str, Any], dict[str, Any] | None], bool] | None = None,
        bound: Sequence[Any] | None = None,
        inserter: BoundInsert | None = None,
    ) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """Write one screened chunk; return the (new, old) rows that changed.

        An update writes :func:`merged_row` (no known value becomes NULL) and only if
        that differs from the stored row. ``accept(new, old)`` may veto an update
        (stale exports); ``new`` is then the merged row, ``old`` the stored one
        (None for a new row). With ``bound`` (the rows bound by ``inserter`` in the
        first phase) new rows are inserted as they were bound.
        """
        if not batch:
            return []
        keys = [row[self.key] for _, row in batch]
        kc = self.table.c[self.key]
        found = rows_with_keys(self.conn, self.table, self.key, (self.key, "row_hash"), keys)
        old_hash = {k: h for k, h in found}
        differ = [
            row[self.key]
            for _, row in batch
            if old_hash.get(row[self.key], row["row_hash"]) != row["row_hash"]
        ]
        old_rows: dict[str, dict[str, Any]] = {}
        if differ:
            found_rows = self.conn.execute(select(self.table).where(kc.in_(differ))).mappings()
            old_rows = {r[self.key]: dict(r) for r in found_rows}
        new: list[dict[str, Any]] = []
        new_bound: list[Any] = []
        changed: list[dict[str, Any]] = []
        out: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        for i, (_, row) in enumerate(batch):
            k = row[self.key]
            if k not in old_hash:
                new.append(row)
                if bound is not None:
                    new_bound.append(bound[i])
                out.append((row, None))
                continue
            if old_hash[k] == row["row_hash"]:
                self.report.unchanged += 1
                continue
            old = old_rows[k]
            if self.merge:
                row = merged_row(row, old, self.absent)
            if self.merge and same_row(row, old):
                self.report.unchanged += 1
            elif accept is not None and not accept(row, old):
                self.report.stale += 1
            else:
                changed.append(row)
                out.append((row, old))
        if new:
            if inserter is not None and bound is not None:
                inserter.execute(self.conn, new_bound)
            else:
                self.conn.execute(insert(self.table), new)
            self.report.accepted += len(new)
        if changed:
            self.conn.execute(
                self._update_stmt(changed[0]), [{**row, "_key": row[self.key]} for row in changed]
            )
            self.report.updated += len(changed)
        return out


# A chunk after the first phase: (line, row) pairs, the rows bound for INSERT, and
# for refunds the case each row would open.
_Screened = tuple[list[tuple[int, dict[str, Any]]], list[Any]]
_ScreenedRefunds = tuple[list[tuple[int, dict[str, Any]]], list[Any], dict[str, Any]]


def _columns(row: dict[str, Any]) -> list[str]:
    """The columns a row dict writes (keys starting with ``_`` are not columns)."""
    return [k for k in row if not k.startswith("_")]


def _split(records: Iterable[T | RowError], report: ImportReport) -> Iterator[T]:
    for rec in records:
        if isinstance(rec, RowError):
            report.errors.append(rec)
        else:
            yield rec


def _batches(
    records: Iterable[T | RowError],
    report: ImportReport,
    progress: Progress | None,
    size: int = CHUNK,
) -> Iterator[list[T]]:
    """Good records in chunks (bad ones go to the report); progress after each chunk."""
    done = 0
    for chunk in _chunks(_split(records, report), size):
        yield chunk
        done += len(chunk)
        if progress:
            progress(done)


def _finish(s: Session, report: ImportReport, path: Path | None, digest: str) -> None:
    if report.changed and path is not None:
        from redline.desk.policy import china_now

        s.add(
            ImportRun(
                kind=report.kind,
                file_name=str(path.name),
                sha256=digest,
                finished_at=china_now(),
                accepted=report.accepted,
                updated=report.updated,
                unchanged=report.unchanged,
                rejected=report.rejected,
            )
        )
    report.errors.sort(key=lambda e: e.line)


def file_digest(path: Path | None) -> str:
    if path is None:
        return ""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --- orders and items ----------------------------------------------------------------------


def import_orders(
    engine: Engine,
    records: Iterable[OrderRecord | RowError],
    *,
    path: Path | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    report = ImportReport("orders", str(path or "-"), warnings=file_warnings(records))
    digest = file_digest(path)
    table = Order.__table__
    assert isinstance(table, Table)
    absent = absent_fields(records, OrderRecord)
    with Spool[_Screened](memory_chunks=2) as spool, engine.connect() as snapshot:
        # Read, check and bind every row before the write transaction begins.
        up = _Upsert(None, table, "order_no", report, absent)
        to_row = _Rows()
        inserter: BoundInsert | None = None
        for chunk in _batches(records, report, progress):
            batch = up.screen(((rec.line, to_row(rec)) for rec in chunk), snapshot)
            snapshot.rollback()  # each chunk reads the store as it is now
            if batch and inserter is None:
                inserter = BoundInsert(engine.dialect, table, _columns(batch[0][1]))
            assert inserter is not None or not batch
            spool.add((batch, [inserter.bind(row) for _, row in batch] if inserter else []))
        with writing(engine) as s:
            up.conn = s.connection()
            for batch, bound in spool:
                up.write(batch, bound=bound, inserter=inserter)
            _finish(s, report, path, digest)
    return report


def import_items(
    engine: Engine,
    records: Iterable[ItemRecord | RowError],
    *,
    path: Path | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Items are keyed by (订单编号, position within the order in this file); an
    update never loses a known value (:func:`merged_row`)."""
    report = ImportReport("items", str(path or "-"), warnings=file_warnings(records))
    digest = file_digest(path)
    table = OrderItem.__table__
    assert isinstance(table, Table)
    position: dict[str, int] = {}
    limits = _limits(table)
    to_row = _Rows()
    absent = absent_fields(records, ItemRecord)
    with writing(engine) as s:
        conn = s.connection()
        for chunk in _batches(records, report, progress):
            rows: list[tuple[int, dict[str, Any]]] = []
            for rec in chunk:
                row = to_row(rec)
                row["position"] = position[rec.order_no] = position.get(rec.order_no, 0) + 1
                why = _too_long(limits, row)
                if why:
                    report.errors.append(RowError(rec.line, why))
                    continue
                rows.append((rec.line, row))
            orders = sorted({r["order_no"] for _, r in rows})
            old = {
                (o, p): (i, h)
                for i, o, p, h in conn.execute(
                    select(table.c.id, table.c.order_no, table.c.position, table.c.row_hash).where(
                        table.c.order_no.in_(orders)
                    )
                )
            }
            new = [r for _, r in rows if (r["order_no"], r["position"]) not in old]
            differ = [
                (old[key][0], r)
                for _, r in rows
                if (key := (r["order_no"], r["position"])) in old and old[key][1] != r["row_hash"]
            ]
            stored = {}
            if differ:
                stored = {
                    m["id"]: dict(m)
                    for m in conn.execute(
                        select(table).where(table.c.id.in_([i for i, _ in differ]))
                    ).mappings()
                }
            changed = []
            for item_id, r in differ:
                merged = merged_row(r, stored[item_id], absent)
                if not same_row(merged, stored[item_id]):
                    changed.append({**merged, "_id": item_id})
            if new:
                conn.execute(insert(table), new)
            if changed:
                cols = [c.name for c in table.columns if c.name != "id"]
                conn.execute(
                    update(table)
                    .where(table.c.id == bindparam("_id"))
                    .values({c: bindparam(c) for c in cols}),
                    changed,
                )
            report.accepted += len(new)
            report.updated += len(changed)
            report.unchanged += len(rows) - len(new) - len(changed)
        _finish(s, report, path, digest)
    return report


# --- refunds (and their cases) ------------------------------------------------------------


def import_refunds(
    engine: Engine,
    records: Iterable[RefundRecord | RowError],
    *,
    path: Path | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Refund rows, then the case behind each new or changed one (same transaction)."""
    from redline.desk.cases import TERMINAL, state_from_export
    from redline.desk.policy import china_now
    from redline.store.desk import Desk

    report = ImportReport("refunds", str(path or "-"), warnings=file_warnings(records))
    digest = file_digest(path)
    table = Refund.__table__
    assert isinstance(table, Table)

    def accept(new: dict[str, Any], old: dict[str, Any] | None) -> bool:
        if old is None:
            return True
        was = state_from_export(old["status"], old["dispute_status"])
        will = state_from_export(new["status"], new["dispute_status"])
        return not (was in TERMINAL and will not in TERMINAL)

    absent = absent_fields(records, RefundRecord)
    now = now or china_now()
    desk = Desk(Session(bind=engine))  # for its rules; the writing session comes later
    with Spool[_ScreenedRefunds]() as spool, engine.connect() as snapshot:
        # Read, check and bind every row (and the case each would open) before the
        # write transaction begins.
        up = _Upsert(None, table, "refund_no", report, absent)
        to_row = _Rows()
        inserter: BoundInsert | None = None
        for chunk in _batches(records, report, progress):
            rows: list[tuple[int, dict[str, Any]]] = []
            for rec in chunk:
                if state_from_export(rec.status, rec.dispute_status) is None:
                    report.errors.append(RowError(rec.line, f"未知的退款状态“{rec.status}”"))
                    continue
                rows.append((rec.line, to_row(rec)))
            batch = up.screen(rows, snapshot)
            snapshot.rollback()
            if batch and inserter is None:
                inserter = BoundInsert(engine.dialect, table, _columns(batch[0][1]))
            bound = [inserter.bind(row) for _, row in batch] if inserter else []
            spool.add((batch, bound, desk.prepare_cases([row for _, row in batch], now)))
        with writing(engine) as s:
            desk.s = s
            up.conn = s.connection()
            for batch, bound, prepared in spool:
                written = up.write(batch, accept, bound, inserter)
                changed = [row for row, _old in written]
                # The cases prepared from the file's rows hold for the new rows only
                # (an update is merged with the stored row first).
                ready = {
                    r["refund_no"]: prepared[r["refund_no"]] for r, old in written if old is None
                }
                opened = desk.sync_refunds(changed, now=now, prepared=ready)
                report.cases_opened += opened
                report.cases_changed += len(changed) - opened
            _finish(s, report, path, digest)
    return report


# --- chats ---------------------------------------------------------------------------------


def import_chats(
    engine: Engine,
    records: Iterable[ChatConversation | RowError],
    *,
    path: Path | None = None,
    source: str = "jsonl",
    progress: Progress | None = None,
) -> ImportReport:
    """Conversations keyed by id; a changed one has its messages replaced.

    A conversation without an order is linked to a real one in the store
    (:func:`link_orders`), never to a made-up one."""
    report = ImportReport("chats", str(path or "-"), warnings=file_warnings(records))
    digest = file_digest(path)
    table = Conversation.__table__
    messages = ChatMessage.__table__
    assert isinstance(table, Table) and isinstance(messages, Table)
    with writing(engine) as s:
        conn = s.connection()
        up = _Upsert(conn, table, "id", report, merge=False)
        line = 0
        for chunk in _batches(records, report, progress, 500):
            rows: list[tuple[int, dict[str, Any]]] = []
            bodies: dict[str, list[dict[str, Any]]] = {}
            chunk = link_orders(conn, chunk)
            for conv in chunk:
                line += 1
                row, body = _conversation_row(conv, source)
                if not row["id"]:
                    report.errors.append(RowError(line, "会话缺少 id"))
                    continue
                # Message text goes into the hash, so an edited chat counts as changed.
                row["row_hash"] = row_hash({**row, "_body": [_canon(m) for m in body]})
                rows.append((line, row))
                bodies[row["id"]] = body
            for row, _old in up.run(rows):
                conn.execute(delete(messages).where(messages.c.conversation_id == row["id"]))
                if bodies[row["id"]]:
                    conn.execute(insert(messages), bodies[row["id"]])
        _finish(s, report, path, digest)
    return report


#: An order number in a chat: Taobao/Tmall order numbers have 15 to 20 digits.
_ORDER_NO = re.compile(r"(?<![0-9])[0-9]{15,20}(?![0-9])")
#: How far before a chat the chatter's own order may have been placed to be linked.
RECENT_ORDER = timedelta(days=30)


def _chatter(conv: ChatConversation) -> str | None:
    """The account on the buyer's side of the chat (its first buyer message)."""
    return next((m.account for m in conv.messages if m.role == "buyer" and m.account), None)


def link_orders(conn: Any, convs: Sequence[ChatConversation]) -> list[ChatConversation]:
    """Conversations without an order, linked to a real order of the store, or left without.

    1. An order number mentioned in the chat (the first one, in message order, that
       the store has): the order as exported, *with* its real buyer, so the guard
       can tell that the person chatting is not the one who ordered (privacy).
    2. Else the chatter's own most recent order placed in the 30 days before the
       chat ended. Its buyer is the chatter by construction, which proves nothing
       about who is chatting, so ``buyer`` is left out: the guard then judges by
       what the chatter says ("我老婆买的…"), as for a chat without an order.
    3. Else no order. A conversation that came with an order (JSONL) is kept as it is.
    """
    todo = [c for c in convs if c.order is None]
    if not todo:
        return list(convs)
    mentioned: dict[int, list[str]] = {}
    for i, conv in enumerate(todo):
        found: list[str] = []
        for m in conv.messages:
            if m.role in ("buyer", "agent") and m.text:
                found.extend(n for n in _ORDER_NO.findall(m.text) if n not in found)
        mentioned[i] = found
    orders = Order.__table__.c
    numbers = sorted({n for found in mentioned.values() for n in found})
    by_no: dict[str, dict[str, Any]] = {}
    for part in _chunks(numbers, 500):
        for r in conn.execute(select(Order.__table__).where(orders.order_no.in_(part))).mappings():
            by_no[r["order_no"]] = dict(r)
    chatters = sorted({n for c in todo if (n := _chatter(c))})
    by_buyer: dict[str, list[dict[str, Any]]] = {}
    for part in _chunks(chatters, 500):
        for r in conn.execute(
            select(Order.__table__).where(orders.buyer_nick.in_(part))
        ).mappings():
            by_buyer.setdefault(r["buyer_nick"], []).append(dict(r))
    linked: dict[int, ChatConversation] = {}
    for i, conv in enumerate(todo):
        times = [m.time for m in conv.messages if m.time is not None]
        first, last = (min(times), max(times)) if times else (None, None)
        hit = next((by_no[n] for n in mentioned[i] if n in by_no), None)
        if hit is not None:
            linked[id(conv)] = replace(conv, order=_chat_order(hit, first, with_buyer=True))
            continue
        nick = _chatter(conv)
        if nick is None or last is None:
            continue
        end = _aware(last)
        assert end is not None
        recent = [
            o
            for o in by_buyer.get(nick, [])
            if (placed := o["created_at"] or o["paid_at"]) is not None
            and end - RECENT_ORDER <= placed <= end
        ]
        if recent:
            newest = max(recent, key=lambda o: o["created_at"] or o["paid_at"])
            linked[id(conv)] = replace(conv, order=_chat_order(newest, first, with_buyer=False))
    return [linked.get(id(c), c) for c in convs]


def _chat_order(row: dict[str, Any], at: datetime | None, *, with_buyer: bool) -> ChatOrder:
    """A stored order as formats.md's ``order`` object, its status as of ``at``."""
    amount = row["paid_amount"] if row["paid_amount"] is not None else row["total_amount"]
    return ChatOrder(
        id=row["order_no"],
        buyer=row["buyer_nick"] if with_buyer else None,
        amount=float(amount) if amount is not None else None,
        shipping_fee=float(row["shipping_fee"]) if row["shipping_fee"] is not None else None,
        payment="cod" if row["cod"] else "alipay",
        status=_chat_status(row, _aware(at)),
    )


def _chat_status(row: dict[str, Any], at: datetime | None) -> str | None:
    """formats.md's status vocabulary (the demo's chats use it) for a stored order."""

    def by(when: datetime | None) -> bool:
        return when is not None and (at is None or when <= at)

    text = row["status"] or ""
    if by(row["confirmed_at"]) or ("交易成功" in text and at is None):
        return "signed"
    if by(row["shipped_at"]):
        return "shipped"
    if "关闭" in text and at is None:
        return "closed"
    if by(row["paid_at"]) or row["cod"]:
        return "awaiting_shipment" if row["cod"] else "paid"
    return "unpaid" if row["paid_at"] is not None or "等待买家付款" in text else None


def _conversation_row(
    conv: ChatConversation, source: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    order = conv.order
    started = next((m.time for m in conv.messages if m.time is not None), None)
    # Who the conversation is with: the order's buyer when the chat names it, else
    # the account chatting (a Qianniu section's nick).
    nick = order.buyer if order is not None and order.buyer else _chatter(conv)
    if order is None and source == "jsonl":
        nick = None
    row: dict[str, Any] = {
        "id": _clean(conv.id),
        "source": source,
        "buyer_nick": _clean(nick),
        "order_no": _clean(order.id) if order else None,
        "started_at": _aware(started),
        "shop": _clean(conv.shop.to_dict()),
        "order": _clean({k: v for k, v in asdict(order).items() if v is not None}) if order else {},
    }
    body = [
        {
            "conversation_id": row["id"],
            "position": i,
            "role": m.role,
            "account": _clean(m.account),
            "time": _aware(m.time),
            "text": _clean(m.text),
        }
        for i, m in enumerate(conv.messages)
    ]
    return row, body


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None or dt.tzinfo is not None:
        return dt
    from redline.desk.policy import to_china

    return to_china(dt)
