"""Training the learned layer (build time only: needs scikit-learn).

``make model`` (``scripts/train_model.py``) and ``redline eval --by-writer`` use this.
The guard never imports it at run time: what it needs is the exported model file
(:mod:`redline.guard.learned`).

Data (issue 15):

- labelled agent and buyer messages of ``shared/eval/train.jsonl`` and ``dev.jsonl``:
  positive for each expected ``(message, category)``, negative for every other
  category of its role;
- as negatives, only the lines of each real corpus agent/seller file
  (:data:`CORPUS_FILES`) whose 0-based line number is divisible by 3. The other two
  thirds are the false-alarm measure (``scripts/false_alarms.py``) and never seen here.

Thresholds are chosen on leave-one-writer-out: for each writer W the model is trained
on everything else and W's conversations are scored (with the training corpus lines
split into five folds the same way); per category, the threshold maximises F1 of
rules + model on the pooled out-of-writer predictions with precision ≥ the floor.
"""

from __future__ import annotations

import gzip
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from redline.guard.engine import Guard
from redline.guard.evaluate import Report, score
from redline.guard.learned import (
    CTX_PREFIX,
    MODEL_FORMAT,
    MODEL_VERSION,
    NGRAM_MAX,
    NGRAM_MIN,
    PREV_PREFIX,
    GuardModel,
    LearnedLayer,
    batch_layout,
    context_tokens,
    load_settings,
    ngrams,
    sha256_file,
    turn_runs,
)
from redline.guard.packs import RuleSet, load_rules
from redline.jsonl import InputError, read_conversations
from redline.model import Conversation, Message, Shop

CORPUS_FILES = (
    "ecd_sample_seller.txt",
    "jddc2019_dev_agent.txt",
    "jddc_baseline_agent_responses.txt",
    "jddc_chat_sample_agent.txt",
)
# Corpus lines are single agent replies, checked under the strictest profile so every
# shop-dependent rule is live (as scripts/false_alarms.py does).
STRICT_SHOP = Shop(platform="tmall", cod=True, credit_card=True, free_shipping=True)
TRAIN_EVERY = 3  # corpus line n is training data when n % 3 == 0


class TrainingUnavailable(RuntimeError):
    """scikit-learn is not installed."""


@dataclass(frozen=True)
class Params:
    C: float = 0.5
    min_df: int = 2
    prune: float = 0.15  # keep a feature when |weight| ≥ prune for some category
    precision_floor: float = 0.9
    corpus_folds: int = 5

    def as_dict(self) -> dict[str, Any]:
        return {
            "C": self.C,
            "min_df": self.min_df,
            "prune": self.prune,
            "precision_floor": self.precision_floor,
            "ngram_range": [NGRAM_MIN, NGRAM_MAX],
            "class_weight": "balanced",
            "solver": "liblinear",
            "corpus_negatives": f"lines with n % {TRAIN_EVERY} == 0",
        }


def require_sklearn() -> None:
    """Raise :class:`TrainingUnavailable` (a Chinese message) when scikit-learn is missing."""
    _sklearn()


def _sklearn() -> Any:
    try:
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise TrainingUnavailable(
            "训练模型需要 scikit-learn，但当前环境没有安装。请运行 "
            "pip install 'redline[train]'（或 pip install scikit-learn）后重试。"
            "(Training needs scikit-learn: pip install 'redline[train]'.)"
        ) from exc
    return CountVectorizer, LogisticRegression


# --- data ----------------------------------------------------------------------------------


def read_labelled(path: str | Path) -> list[Conversation]:
    with Path(path).open("rb") as stream:
        return [c for c in read_conversations(stream) if not isinstance(c, InputError)]


def corpus_lines(corpora: str | Path, train: bool) -> dict[str, list[tuple[int, str]]]:
    """``{file: [(0-based line number, text)]}``: the training third or the held-out rest."""
    out: dict[str, list[tuple[int, str]]] = {}
    for name in CORPUS_FILES:
        path = Path(corpora) / name
        if not path.exists():
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        out[name] = [
            (n, t.strip())
            for n, t in enumerate(lines)
            if t.strip() and ((n % TRAIN_EVERY == 0) == train)
        ]
    return out


