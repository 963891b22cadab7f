"""Flagged rate of the guard on real customer-service messages (false-alarm check).

Usage: python scripts/false_alarms.py ../shared/corpora [-v] [--all-lines] [--no-model]

By default only the held-out lines are measured: those whose 0-based line number n
has n % 3 != 0. The lines with n % 3 == 0 are training negatives of the learned layer
(``make model``) and would flatter it; ``--all-lines`` measures every line anyway.
``--no-model`` checks with the rules alone.

Each line of every agent/seller file is checked as one agent reply, pre-send,
under the strictest shop profile (Tmall, COD on, credit cards on, free shipping
on), so every shop-dependent rule is live. Almost every message in these corpora
is compliant: what is flagged is read, and each real false alarm is a rule to fix.
"""

from __future__ import annotations

import sys
from pathlib import Path

from redline import Conversation, Guard, Message
from redline.guard.training import CORPUS_FILES as FILES
from redline.guard.training import STRICT_SHOP, TRAIN_EVERY


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    corpora = Path(argv[0])
    verbose = "-v" in argv
    all_lines = "--all-lines" in argv
    guard = Guard.default(model="--no-model" not in argv)
    worst = 0.0
    if all_lines:
        print("measuring every line (including the model's training lines, n % 3 == 0)")
    else:
        print(
            f"measuring the held-out lines only (0-based line n with n % {TRAIN_EVERY} != 0; "
            "the others train the model)"
        )
    print(f"layer: {'rules + model' if guard.learned is not None else 'rules only'}")
    print(f"{'file':<38}{'messages':>10}{'flagged':>9}{'rate':>8}")
    for name in FILES:
        path = corpora / name
        if not path.exists():
            print(f"{name:<38}{'missing':>10}")
            continue
        lines = [
            ln.strip()
            for n, ln in enumerate(path.read_text(encoding="utf-8").splitlines())
            if ln.strip() and (all_lines or n % TRAIN_EVERY != 0)
        ]
        numbers = [
            n + 1
            for n, ln in enumerate(path.read_text(encoding="utf-8").splitlines())
            if ln.strip() and (all_lines or n % TRAIN_EVERY != 0)
        ]
        convs = [
            Conversation(messages=[Message("agent", t)], id=str(i), shop=STRICT_SHOP)
            for i, t in zip(numbers, lines, strict=True)
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
