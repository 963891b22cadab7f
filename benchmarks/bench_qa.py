"""Batch QA (`redline qa`) over 100,000 imported conversations: first run, re-run, new packs.

Run: ``python -m benchmarks.bench_qa [--conversations N] [--seed S] [--db URL] [--json FILE]``.

One process, one corpus: ``--conversations`` chats (default 100,000) built from the
seeded reply corpus of :mod:`benchmarks.corpus` (the one ``bench_guard`` uses, ~3% of
replies crossing a red line), each agent reply preceded by a buyer question, with
times, accounts, a shop profile and, for half of them, an order. They are imported
into an empty store (SQLite file by default) with ``import_chats``, then:

- **guard** (the baseline): ``Guard.check_many`` over the same conversations in
  memory, no store — what QA cannot beat, since it runs exactly this plus reading
  the chats from the store and writing findings back;
- **qa**: ``run_qa`` as ``redline qa`` calls it, on the freshly imported store; the
  findings it stores must equal the baseline's (checked);
- **qa again**: the same packs; it must check 0 conversations (checked);
- **qa, packs changed**: an extra, harmless pack (one rule on a word the corpus
  never says) changes ``rules_fingerprint``; every conversation must be checked
  again and no finding added or removed (checked). ``--skip-repack`` leaves it out.

``qa overhead`` = qa seconds / guard seconds. The command exits non-zero if a
check fails.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from redline.desk.policy import to_china
from redline.guard.engine import Guard
from redline.model import Conversation, Message
from redline.store import open_store, session
from redline.store.imports import import_chats
from redline.store.models import ChatMessage, StoredFinding
from redline.store.qa import rules_fingerprint, run_qa

from . import corpus

CN = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 10, 1, 8, 0, tzinfo=CN)
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=CN)

# What buyers ask before a reply; neutral, so findings come from the agents' side.
BUYER_SAYS = (
    "在吗",
    "你好",
    "这个有货吗",
    "什么时候发货",
    "多久能到",
    "能开发票吗",
    "可以便宜点吗",
    "有运费险吗",
    "尺码怎么选",
    "我170斤穿多大",
    "包邮吗",
    "可以用信用卡吗",
    "到哪了",
    "能退吗",
    "好的谢谢",
    "颜色有色差吗",
    "有优惠券吗",
    "支持货到付款吗",
)

EXTRA_PACK = """\
pack: bench-extra
rules:
  - id: etiquette.bench_marker
    category: etiquette
    keywords: [红线基准测试]
    patterns: ['红线基准测试专用']
    explanation: 基准测试用的无害规则，语料中不会出现。