def corpus_conversations(lines: Iterable[tuple[str, int, str]]) -> list[Conversation]:
    return [
        Conversation(messages=[Message("agent", t)], id=f"{name}:{n}", shop=STRICT_SHOP)
        for name, n, t in lines
    ]


def writer_of(conv: Conversation) -> str:
    """The writer of a train.jsonl conversation: the letter after ``t`` in its id."""
    cid = conv.id
    return cid[1] if len(cid) > 1 and cid[0] == "t" else cid[:1]


@dataclass
class Example:
    features: list[str]
    role: str
    labels: set[str]


def examples(guard: Guard, convs: Sequence[Conversation]) -> list[Example]:
    """One example per agent or buyer message, featurised as the run-time layer scores it."""
    out: list[Example] = []
    if not convs:
        return out
    norm = guard.normalize_batch([m.text for c in convs for m in c.messages])
    roles, starts = batch_layout(convs)
    run_id, prev_run = turn_runs(roles, starts)
    grams = [ngrams(t) for t in norm]
    run_grams: dict[int, list[str]] = defaultdict(list)
    for g, r in enumerate(run_id):
        run_grams[int(r)].extend(grams[g])
    g = 0
    for conv in convs:
        ctx = context_tokens(conv)
        labels: dict[int, set[str]] = defaultdict(set)
        for e in conv.expect or []:
            labels[int(e["message"])].add(str(e["category"]))
        for i, m in enumerate(conv.messages):
            if m.role in ("agent", "buyer"):
                prev = run_grams.get(int(prev_run[g]), []) if prev_run[g] >= 0 else []
                feats = grams[g] + [PREV_PREFIX + x for x in prev] + ctx
                out.append(Example(feats, m.role, labels.get(i, set())))
            g += 1
    return out


# --- fitting and export --------------------------------------------------------------------


def category_roles(rs: RuleSet) -> dict[str, str]:
    """Each category's role: buyer when all its rules judge buyer messages (extortion)."""
    roles: dict[str, str] = {}
    for code in rs.categories:
        rule_roles = {r.role for r in rs.rules.values() if r.category == code}
        roles[code] = "buyer" if rule_roles == {"buyer"} else "agent"
    return roles


def fit(
    data: Sequence[Example], categories: Sequence[str], roles: dict[str, str], params: Params
) -> dict[str, Any]:
    """Train one logistic regression per category; the exported (pruned) model as a dict."""
    count_vectorizer, logistic_regression = _sklearn()
    vec = count_vectorizer(analyzer=_identity, lowercase=False, min_df=params.min_df)
    x = vec.fit_transform([e.features for e in data]).tocsr()
    vocab = vec.get_feature_names_out()
    role_arr = np.array([e.role for e in data])
    bias: list[float] = []
    coefs = np.zeros((len(categories), len(vocab)))
    for ci, cat in enumerate(categories):
        rows = np.flatnonzero(role_arr == roles[cat])
        y = np.array([cat in data[int(r)].labels for r in rows], dtype=np.int64)
        if y.sum() == 0 or y.sum() == len(y):
            bias.append(-10.0)
            continue
        clf = logistic_regression(
            C=params.C, class_weight="balanced", solver="liblinear", random_state=0, max_iter=2000
        )
        clf.fit(x[rows], y)
        coefs[ci] = clf.coef_[0]
        bias.append(float(clf.intercept_[0]))
    keep = np.flatnonzero(np.abs(coefs).max(axis=0) >= params.prune)
    table: dict[str, list[list[float]]] = {}
    context: dict[str, list[list[float]]] = {}
    for j in keep:
        name = str(vocab[j])
        items = [
            [ci, round(float(coefs[ci, j]), 4)]
            for ci in range(len(categories))
            if abs(coefs[ci, j]) >= params.prune / 4
        ]
        if name.startswith(CTX_PREFIX):
            context[name] = items
        else:
            table[name] = items
    return {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "categories": list(categories),
        "roles": {c: roles[c] for c in categories},
        "bias": [round(b, 4) for b in bias],
        "thresholds": [0.0] * len(categories),
        "ngrams": dict(sorted(table.items())),
        "context": dict(sorted(context.items())),
    }


