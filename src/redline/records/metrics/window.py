"""Half-open time windows in China time, and the small value types the metrics are made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from redline.records.metrics.settings import CENT, DAY_SECONDS

# --- windows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """``start <= t < end``, aware datetimes in ``tz`` (China time)."""

    start: datetime
    end: datetime
    tz: ZoneInfo
    kind: str = "range"  # rolling | range
    # The bounds in UTC, and the zone's offset when it is the same all through the
    # window (China time: always): comparing and bucketing the store's UTC datetimes
    # then needs no time-zone lookup per row.
    _start_utc: datetime = field(init=False, repr=False, compare=False)
    _end_utc: datetime = field(init=False, repr=False, compare=False)
    _offset: timedelta | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError("窗口的起止时间必须带时区 (window bounds must be aware datetimes)")
        if self.end <= self.start:
            raise ValueError("窗口的结束时间必须晚于开始时间 (the window must end after it starts)")
        object.__setattr__(self, "_start_utc", self.start.astimezone(UTC))
        object.__setattr__(self, "_end_utc", self.end.astimezone(UTC))
        span = int((self.end - self.start) / timedelta(days=1)) + 1
        offsets = {
            (self.start + timedelta(days=i)).astimezone(self.tz).utcoffset() for i in range(span)
        }
        offsets.add(self.end.astimezone(self.tz).utcoffset())
        object.__setattr__(self, "_offset", offsets.pop() if len(offsets) == 1 else None)

    @classmethod
    def rolling(cls, at: datetime, days: int, tz: ZoneInfo) -> Window:
        """The ``days`` days before ``at``: ``[at − days, at)``; a naive ``at`` is China time."""
        if days < 1:
            raise ValueError(f"天数应 ≥ 1，得到 {days} (days must be ≥ 1)")
        end = at.replace(tzinfo=tz) if at.utcoffset() is None else at.astimezone(tz)
        return cls(end - timedelta(days=days), end, tz, "rolling")

    @classmethod
    def between(cls, first: date, last: date, tz: ZoneInfo) -> Window:
        """Whole China days ``first`` … ``last``, both included."""
        if last < first:
            raise ValueError(
                f"结束日期 {last} 早于开始日期 {first} (the last day is before the first)"
            )
        start = datetime.combine(first, datetime.min.time(), tz)
        end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
        return cls(start, end, tz, "range")

    def contains(self, at: datetime | None) -> bool:
        if at is None:
            return False
        if at.tzinfo is not UTC:
            at = at.astimezone(UTC)
        return self._start_utc <= at < self._end_utc

    def day_of(self, at: datetime) -> date:
        """The China date of an instant."""
        if self._offset is None:
            return at.astimezone(self.tz).date()
        if at.tzinfo is not UTC:
            at = at.astimezone(UTC)
        return (at + self._offset).date()

    def days(self) -> list[date]:
        """Every China date the window touches, first to last."""
        first = self.day_of(self.start)
        last = self.day_of(self.end - timedelta(microseconds=1))
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def is_partial(self, day: date) -> bool:
        """True when the window covers only part of ``day``."""
        begins = datetime.combine(day, datetime.min.time(), self.tz)
        ends = datetime.combine(day + timedelta(days=1), datetime.min.time(), self.tz)
        return begins < self.start or ends > self.end

    @property
    def length_days(self) -> float:
        return (self.end - self.start).total_seconds() / DAY_SECONDS

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start": self.start.astimezone(self.tz).isoformat(),
            "end": self.end.astimezone(self.tz).isoformat(),
            "days": self.length_days,
            "timezone": self.tz.key,
        }


# --- small value types ---------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    """``count`` of ``of``; ``rate`` is None when ``of`` is 0."""

    count: int
    of: int

    @property
    def rate(self) -> float | None:
        return self.count / self.of if self.of else None

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count, "of": self.of, "rate": self.rate}


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def per_buyer(gmv: Decimal, buyers: int) -> Decimal | None:
    """客单价: GMV / paying buyers, to the cent; None without buyers."""
    return money(gmv / buyers) if buyers else None
