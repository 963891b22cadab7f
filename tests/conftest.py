"""Session fixtures: one loaded :class:`Guard` and small checking helpers."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from redline.engine import Guard
from redline.model import Finding
from support import DEFAULT_ORDER, MessageSpec, flagged_pairs, make_conv


@pytest.fixture(scope="session")
def guard() -> Guard:
    return Guard.default()


@pytest.fixture(scope="session")
def flag(guard: Guard) -> Callable[..., set[tuple[int, str]]]:
    """``flag(messages, shop=…, order=…, presend=False)`` → set of (message index, category)."""

    def _flag(
        messages: Sequence[MessageSpec],
        shop: dict[str, Any] | None = None,
        order: dict[str, Any] | None = DEFAULT_ORDER,
        presend: bool = False,
    ) -> set[tuple[int, str]]:
        conv = make_conv(messages, shop=shop, order=order)
        return flagged_pairs(guard.check(conv, presend=presend))

    return _flag


@pytest.fixture(scope="session")
def last_cats(guard: Guard) -> Callable[..., set[str]]:
    """Categories flagged on the last message (batch mode unless ``presend=True``)."""

    def _cats(
        messages: Sequence[MessageSpec],
        shop: dict[str, Any] | None = None,
        order: dict[str, Any] | None = DEFAULT_ORDER,
        presend: bool = False,
    ) -> set[str]:
        conv = make_conv(messages, shop=shop, order=order)
        last = len(conv.messages) - 1
        return {f.category for f in guard.check(conv, presend=presend) if f.message == last}

    return _cats


@pytest.fixture(scope="session")
def findings(guard: Guard) -> Callable[..., list[Finding]]:
    """``findings(messages, shop=…, order=…, presend=False)`` → the guard's findings."""

    def _findings(
        messages: Sequence[MessageSpec],
        shop: dict[str, Any] | None = None,
        order: dict[str, Any] | None = DEFAULT_ORDER,
        presend: bool = False,
    ) -> list[Finding]:
        return guard.check(make_conv(messages, shop=shop, order=order), presend=presend)

    return _findings