def _identity(features: list[str]) -> list[str]:
    return features


def make_layer(
    rs: RuleSet,
    model: dict[str, Any],
    threshold_override: float | None = None,
    once: bool = True,
) -> LearnedLayer:
    _, settings = load_settings(rs)
    if not once:
        settings = {c: replace(s, once_per_conversation=False) for c, s in settings.items()}
    return LearnedLayer(GuardModel.from_dict(model), settings, threshold_override)


def write_model(model: dict[str, Any], path: str | Path) -> None:
    """Write the model deterministically (sorted keys, no gzip timestamp)."""
    data = json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    Path(path).write_bytes(gzip.compress(data.encode("utf-8"), compresslevel=9, mtime=0))


# --- leave-one-writer-out ------------------------------------------------------------------


@dataclass
class Scored:
    """Out-of-writer predictions: rule triples, model candidates with scores, expectations."""

    rules: set[tuple[str, int, str]] = field(default_factory=set)
    model: dict[tuple[str, int, str], float] = field(default_factory=dict)
    expected: set[tuple[str, int, str]] = field(default_factory=set)
    # (conversation, category) → message indexes, for once_per_conversation
    corpus_model: dict[tuple[str, int, str], float] = field(default_factory=dict)


def score_with(guard: Guard, convs: Sequence[Conversation], presend: bool, into: Scored) -> None:
    """Run a tuning guard (every candidate through, no once-per-conversation) on ``convs``."""
    layer = guard.learned
    assert layer is not None
    layer.record = {}
    corpus = presend
    for conv, found in guard.check_many(convs, presend=presend):
        if not corpus:
            for e in conv.expect or []:
                into.expected.add((conv.id, int(e["message"]), str(e["category"])))
        for f in found:
            t = (f.conversation, f.message, f.category)
            if f.rule.endswith(".model"):
                s = layer.record[t]
                (into.corpus_model if corpus else into.model)[t] = s
            elif not corpus:
                into.rules.add(t)


def lowo(
    rs: RuleSet,
    train: Sequence[Conversation],
    extra: Sequence[Conversation],
    corpus: Sequence[Conversation],
    params: Params,
    log: Any = None,
) -> tuple[Scored, dict[str, list[Conversation]]]:
    """Leave-one-writer-out predictions on ``train`` (``extra`` is always trained on)."""
    categories = list(rs.categories)
    roles = category_roles(rs)
    writers: dict[str, list[Conversation]] = defaultdict(list)
    for c in train:
        writers[writer_of(c)].append(c)
    base = Guard(rs)
    feats_train = {w: examples(base, cs) for w, cs in writers.items()}
    feats_extra = examples(base, extra)
    k = params.corpus_folds
    corpus_folds = [list(corpus[i::k]) for i in range(k)]
    feats_corpus = [examples(base, cs) for cs in corpus_folds]
    scored = Scored()
    for fold, w in enumerate(sorted(writers)):
        data = [e for v in sorted(writers) if v != w for e in feats_train[v]] + feats_extra
        cf = fold % k
        data += [e for i, fs in enumerate(feats_corpus) if i != cf for e in fs]
        model = fit(data, categories, roles, params)
        guard = Guard(rs, learned=make_layer(rs, model, threshold_override=-math.inf, once=False))
        score_with(guard, writers[w], False, scored)
        score_with(guard, corpus_folds[cf], True, scored)
        if log:
            log(f"  fold {w}: {len(writers[w])} conversations, {len(model['ngrams'])} n-grams")
    return scored, dict(writers)


def _once_filter(
    picked: set[tuple[str, int, str]], rules: set[tuple[str, int, str]]
) -> set[tuple[str, int, str]]:
    """Drop a model finding when the category was already flagged earlier in the chat."""
    first: dict[tuple[str, str], int] = {}
    for conv, msg, cat in rules | picked:
        key = (conv, cat)
        if key not in first or msg < first[key]:
            first[key] = msg
    return {t for t in picked if first[(t[0], t[2])] >= t[1]}


