"""Masking buyer data for display: names, addresses (phones: ``notify.mask_phone``).

Views show masked values by default; revealing one is a logged action
(``POST /api/orders/{order_no}/reveal``, supervisors and admins only).
"""

from __future__ import annotations

import re

# Keep the administrative prefix (province / city / district or county), mask the rest.
_ADMIN = re.compile(
    r"^(?:[^省市区县旗]{1,12}?(?:省|自治区|特别行政区|市))?"
    r"(?:[^省市区县旗]{1,12}?(?:市|自治州|地区|盟))?"
    r"(?:[^省市区县旗]{1,12}?(?:区|县|旗|市))?"
)


def mask_name(name: str | None) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``, ``tb_8812`` → ``t******``."""
    if not name:
        return ""
    name = str(name).strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, min(len(name) - 1, 6))


def mask_address(address: str | None) -> str:
    """Keep province/city/district, hide the street and house number."""
    if not address:
        return ""
    text = str(address).strip()
    head = _ADMIN.match(text)
    kept = head.group(0) if head else ""
    if len(kept) >= len(text) or len(kept) < 2:
        kept = text[: min(3, max(len(text) - 1, 0))]
    return kept + "****"
