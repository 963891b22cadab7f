"""Flagged rate of the guard on real customer-service messages (false-alarm check).

Usage: python scripts/false_alarms.py ../shared/corpora [-v]

Each line of every agent/seller file is checked as one agent reply, pre-send,
under the strictest shop profile (Tmall, COD on, credit cards on, free shipping
on), so every shop-dependent rule is live. Almost every message in these corpora
is compliant: what is flagged is read, and each real false alarm is a rule to fix.
"""

from __future__ import annotations

import sys
from pathlib import Path

from redline import Conversation, Guard, Message, Shop

FILES = (
    "ecd_sample_seller.txt",
    "jddc2019_dev_agent.txt",
    "jddc_baseline_agent_responses.txt",
    "jddc_chat_sample_agent.txt",
)
STRICT_SHOP = Shop(platform="tmall", cod=True, credit_card=True, free_shipping=True)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    corpora = Path(argv[0])
    verbose = "-v" in argv
    guard = Guard.default()
    worst = 0.0
    print(f"{'file':<38}{'messages':>10}{'flagged':>9}{'rate':>8}")
    for name in FILES:
        path = corpora / name
        if not path.exists():
            print(f"{name:<38}{'missing':>10}")
            continue
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        convs = [
            Conversation(messages=[Message("agent", t)], id=str(i), shop=STRICT_SHOP)
            for i, t in enumerate(lines, 1)
        ]
        flagged = 0
        for conv, findings in guard.check_many(convs, presend=True):
            if findings:
                flagged += 1
                if verbose:
                    f = findings[0]
                    print(
                        f"    {name}:{conv.id} {f.rule} [{f.evidence}] {conv.messages[0].text[:70]}"
                    )
        rate = flagged / len(lines) if lines else 0.0
        worst = max(worst, rate)
        print(f"{name:<38}{len(lines):>10}{flagged:>9}{rate:>8.2%}")
    return 0 if worst <= 0.01 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
