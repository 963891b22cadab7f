"""Plain-text display helpers shared by the CLI tables and the web: width, padding, cells.

No imports from the rest of redline; anything may use it.
"""

from __future__ import annotations

import unicodedata


def width(s: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def pad(s: str, n: int) -> str:
    return s + " " * max(0, n - width(s))


def cell(value: object, limit: int = 40) -> str:
    """A table cell: None as “-”, unprintable characters flattened, long text cut."""
    if value is None:
        return "-"
    flat = "".join(c if c.isprintable() else " " for c in str(value))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
