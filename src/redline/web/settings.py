"""The web app's settings, read from the rule packs (``packs/95-web.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redline.guard.packs import RuleSet

_KEYS = {
    "session_hours": ("web_session_hours", 1, 24 * 30),
    "check_max_kib": ("web_check_max_kib", 1, 64 * 1024),
    "upload_max_mib": ("web_upload_max_mib", 1, 4096),
}


@dataclass(frozen=True)
class WebSettings:
    session_hours: int
    check_max_kib: int
    upload_max_mib: int

    @classmethod
    def from_rules(cls, rules: RuleSet) -> WebSettings:
        values: dict[str, Any] = {}
        for name, (key, low, high) in _KEYS.items():
            value = rules.settings.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ValueError(
                    f"网页设置 {key!r} 无效: {value!r}，应为 {low}–{high} 的整数"
                    f" (invalid web setting {key!r}: expected an integer {low}–{high})"
                )
            values[name] = value
        return cls(**values)
