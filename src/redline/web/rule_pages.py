"""``/rules`` (admin, supervisor): the loaded rules and settings, read-only (what
``redline rules`` prints); admins also see the pack files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request

from redline.guard.packs import RuleSet, bundled_pack_paths, pack_paths
from redline.web.views import (
    SHOP,
    dual,
    user_of,
)

SEVERITY: dict[str, tuple[str, str]] = {
    "violation": ("违规", "violation"),
    "warning": ("提醒", "warning"),
    "alert": ("风险", "alert"),
}


LEDGER: dict[str, tuple[str, str]] = {
    "general": ("一般违规", "general"),
    "commitment": ("违背承诺", "commitment"),
    "misinformation": ("滥发信息", "misinformation"),
    "severe": ("严重违规", "severe"),
    "none": ("不计分", "not counted"),
}


SECRET_WORDS = ("secret", "password", "token", "webhook", "key")


def rules_data(rs: RuleSet, rules_dirs: tuple[str, ...], admin: bool, category: str | None) -> Any:
    """What ``redline rules`` prints (and the settings), for the page."""
    rows = []
    for rule in rs.rules.values():
        if category and rule.category != category:
            continue
        cat = rs.categories[rule.category]
        severity = rule.severity or cat.severity
        raw = rule.points if rule.points is not None else cat.points
        points = rs.points_value(raw) if severity == "violation" else 0
        rows.append(
            {
                "id": rule.id,
                "category": rule.category,
                "name": (cat.name_zh, cat.name_en),
                "severity": severity,
                "severity_name": SEVERITY.get(severity, (severity, severity)),
                "points": points,
                "conditional_points": bool(rule.points_when),
                "enabled": rule.enabled,
                "ledger": cat.ledger,
                "ledger_name": LEDGER.get(cat.ledger, (cat.ledger, cat.ledger)),
                "source": f"{Path(rule.source.path).name}:{rule.source.line}",
                "explanation": rule.explanation,
                "explanation_en": rule.explanation_en,
            }
        )
    settings = [
        {
            "key": k,
            "value": "******" if any(w in k.lower() for w in SECRET_WORDS) else v,
        }
        for k, v in sorted(rs.settings.items())
    ]
    data: dict[str, Any] = {
        "packs": list(rs.packs),
        "rules": rows,
        "total": len(rows),
        "categories": {k: (c.name_zh, c.name_en) for k, c in rs.categories.items()},
        "filters": {"category": category},
        "settings": settings,
        "files": None,
    }
    if admin:
        data["files"] = [str(p) for p in [*bundled_pack_paths(), *pack_paths(rules_dirs)]]
    return data


def register(app: FastAPI) -> None:
    @dual(app, "/rules", "rules.html", roles=SHOP, active="rules", tags=["rules"])
    def rules_page(
        request: Request, category: str | None = Query(None, max_length=60)
    ) -> dict[str, Any]:
        """已加载的规则、扣分与设置（只读）(the loaded rules and settings, read-only)"""
        user = user_of(request)
        data: dict[str, Any] = rules_data(
            request.app.state.rules, request.app.state.rules_dirs, user.is_admin, category
        )
        return data
