"""Throughput of the reply guard against two baselines, on one core.

Run: ``python -m benchmarks.bench_guard [--messages N] [--naive-sample N] [--json FILE]``.

All three measurements use the same synthetic corpus (:mod:`benchmarks.corpus`)
in the same process, after ``gc.freeze()`` so the collector does not rescan the
million loaded objects on every young-generation collection:

- **guard**: ``Guard.default(model=False).check_many(conversations)`` with every
  finding consumed — the whole rule pipeline (normalisation, keyword scan, gated
  rules, context conditions, evidence mapping, suggestions);
- **guard + model**: the same with the learned layer (``Guard.default()``): the
  model's weighted n-grams scanned by a second automaton over the same joined
  batch, summed per message with numpy, candidates confirmed by their conditions.
  ``guard + model / guard`` is the layer's cost;
- **ceiling**: the bare ``ahocorasick_rs`` scan with the guard's own keyword list
  over the raw texts, ~1,000 messages joined per haystack. The guard cannot beat
  it (it runs this scan plus everything else), so ``guard / ceiling`` says how
  close the guard gets to the cost of just finding keywords;
- **naive**: what a shop would write by hand — every enabled rule's compiled
  regexes tried on every message's raw text. It is slow, so by default it runs on
  a sample (the first ``--naive-sample`` messages) and its rate is per message.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import ahocorasick_rs

from redline.guard.engine import Guard
from redline.model import Conversation

from . import corpus

HAYSTACK_MESSAGES = 1000


@dataclass
class Rate:
    name: str
    messages: int
    mbytes: float
    seconds: float
    note: str = ""

    @property
    def msgs_per_s(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def mb_per_s(self) -> float:
        return self.mbytes / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "msgs_per_s": self.msgs_per_s, "mb_per_s": self.mb_per_s}


def _mbytes(texts: Sequence[str]) -> float:
    return sum(len(t.encode("utf-8")) for t in texts) / 1e6


def bench_guard(
    guard: Guard,
    convs: list[Conversation],
    texts: Sequence[str],
    name: str = "guard (check_many)",
) -> tuple[Rate, int, int]:
    """Full guard in batch mode; returns the rate, the findings and the flagged messages."""
    findings = 0
    flagged: set[tuple[int, int]] = set()
    start = time.perf_counter()
    for ci, (_conv, found) in enumerate(guard.check_many(convs)):
        findings += len(found)
        for f in found:
            flagged.add((ci, f.message))
    seconds = time.perf_counter() - start
    return Rate(name, len(texts), _mbytes(texts), seconds), findings, len(flagged)


def bench_ceiling(keywords: Sequence[str], texts: Sequence[str]) -> tuple[Rate, int]:
    """Bare Aho-Corasick scan of the raw texts, ~1,000 messages joined per haystack."""
    automaton = ahocorasick_rs.AhoCorasick(list(keywords))
    hits = 0
    start = time.perf_counter()
    for i in range(0, len(texts), HAYSTACK_MESSAGES):
        haystack = "\x00".join(texts[i : i + HAYSTACK_MESSAGES])
        hits += len(automaton.find_matches_as_indexes(haystack, overlapping=True))
    seconds = time.perf_counter() - start
    note = f"{HAYSTACK_MESSAGES} msgs per haystack, overlapping matches"
    return Rate("ceiling (bare automaton)", len(texts), _mbytes(texts), seconds, note), hits


def bench_naive(guard: Guard, texts: Sequence[str], sample: int) -> tuple[Rate, int]:
    """Every enabled rule's regexes on every message's raw text (first ``sample`` messages)."""
    subset = texts[:sample] if sample else texts
    patterns = [p for rule in guard.rules for p in rule.patterns]
    matched = 0
    start = time.perf_counter()
    for text in subset:
        for pattern in patterns:
            if pattern.search(text) is not None:
                matched += 1
    seconds = time.perf_counter() - start
    note = (
        f"sample: first {len(subset):,} of {len(texts):,} msgs"
        if len(subset) < len(texts)
        else "all msgs"
    )
    note += f", {len(patterns)} regexes"
    return Rate("naive (all regexes)", len(subset), _mbytes(subset), seconds, note), matched


def _row(rate: Rate) -> str:
    return (
        f"{rate.name:<26}{rate.messages:>11,}{rate.seconds:>10.2f}"
        f"{rate.msgs_per_s:>14,.0f}{rate.mb_per_s:>9.2f}  {rate.note}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--messages",
        type=int,
        default=1_000_000,
        help="agent messages in the corpus (default 1,000,000)",
    )
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=100_000,
        help="messages the naive baseline runs on (0 = all; default 100,000)",
    )
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    convs = corpus.generate(args.messages, seed=args.seed)
    texts = corpus.message_texts(convs)
    gen_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    guard = Guard.default(model=False)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with_model = Guard.default()
    model_load_s = time.perf_counter() - t0
    assert with_model.learned is not None
    gc.collect()
    gc.freeze()  # a million long-lived objects: keep them out of every collection

    mbytes = _mbytes(texts)
    print(
        f"corpus: {len(texts):,} agent messages in {len(convs):,} conversations, "
        f"{mbytes:.1f} MB UTF-8 (avg {mbytes * 1e6 / max(len(texts), 1):.0f} B/msg); "
        f"generated in {gen_s:.1f} s, seed {args.seed}"
    )
    print(
        f"guard: {len(guard.rules)} rules, {len(guard.keywords)} keywords; loaded in {load_s:.2f} s"
    )
    print(
        f"model: {len(with_model.learned.model.ngrams):,} weighted n-grams, "
        f"{len(with_model.learned.categories)} categories; guard + model loaded in "
        f"{model_load_s:.2f} s"
    )
    print(f"python {platform.python_version()} on {platform.machine()}, single process\n")

    full, findings, flagged = bench_guard(guard, convs, texts)
    modelled, m_findings, m_flagged = bench_guard(with_model, convs, texts, "guard + model")
    ceiling, kw_hits = bench_ceiling(guard.keywords, texts)
    naive, naive_matches = bench_naive(guard, texts, args.naive_sample)

    print(f"{'':<26}{'messages':>11}{'seconds':>10}{'msgs/s':>14}{'MB/s':>9}")
    for rate in (full, modelled, ceiling, naive):
        print(_row(rate))
    vs_naive = full.msgs_per_s / naive.msgs_per_s if naive.msgs_per_s else float("inf")
    of_ceiling = full.msgs_per_s / ceiling.msgs_per_s if ceiling.msgs_per_s else 0.0
    print()
    print(f"guard vs naive:         {vs_naive:,.1f}x faster")
    print(f"guard vs ceiling:       {of_ceiling:.1%} of the bare automaton's rate")
    model_ratio = modelled.msgs_per_s / full.msgs_per_s if full.msgs_per_s else 0.0
    print(f"guard + model vs guard: {model_ratio:.1%} of the rules-only rate")
    print(
        f"findings with model:    {m_findings:,} in {m_flagged:,} messages "
        f"({m_flagged / max(len(texts), 1):.2%} of messages flagged)"
    )
    print(
        f"findings:               {findings:,} in {flagged:,} messages "
        f"({flagged / max(len(texts), 1):.2%} of messages flagged)"
    )
    print(f"keyword hits (ceiling): {kw_hits:,}; naive regex matches on sample: {naive_matches:,}")

    if args.json is not None:
        result = {
            "corpus": {
                "messages": len(texts),
                "conversations": len(convs),
                "mbytes": mbytes,
                "seed": args.seed,
                "generate_s": gen_s,
            },
            "python": platform.python_version(),
            "guard": full.as_dict(),
            "guard_model": modelled.as_dict(),
            "guard_model_vs_guard": model_ratio,
            "model_findings": m_findings,
            "ceiling": ceiling.as_dict(),
            "naive": naive.as_dict(),
            "guard_vs_naive": vs_naive,
            "guard_of_ceiling": of_ceiling,
            "findings": findings,
            "flagged_messages": flagged,
            "flagged_share": flagged / max(len(texts), 1),
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
