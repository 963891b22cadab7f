"""Alert messages for group robots: masked, Markdown-escaped, never an address or a full name."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from redline.desk.policy import Policy
from redline.notify.robots import Message, mask_phone, md_escape
from redline.records.alerts.alert import (
    KINDS,
    SEVERITIES,
    Alert,
    deadline_text,
    mask_name,
    sort_alerts,
    yuan,
)

# --- messages for group robots -----------------------------------------------------------------


def _masked_md(masked: str) -> str:
    """A masked name in Markdown: its characters escaped, the mask's stars left as they are
    (like :func:`redline.notify.robots.mask_phone` in a digest)."""
    return "".join(c if c == "*" else md_escape(c) for c in masked)


def _alert_block(a: Alert, at: datetime, lang: str, p: Policy) -> str:
    en = lang == "en"
    kind = KINDS[a.kind][1 if en else 0]
    level = SEVERITIES[a.severity][1 if en else 0]
    lines = [
        f"#### [{level}] {kind}",
        mask_phone(md_escape(a.title_en if en else a.title)),
    ]
    label = {
        "buyer": "Buyer" if en else "买家",
        "orders": "Orders" if en else "订单",
        "due": "Due" if en else "期限",
        "stake": "At stake" if en else "赔付风险",
        "said": "Buyer wrote" if en else "买家原话",
        "todo": "To do" if en else "建议",
    }
    if a.buyer:
        lines.append(f"- {label['buyer']}：{_masked_md(mask_name(a.buyer))}")
    if a.orders:
        lines.append(f"- {label['orders']}：{md_escape('、'.join(a.orders))}")
    if a.due_at is not None:
        lines.append(f"- {label['due']}：{deadline_text(p, a.due_at, at, lang)}")
    if a.exposure:
        lines.append(f"- {label['stake']}：{yuan(a.exposure)}")
    if a.evidence:
        lines.append(f"- {label['said']}：“{mask_phone(md_escape(a.evidence))}”")
    lines.append(f"- {label['todo']}：{mask_phone(a.advice_en if en else a.advice)}")
    return "\n".join(lines)


def alerts_markdown(alerts: Sequence[Alert], at: datetime, lang: str = "zh") -> str:
    """The Markdown body of a robot message for ``alerts`` (private data masked)."""
    p = Policy.default()
    return "\n\n".join(_alert_block(a, at, lang, p) for a in alerts)


def alert_messages(
    alerts: Sequence[Alert],
    at: datetime,
    *,
    lang: str = "zh",
    batch: int = 6,
    at_mobiles: Sequence[str] = (),
) -> list[Message]:
    """``alerts`` (most severe first) as robot messages of at most ``batch`` alerts each.

    ``at_mobiles`` are @-mentioned on a message that holds a critical alert.
    """
    ordered = sort_alerts(alerts)
    chunks = [ordered[i : i + max(batch, 1)] for i in range(0, len(ordered), max(batch, 1))]
    out: list[Message] = []
    for n, chunk in enumerate(chunks, 1):
        counts = Counter(a.severity for a in chunk)
        if lang == "en":
            head = ", ".join(f"{counts[s]} {SEVERITIES[s][1]}" for s in SEVERITIES if counts[s])
            title = f"redline risk alerts: {head}"
        else:
            head = "，".join(f"{SEVERITIES[s][0]} {counts[s]} 条" for s in SEVERITIES if counts[s])
            title = f"redline 风险告警：{head}"
        if len(chunks) > 1:
            title += f" ({n}/{len(chunks)})"
        body = f"### {title}\n\n{alerts_markdown(chunk, at, lang)}"
        mention = tuple(at_mobiles) if counts["critical"] else ()
        out.append(Message(title, body, at_mobiles=mention, kind="alert"))
    return out