"""


def chats(n: int, seed: int) -> list[Conversation]:
    """``n`` conversations: the corpus's agent replies, each after a buyer message."""
    rng = random.Random(seed)
    # The corpus groups 1–4 replies per conversation (2.5 on average); ask for enough.
    base = corpus.generate(int(n * 2.6) + 10, seed=seed)
    while len(base) < n:  # pragma: no cover - the margin above suffices
        base += corpus.generate(n, seed=seed + len(base))
    out: list[Conversation] = []
    for serial, conv in enumerate(base[:n]):
        buyer = f"tb{rng.randrange(10**7, 10**8)}"
        t = START + timedelta(seconds=serial * 23 + rng.randrange(20))
        messages: list[Message] = []
        for reply in conv.messages:
            messages.append(Message("buyer", rng.choice(BUYER_SAYS), buyer, t))
            t += timedelta(seconds=rng.randrange(10, 90))
            messages.append(Message("agent", reply.text, reply.account, t))
            t += timedelta(seconds=rng.randrange(30, 300))
        order = replace(conv.order, buyer=buyer) if conv.order else None
        out.append(replace(conv, id=f"qa{serial:07d}", messages=messages, order=order))
    return out


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def bare_guard(guard: Guard, convs: list[Conversation]) -> int:
    """The baseline: every finding of ``check_many`` over the conversations in memory."""
    return sum(len(found) for _conv, found in guard.check_many(convs))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--conversations", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--db", help="store URL (default: a fresh SQLite file in a temp dir)")
    ap.add_argument(
        "--skip-repack", action="store_true", help="leave out the run with a changed pack"
    )
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)

    convs, gen_s = timed(lambda: chats(args.conversations, args.seed))
    n_msgs = sum(len(c.messages) for c in convs)
    n_agent = n_msgs // 2
    guard, load_s = timed(Guard.default)
    to_china(NOW)  # QA's first finding loads the bundled policy (~0.5 s once a process)
    gc.collect()
    gc.freeze()  # the corpus is long-lived: keep it out of every collection
    print(
        f"corpus: {len(convs):,} conversations, {n_msgs:,} messages ({n_agent:,} agent replies); "
        f"generated in {gen_s:.1f} s, seed {args.seed}"
    )
    print(
        f"guard: {len(guard.rules)} rules, loaded in {load_s:.2f} s; "
        f"python {platform.python_version()} on {platform.machine()}, single process\n"
    )

    results: dict[str, Any] = {
        "machine": f"{platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}",
        "conversations": len(convs),
        "messages": n_msgs,
        "seed": args.seed,
    }
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = args.db or f"sqlite:///{work / 'bench.db'}"
        engine = open_store(url)
        imported, import_s = timed(lambda: import_chats(engine, convs))
        with session(engine) as s:
            stored_msgs = s.scalar(select(func.count()).select_from(ChatMessage))
        print(
            f"import       : {import_s:7.2f} s  {imported.accepted / import_s:9,.0f} convs/s  "
            f"{stored_msgs:,} messages stored"
        )

        expected, guard_s = timed(lambda: bare_guard(guard, convs))
        fingerprint = rules_fingerprint()
        first, qa_s = timed(lambda: run_qa(engine, guard, fingerprint, now=NOW))
        with session(engine) as s:
            stored = s.scalar(select(func.count()).select_from(StoredFinding)) or 0
        first_ok = first.checked == len(convs) and stored == first.new_findings == expected
        ok &= first_ok
        again, again_s = timed(lambda: run_qa(engine, guard, fingerprint, now=NOW))
        again_ok = again.checked == 0 and again.up_to_date == len(convs) and not again.new_findings
        ok &= again_ok

        repack_s = None
        repack: Any = None
        if not args.skip_repack:
            pack = work / "rules" / "90-bench.yaml"
            pack.parent.mkdir()
            pack.write_text(EXTRA_PACK, encoding="utf-8")
            guard2 = Guard.default([str(pack.parent)])
            fp2 = rules_fingerprint([pack.parent])
            repack, repack_s = timed(lambda: run_qa(engine, guard2, fp2, now=NOW))
            ok &= fp2 != fingerprint and repack.checked == len(convs)
            ok &= repack.new_findings == 0 and repack.removed == 0
        engine.dispose()

    def line(name: str, seconds: float, note: str = "") -> None:
        print(
            f"{name:<13}: {seconds:7.2f} s  {len(convs) / seconds:9,.0f} convs/s  "
            f"{n_msgs / seconds:9,.0f} msgs/s  {note}".rstrip()
        )

    line("guard (bare)", guard_s, f"{expected:,} findings, in memory (baseline)")
    line("qa", qa_s, f"checked {first.checked:,}, stored {stored:,} findings")
    print(
        f"qa again     : {again_s:7.2f} s  checked {again.checked:,}, "
        f"up to date {again.up_to_date:,} ({again_s / qa_s:.1%} of the first run)"
    )
    if repack is not None and repack_s is not None:
        line(
            "qa new packs",
            repack_s,
            f"checked {repack.checked:,}, new {repack.new_findings}, removed {repack.removed}",
        )
    print()
    print(f"qa overhead  : {qa_s / guard_s:.2f}x the bare guard (qa seconds / guard seconds)")
    print(
        f"checks       : findings stored = guard's: {first_ok}; re-run checked nothing: {again_ok}"
        + (
            f"; new packs re-checked all, findings unchanged: "
            f"{repack.checked == len(convs) and not repack.new_findings and not repack.removed}"
            if repack is not None
            else ""
        )
    )

    results.update(
        {
            "generate_s": round(gen_s, 2),
            "import_s": round(import_s, 2),
            "import_convs_per_s": round(imported.accepted / import_s),
            "guard_s": round(guard_s, 2),
            "guard_findings": expected,
            "qa_s": round(qa_s, 2),
            "qa_convs_per_s": round(len(convs) / qa_s),
            "qa_msgs_per_s": round(n_msgs / qa_s),
            "qa_findings_stored": stored,
            "qa_overhead_vs_guard": round(qa_s / guard_s, 2),
            "rerun_s": round(again_s, 3),
            "rerun_checked": again.checked,
            "rerun_share_of_first": round(again_s / qa_s, 4),
            "repack_s": round(repack_s, 2) if repack_s is not None else None,
            "repack_checked": repack.checked if repack is not None else None,
            "ok": ok,
        }
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