def predicted(
    scored: Scored, thresholds: dict[str, float], once: dict[str, bool]
) -> tuple[set[tuple[str, int, str]], int]:
    """Rules + model triples at these thresholds, and the model's corpus false alarms."""
    picked = {t for t, s in scored.model.items() if s >= thresholds.get(t[2], math.inf)}
    once_cats = {c for c, v in once.items() if v}
    kept = _once_filter({t for t in picked if t[2] in once_cats}, scored.rules)
    picked = kept | {t for t in picked if t[2] not in once_cats}
    fa = sum(1 for t, s in scored.corpus_model.items() if s >= thresholds.get(t[2], math.inf))
    return scored.rules | picked, fa


def choose_thresholds(
    scored: Scored, categories: Sequence[str], once: dict[str, bool], floor: float
) -> dict[str, float]:
    """Per category: maximise F1 of rules + model, precision (with corpus FPs) ≥ ``floor``."""
    out: dict[str, float] = {}
    for cat in categories:
        cand = sorted({s for t, s in scored.model.items() if t[2] == cat}, reverse=True)
        grid = [math.inf] + [round(s, 4) for s in cand[:: max(1, len(cand) // 400)]]
        best = (-1.0, math.inf)
        only = {cat: 0.0}
        for t in grid:
            only[cat] = t
            pred, fa = _category_prediction(scored, cat, t, once)
            exp = {x for x in scored.expected if x[2] == cat}
            tp = len(pred & exp)
            fp = len(pred - exp) + fa
            fn = len(exp - pred)
            p = tp / (tp + fp) if tp + fp else 1.0
            r = tp / (tp + fn) if tp + fn else 1.0
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            if p >= floor and f1 > best[0] + 1e-9:
                best = (f1, t)
        out[cat] = best[1]
    return out


def _category_prediction(
    scored: Scored, cat: str, t: float, once: dict[str, bool]
) -> tuple[set[tuple[str, int, str]], int]:
    rules = {x for x in scored.rules if x[2] == cat}
    picked = {x for x, s in scored.model.items() if x[2] == cat and s >= t}
    if once.get(cat):
        picked = _once_filter(picked, rules)
    fa = sum(1 for x, s in scored.corpus_model.items() if x[2] == cat and s >= t)
    return rules | picked, fa


def crossfit(
    scored: Scored,
    writers: dict[str, list[Conversation]],
    categories: Sequence[str],
    once: dict[str, bool],
    floor: float,
) -> set[tuple[str, int, str]]:
    """Predictions where writer W's thresholds are chosen on the other writers only."""
    out: set[tuple[str, int, str]] = set()
    for cs in writers.values():
        ids = {c.id for c in cs}
        others = Scored(
            rules={t for t in scored.rules if t[0] not in ids},
            model={t: s for t, s in scored.model.items() if t[0] not in ids},
            expected={t for t in scored.expected if t[0] not in ids},
            corpus_model=scored.corpus_model,
        )
        th = choose_thresholds(others, categories, once, floor)
        pred, _ = predicted(scored, th, once)
        out |= {t for t in pred if t[0] in ids}
    return out


def report_of(triples: set[tuple[str, int, str]], convs: Sequence[Conversation]) -> Report:
    """Score predicted triples with the formats.md scorer (via stand-in findings)."""
    from redline.model import Finding

    by_conv: dict[str, list[Finding]] = defaultdict(list)
    for conv, msg, cat in triples:
        by_conv[conv].append(Finding(conv, msg, cat, f"{cat}.x", "violation", 0, 0, 0, "", "", ""))
    return score((c, by_conv.get(c.id, [])) for c in convs)


def finite(thresholds: dict[str, float]) -> list[float]:
    return [t if math.isfinite(t) else 1e6 for t in thresholds.values()]


def train_all(
    train_path: Path,
    dev_path: Path,
    corpora: Path,
    params: Params,
    log: Any = print,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The shipped model: thresholds from leave-one-writer-out, weights from all the data."""
    rs = load_rules()
    train = read_labelled(train_path)
    dev = read_labelled(dev_path)
    lines = corpus_lines(corpora, train=True)
    corpus = corpus_conversations((name, n, t) for name, items in lines.items() for n, t in items)
    log(f"train {len(train)} conversations, dev {len(dev)}, corpus negatives {len(corpus)}")
    categories = list(rs.categories)
    _, settings = load_settings(rs)
    once = {c: s.once_per_conversation for c, s in settings.items()}
    scored, writers = lowo(rs, train, dev, corpus, params, log)
    thresholds = choose_thresholds(scored, categories, once, params.precision_floor)
    pred, fa = predicted(scored, thresholds, once)
    per_writer = {}
    for w, cs in sorted(writers.items()):
        ids = {c.id for c in cs}
        rep = report_of({t for t in pred if t[0] in ids}, cs)
        per_writer[w] = {"conversations": len(cs), **rep.overall.as_dict()}
    pooled = report_of(pred, train)
    log(f"leave-one-writer-out pooled F1 {pooled.overall.f1:.3f}; corpus model FPs {fa}")
    cf_pred = crossfit(scored, writers, categories, once, params.precision_floor)
    cf_per_writer = {}
    for w, cs in sorted(writers.items()):
        ids = {c.id for c in cs}
        rep = report_of({t for t in cf_pred if t[0] in ids}, cs)
        cf_per_writer[w] = {"conversations": len(cs), **rep.overall.as_dict()}
    cf_pooled = report_of(cf_pred, train)
    log(f"  with thresholds chosen without the writer: F1 {cf_pooled.overall.f1:.3f}")
    base = Guard(rs)
    data = examples(base, train) + examples(base, dev) + examples(base, corpus)
    model = fit(data, categories, category_roles(rs), params)
    model["thresholds"] = [
        round(thresholds[c], 4) if math.isfinite(thresholds[c]) else 1e6 for c in categories
    ]
    model["training"] = {
        "train_sha256": sha256_file(train_path),
        "dev_sha256": sha256_file(dev_path),
        "corpora_sha256": {n: sha256_file(corpora / n) for n in sorted(lines)},
        "corpus_lines": f"0-based line number % {TRAIN_EVERY} == 0",
        "examples": len(data),
    }
    model["parameters"] = params.as_dict()
    model["created_by"] = "scripts/train_model.py (make model)"
    summary = {
        "lowo_pooled": pooled.overall.as_dict(),
        "lowo_per_writer": per_writer,
        "lowo_corpus_false_alarms": fa,
        "crossfit_pooled": cf_pooled.overall.as_dict(),
        "crossfit_per_writer": cf_per_writer,
        "thresholds": {c: model["thresholds"][i] for i, c in enumerate(categories)},
        "lowo_per_category": {c: s.as_dict() for c, s in sorted(pooled.per_category.items())},
    }
    model["training"]["leave_one_writer_out"] = {
        "pooled": summary["lowo_pooled"],
        "per_writer": per_writer,
        "thresholds_chosen_without_the_writer": summary["crossfit_pooled"],
    }
    return model, summary


def by_writer(
    rs: RuleSet,
    convs: Sequence[Conversation],
    thresholds: dict[str, float],
    params: Params,
    extra: Sequence[Conversation] = (),
    corpus: Sequence[Conversation] = (),
) -> tuple[dict[str, Report], Report, dict[str, Report], Report]:
    """``redline eval --by-writer``: per writer W, the model trained without W scores W."""
    _, settings = load_settings(rs)
    once = {c: s.once_per_conversation for c, s in settings.items()}
    scored, writers = lowo(rs, convs, extra, corpus, params)
    pred, _ = predicted(scored, thresholds, once)
    cf = crossfit(scored, writers, list(rs.categories), once, params.precision_floor)
    per = {}
    cf_per = {}
    for w, cs in sorted(writers.items()):
        ids = {c.id for c in cs}
        per[w] = report_of({t for t in pred if t[0] in ids}, cs)
        cf_per[w] = report_of({t for t in cf if t[0] in ids}, cs)
    return per, report_of(pred, convs), cf_per, report_of(cf, convs)
