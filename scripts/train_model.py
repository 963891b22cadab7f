"""Train the learned layer and write ``src/redline/packs/model/guard-model.json.gz``.

Usage: python scripts/train_model.py [SHARED_DIR] [--out FILE] [--summary FILE]

SHARED_DIR (default ../shared, else /work/shared) holds eval/train.jsonl, eval/dev.jsonl
and corpora/. Thresholds come from leave-one-writer-out on train.jsonl; the weights
from all the training data. The output is deterministic: the same data and parameters
give the same file (its training data's sha256 and the parameters are recorded in it).
Needs scikit-learn (pip install 'redline[train]'); the guard itself does not.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from redline.guard.training import Params, TrainingUnavailable, train_all, write_model

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "redline" / "packs" / "model" / "guard-model.json.gz"


def shared_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    for cand in (ROOT.parent / "shared", ROOT.parent.parent / "shared", Path("/work/shared")):
        if (cand / "eval" / "train.jsonl").exists():
            return cand
    raise SystemExit("找不到 shared 目录（需要 eval/train.jsonl）：请作为参数给出")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("shared", nargs="?")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--summary", type=Path, help="also write the LOWO summary (JSON)")
    parser.add_argument("--C", type=float, default=Params.C)
    parser.add_argument("--prune", type=float, default=Params.prune)
    parser.add_argument("--min-df", type=int, default=Params.min_df)
    args = parser.parse_args(argv)
    shared = shared_dir(args.shared)
    params = Params(C=args.C, prune=args.prune, min_df=args.min_df)
    t0 = time.perf_counter()
    try:
        model, summary = train_all(
            shared / "eval" / "train.jsonl",
            shared / "eval" / "dev.jsonl",
            shared / "corpora",
            params,
        )
    except TrainingUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    write_model(model, args.out)
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    print(
        f"wrote {args.out} ({args.out.stat().st_size:,} bytes, {len(model['ngrams']):,} n-grams, "
        f"{len(model['context'])} context tokens) in {time.perf_counter() - t0:.0f} s"
    )
    if args.summary:
        args.summary.write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
