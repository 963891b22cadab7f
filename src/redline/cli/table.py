"""The CLI's bad-input error and its column layout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from redline.display import pad, width


class BadInput(click.ClickException):
    """The user's input cannot be used: exit status 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"redline: {self.format_message()}", err=True)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns, two spaces apart, widths measured for CJK."""
    cols = len(header)
    widths = [max([width(header[i])] + [width(r[i]) for r in rows]) for i in range(cols)]
    lines = ["  ".join(pad(h, widths[i]) for i, h in enumerate(header)).rstrip()]
    for r in rows:
        lines.append("  ".join(pad(r[i], widths[i]) for i in range(cols)).rstrip())
    return "\n".join(lines)
