"""Small pieces every ``redline`` command shares: the bad-input error, column layout."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

import click


class BadInput(click.ClickException):
    """The user's input cannot be used: exit status 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"redline: {self.format_message()}", err=True)


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


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns, two spaces apart, widths measured for CJK."""
    cols = len(header)
    widths = [max([width(header[i])] + [width(r[i]) for r in rows]) for i in range(cols)]
    lines = ["  ".join(pad(h, widths[i]) for i, h in enumerate(header)).rstrip()]
    for r in rows:
        lines.append("  ".join(pad(r[i], widths[i]) for i in range(cols)).rstrip())
    return "\n".join(lines)
