"""Masking buyer data: names, phones, addresses, and free chat text.

One masking step shared by the pages, the JSON answers, the exports and the
notifications. Views show masked values by default; revealing one is a logged
action (``POST /api/orders/{order_no}/reveal``, supervisors and admins only).

:func:`mask_text` keeps the text's length in code points, so the offsets of a
finding (formats.md: characters = code points) still point at the same words.

No imports from the rest of redline; anything may use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Keep the administrative prefix (province / city / district or county), mask the rest.
_ADMIN = re.compile(
    r"^(?:[^省市区县旗]{1,12}?(?:省|自治区|特别行政区|市))?"
    r"(?:[^省市区县旗]{1,12}?(?:市|自治州|地区|盟))?"
    r"(?:[^省市区县旗]{1,12}?(?:区|县|旗|市))?"
)

# Mainland mobile numbers 1[3-9]xxxxxxxxx, ASCII or full-width digits, optionally
# written 3-4-4 with spaces or hyphens, not part of a longer digit run.
_D = "[0-9０-９]"
_PHONE = re.compile(
    rf"(?:(?<=\+86)|(?<=\+86[ \-])|(?<![0-9０-９]))([1１][3-9３-９]{_D})([ \-]?)({_D}{{4}})([ \-]?)({_D}{{4}})(?![0-9０-９])"
)

# A street address in free text: an optional administrative head, then a road,
# village or estate and a house / building / room number.
_HAN = r"\u4e00-\u9fff"
_ADDR_CHARS = rf"[{_HAN}A-Za-z0-9０-９#\-]"
_ADDRESS = re.compile(
    rf"{_ADDR_CHARS}{{0,24}}?"
    r"(?:路|街|大道|道|巷|弄|胡同|村|组|小区|花园|公寓|大厦|广场|苑|园|里|镇|乡)"
    rf"{_ADDR_CHARS}{{0,16}}?"
    r"(?:[0-9０-９一二三四五六七八九十]+(?:号楼|号院|号|栋|幢|单元|室|楼|层|座))+"
    r"(?:[0-9０-９]+)?"
)
# A recipient named in the text: 收件人王丽, 收货人：张三.
_RECIPIENT = re.compile(
    rf"((?:收件人|收货人|签收人|联系人|寄件人)(?:是|叫|[:：]\s*)?)([{_HAN}]{{2,4}})"
)


def mask_name(name: str | None) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``, ``tb_8812`` → ``t******``."""
    if not name:
        return ""
    name = str(name).strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, min(len(name) - 1, 6))


def _head(text: str) -> int:
    """How many characters of an address to keep: its province/city/district prefix,
    or, when that is the whole text or too short to say anything, at most 3."""
    match = _ADMIN.match(text)
    kept = len(match.group(0)) if match else 0
    if kept >= len(text) or kept < 2:
        kept = min(3, max(len(text) - 1, 0))
    return kept


def mask_address(address: str | None) -> str:
    """Keep province/city/district, hide the street and house number."""
    if not address:
        return ""
    text = str(address).strip()
    return text[: _head(text)] + "****"


def mask_phone(text: str) -> str:
    """Mask mainland mobile numbers: ``13800138000`` → ``138****8000``.

    Also catches ``138-0013-8000`` / ``138 0013 8000``, full-width digits and a
    ``+86`` prefix (the prefix is kept). Longer digit runs (order numbers) are
    left alone. The length is kept.
    """
    return _PHONE.sub(lambda m: f"{m[1]}{m[2]}****{m[4]}{m[5]}", text)


def _stars(s: str, keep: int = 1) -> str:
    return s[:keep] + "*" * (len(s) - keep)


def _mask_address_in_place(s: str) -> str:
    return _stars(s, _head(s))


def mask_text(text: str | None, known: Iterable[str | None] = ()) -> str:
    """Chat text with phones, street addresses, named recipients and ``known`` values masked.

    ``known`` holds the values the store knows about the people in the chat (the
    order's buyer nick, recipient, phone and address): each occurrence is masked
    wherever it stands. The result has the same length as ``text``.
    """
    if not text:
        return text or ""
    out = mask_phone(text)
    for value in sorted(
        {str(v).strip() for v in known if v and str(v).strip()}, key=len, reverse=True
    ):
        if len(value) < 2:
            continue
        is_address = len(value) > 5 and re.search(r"[省市区县路街道号]", value)
        masked = _mask_address_in_place(value) if is_address else _stars(value)
        out = out.replace(value, masked)
    out = _ADDRESS.sub(lambda m: _mask_address_in_place(m[0]), out)
    out = _RECIPIENT.sub(lambda m: m[1] + _stars(m[2]), out)
    assert len(out) == len(text)
    return out


def mask_evidence(category: str | None, evidence: str | None) -> str:
    """A finding's evidence as shown: a privacy finding's is the disclosed data itself."""
    if not evidence:
        return evidence or ""
    if category == "privacy":
        return _stars(evidence)
    return mask_text(evidence)
