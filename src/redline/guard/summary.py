"""A run's totals: conversations, messages, findings by severity and category, points."""

from __future__ import annotations

from collections import Counter
from typing import Any

from redline.model import Finding


def summarize(
    findings: list[Finding], conversations: int, messages: int, bad_lines: int = 0
) -> dict[str, Any]:
    by_severity = Counter(f.severity for f in findings)
    return {
        "conversations": conversations,
        "messages": messages,
        "findings": len(findings),
        "violations": by_severity.get("violation", 0),
        "warnings": by_severity.get("warning", 0),
        "alerts": by_severity.get("alert", 0),
        "points": sum(f.points for f in findings),
        "by_category": dict(sorted(Counter(f.category for f in findings).items())),
        "bad_lines": bad_lines,
    }
