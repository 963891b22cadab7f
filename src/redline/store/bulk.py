"""Big writes that hold the write lock as briefly as possible.

SQLite has one writer at a time: while an import's transaction is open, every
other write (a login's audit entry, a handoff note, a case action) waits. So an
import does its slow work first, outside the transaction, and keeps only the
writes inside it:

- :class:`Spool` keeps the parsed, checked rows on disk between the two phases, so
  a 100 MB report is never held in memory (the reading phase streams it too);
- :class:`BoundInsert` binds a row's values to the database's types (amounts to
  fen, datetimes to UTC, JSON to text) ahead of time, so the INSERT inside the
  transaction is one ``executemany`` on the driver, with no per-row work left.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any, Generic, TypeVar

from sqlalchemy import Connection, DateTime, Dialect, Table, insert, select

from redline.store.types import Money, UTCDateTime

T = TypeVar("T")


class BoundInsert:
    """A multi-row INSERT into ``table`` of ``columns``, with values bound in advance.

    On SQLite, :meth:`bind` turns a row dict into the tuple the driver takes, and
    :meth:`execute` sends the bound rows as one ``executemany`` on the driver. Other
    databases (PostgreSQL) lock rows, not the whole store, so nothing waits on a
    long import there: the row stays a dict and is inserted through SQLAlchemy.
    """

    def __init__(self, dialect: Dialect, table: Table, columns: Sequence[str]) -> None:
        self.table = table
        self.raw = dialect.name == "sqlite"
        compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
        self.sql = str(compiled)
        names = list(compiled.positiontup or []) if self.raw else list(columns)
        by_key = {c.key: c for c in table.columns}
        self._names = names
        self._index = {name: i for i, name in enumerate(names)}
        self._procs = [_processor(by_key[name], dialect) for name in names] if self.raw else []

    def bind(self, row: dict[str, Any]) -> Any:
        if not self.raw:
            return {name: row.get(name) for name in self._names}
        get = row.get
        return tuple(
            get(name) if proc is None else proc(get(name))
            for name, proc in zip(self._names, self._procs, strict=True)
        )

    def with_value(self, bound: Any, name: str, value: Any) -> Any:
        """``bound`` with ``name`` set to ``value`` (a key known only inside the
        transaction, such as a new row's id; an int or text, which need no binding)."""
        if not self.raw:
            return {**bound, name: value}
        out = list(bound)
        out[self._index[name]] = value
        return tuple(out)

    def execute(self, conn: Connection, bound: Sequence[Any]) -> None:
        if not bound:
            return
        if self.raw:
            conn.exec_driver_sql(self.sql, list(bound))
        else:
            conn.execute(insert(self.table), list(bound))


_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def rows_with_keys(
    conn: Connection, table: Table, key: str, columns: Sequence[str], keys: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """``columns`` of the rows whose ``key`` is in ``keys``, as the driver returns them
    (so for text and integer columns only: no type processing).

    One plain ``IN (…)`` statement per call: SQLAlchemy's expanding IN costs more
    than the query itself for a 2,000-key chunk, inside the write transaction.
    """
    if not keys:
        return []
    mark = _MARKS.get(conn.dialect.paramstyle)
    cols = [table.c[c] for c in (key, *columns)]
    if mark is None:  # pragma: no cover - the drivers redline supports are listed above
        found = conn.execute(select(*cols[1:]).where(cols[0].in_(list(keys))))
        return [tuple(r) for r in found]
    preparer = conn.dialect.identifier_preparer
    names = ", ".join(preparer.quote(c) for c in columns)
    sql = (
        f"SELECT {names} FROM {preparer.format_table(table)} "
        f"WHERE {preparer.quote(key)} IN ({', '.join([mark] * len(keys))})"
    )
    return [tuple(r) for r in conn.exec_driver_sql(sql, tuple(keys))]


def _processor(column: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """What SQLAlchemy would pass the SQLite driver for a value of ``column``.

    The column type's own processor (as the dialect adapts it), except for amounts,
    which get a direct one (integer fen, without the layers of calls), and UTC
    times, whose text is made here (the dialect's ``YYYY-MM-DD HH:MM:SS.ffffff``),
    so that work too is done before the transaction.
    """
    kind = column.type
    if isinstance(kind, Money):
        return _fen
    if isinstance(kind, UTCDateTime):
        text = DateTime().dialect_impl(dialect).bind_processor(dialect)
        assert text is not None  # SQLite stores datetimes as text

        def utc_text(value: datetime | None) -> Any:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError(f"naive datetime {value!r} given to the store; attach a zone")
            return text(value.astimezone(UTC).replace(tzinfo=None))

        return utc_text
    proc: Callable[[Any], Any] | None = kind.dialect_impl(dialect).bind_processor(dialect)
    return proc


_HUNDRED, _ONE = Decimal(100), Decimal(1)


def _fen(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return int((value * _HUNDRED).quantize(_ONE, rounding=ROUND_HALF_UP))


class Spool(Generic[T]):
    """Chunks kept from the first phase to the second: in memory while they are few,
    then in a temporary file (``memory_chunks``: how many stay in memory)."""

    def __init__(self, memory_chunks: int = 16) -> None:
        self._memory: list[T] = []
        self._limit = memory_chunks
        self._fh: IO[bytes] | None = None
        self._spilled = 0

    def add(self, chunk: T) -> None:
        if self._fh is None and len(self._memory) < self._limit:
            self._memory.append(chunk)
            return
        if self._fh is None:
            self._fh = tempfile.TemporaryFile(prefix="redline-spool-")  # noqa: SIM115
            for kept in self._memory:
                self._dump(kept)
            self._memory = []
        self._dump(chunk)

    def _dump(self, chunk: T) -> None:
        assert self._fh is not None
        pickle.dump(chunk, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
        self._spilled += 1

    def __iter__(self) -> Iterator[T]:
        if self._fh is None:
            yield from self._memory
            return
        self._fh.flush()
        self._fh.seek(0)
        for _ in range(self._spilled):
            yield pickle.load(self._fh)  # our own temporary file

    def close(self) -> None:
        self._memory = []
        if self._fh is not None:
            self._fh.close()

    def __enter__(self) -> Spool[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
