"""The learned recall layer: a linear model per category, scored without scikit-learn.

The model is a logistic regression per category over three kinds of features of a
message (all read from the guard's *normal form*, so 繁体, full-width letters and the
packs' evasions are folded the same way the rules see them):

- character 1–4-grams of the message itself;
- character 1–4-grams of the previous turn of the other party (for an agent reply:
  the buyer messages it answers), as distinct features (``P:`` + n-gram);
- context tokens: the shop flags, whether the chat has an order and whether the
  chatting account placed it (``ctx:…``).

Training happens at build time only (``make model``, :mod:`redline.guard.training`).
What ships is ``packs/model/guard-model.json.gz``: per category a bias, a threshold
and the pruned weight tables (n-gram → weight, context token → weight). At run time
the weighted n-grams go into one Aho-Corasick automaton; a batch is scanned once with
overlapping matches and the weights are summed per message with numpy. A linear model
over counts is exactly that sum, so run time and training agree to the rounding of
the exported weights.

What the model proposes is only a *candidate*: the category's settings in
``packs/model/model.yaml`` (threshold override, ``when`` context conditions,
``unless`` vetoes, points) decide whether it becomes a finding — a COD refusal in a
shop without COD is never flagged.
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ahocorasick_rs
import numpy as np

from redline.guard.conditions import Condition, MessageContext, compile_condition
from redline.yamlsrc import LDict, LList, PackError, load_yaml

if TYPE_CHECKING:
    from redline.guard.packs import RuleSet
    from redline.model import Conversation

MODEL_FORMAT = "redline-guard-model"
MODEL_VERSION = 1
NGRAM_MIN = 1
NGRAM_MAX = 4
PREV_PREFIX = "P:"
CTX_PREFIX = "ctx:"
ROLE_CODES = {"agent": 0, "buyer": 1, "system": 2}
SETTINGS_KEYS = {
    "enabled",
    "threshold",
    "when",
    "rescue",
    "unless",
    "negated_by",
    "points",
    "points_when",
    "suggestion",
    "once_per_conversation",
    "note",
}
TOP_KEYS = {"pack", "version", "description", "model", "defaults", "categories"}
CLAUSE_BREAKS = re.compile(r"[,，.。!！?？;；\x00]")

# Longest normalised message the model scores (chat turns are far shorter; see score_batch).
MAX_MODEL_CHARS = 600


class ModelError(ValueError):
    """A model file that cannot be used (corrupted, wrong format, inconsistent)."""


# --- features (shared with training) --------------------------------------------------------


def ngrams(text: str, nmin: int = NGRAM_MIN, nmax: int = NGRAM_MAX) -> list[str]:
    """Every character n-gram of ``text``, ``nmin ≤ n ≤ nmax``, with repeats (counts)."""
    out: list[str] = []
    n = len(text)
    for size in range(nmin, nmax + 1):
        out.extend(text[i : i + size] for i in range(n - size + 1))
    return out


def context_tokens(conv: Conversation) -> list[str]:
    """The context of a conversation as tokens (``ctx:…``), the same for all its messages."""
    shop = conv.shop
    order = conv.order
    tokens = [
        f"{CTX_PREFIX}platform={shop.platform}",
        f"{CTX_PREFIX}cod={int(shop.cod)}",
        f"{CTX_PREFIX}credit_card={int(shop.credit_card)}",
        f"{CTX_PREFIX}free_shipping={int(shop.free_shipping)}",
        f"{CTX_PREFIX}order={int(order is not None)}",
    ]
    if order is not None:
        accounts = [m.account for m in conv.messages if m.role == "buyer" and m.account]
        if order.buyer and accounts:
            tokens.append(f"{CTX_PREFIX}orderer={int(accounts[-1] == order.buyer)}")
        else:
            tokens.append(f"{CTX_PREFIX}orderer=unknown")
    return tokens


def turn_runs(roles: np.ndarray, conv_starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Runs of consecutive messages of one party, and each message's previous run.

    ``roles``: role code per message of the batch (:data:`ROLE_CODES`); ``conv_starts``:
    a boolean array, True on the first message of each conversation. A system line
    belongs to the run it interrupts. Returns ``(run_id, prev_run)``: the run of each
    message, and the run of the other party just before it in the same conversation
    (``-1`` when there is none).
    """
    n = len(roles)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    system = ROLE_CODES["system"]
    ar = np.arange(n)
    start_of = np.maximum.accumulate(np.where(conv_starts, ar, 0))
    last_party = np.maximum.accumulate(np.where(roles != system, ar, -1))
    # A system line takes the role of the message before it; before anyone spoke it
    # stays "system".
    eff = np.where(last_party >= start_of, roles[np.maximum(last_party, 0)], system)
    new_run = conv_starts.copy()
    new_run[1:] |= eff[1:] != eff[:-1]
    run_id = np.cumsum(new_run) - 1
    run_first = np.flatnonzero(new_run)  # first message of each run
    prev = run_id - 1
    prev_first = run_first[np.maximum(prev, 0)]
    # The previous run must be in the same conversation and of a real party.
    ok = (prev >= 0) & (start_of[prev_first] == start_of) & (eff[prev_first] != system)
    return run_id, np.where(ok, prev, -1)


def batch_layout(convs: Sequence[Conversation]) -> tuple[np.ndarray, np.ndarray]:
    """Role codes and conversation-start flags of every message of ``convs``, in order."""
    roles = np.fromiter(
        (ROLE_CODES.get(m.role, 2) for c in convs for m in c.messages), dtype=np.int8
    )
    starts = np.zeros(len(roles), dtype=bool)
    pos = 0
    for c in convs:
        if c.messages:
            starts[pos] = True
        pos += len(c.messages)
    return roles, starts


# --- the model file -------------------------------------------------------------------------


@dataclass
class GuardModel:
    """The exported model: per category a bias, a threshold and weight tables."""

    categories: list[str]
    roles: dict[str, str]  # category → the role whose messages it judges
    bias: np.ndarray  # (C,)
    thresholds: np.ndarray  # (C,)
    ngrams: list[str]
    self_weights: np.ndarray  # (P, C): n-gram in the message itself
    prev_weights: np.ndarray  # (P, C): n-gram in the previous turn
    context: dict[str, np.ndarray]  # token → (C,)
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> GuardModel:
        """The model file (default: the bundled one); :class:`ModelError` if unusable."""
        if path is None:
            data = (resources.files("redline") / "packs" / "model" / MODEL_FILE).read_bytes()
            where = f"packs/model/{MODEL_FILE}"
        else:
            where = str(path)
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                raise ModelError(
                    f"{where}: 无法读取模型文件 (cannot read model file): {exc}"
                ) from exc
        try:
            raw = json.loads(gzip.decompress(data).decode("utf-8"))
        except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(
                f"{where}: 模型文件已损坏，请运行 make model 重新生成 (corrupted model file: {exc})"
            ) from exc
        return cls.from_dict(raw, where)

    @classmethod
    def from_dict(cls, raw: Any, where: str = "model") -> GuardModel:
        def fail(msg: str) -> ModelError:
            return ModelError(f"{where}: 模型文件无效: {msg} (invalid model file)")

        if not isinstance(raw, dict) or raw.get("format") != MODEL_FORMAT:
            raise fail(f"format 应为 {MODEL_FORMAT!r}")
        if raw.get("version") != MODEL_VERSION:
            raise fail(f"不支持的版本 {raw.get('version')!r}（应为 {MODEL_VERSION}）")
        cats = raw.get("categories")
        if not isinstance(cats, list) or not cats or not all(isinstance(c, str) for c in cats):
            raise fail("categories 应为非空字符串列表")
        ncat = len(cats)

        def vector(value: Any, what: str) -> np.ndarray:
            if not isinstance(value, list) or len(value) != ncat:
                raise fail(f"{what} 应为 {ncat} 个数字")
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
                raise fail(f"{what} 应全为数字")
            arr = np.asarray(value, dtype=np.float64)
            if not np.all(np.isfinite(arr)):
                raise fail(f"{what} 含有非有限值")
            return arr

        roles = raw.get("roles")
        if not isinstance(roles, dict) or set(roles) != set(cats):
            raise fail("roles 应为每个类别给出角色")
        for c, r in roles.items():
            if r not in ("agent", "buyer"):
                raise fail(f"类别 {c} 的角色 {r!r} 应为 agent 或 buyer")
        bias = vector(raw.get("bias"), "bias")
        thresholds = vector(raw.get("thresholds"), "thresholds")
        table = raw.get("ngrams")
        if not isinstance(table, dict):
            raise fail("ngrams 应为 {n-gram: [[类别序号, 权重], …]}")
        grams: list[str] = []
        self_w = np.zeros((len(table), ncat))
        prev_w = np.zeros((len(table), ncat))
        seen: dict[str, int] = {}
        for key, items in table.items():
            prev = key.startswith(PREV_PREFIX)
            gram = key[len(PREV_PREFIX) :] if prev else key
            if not gram or "\x00" in gram:
                raise fail(f"无效的 n-gram {key!r}")
            row = seen.get(gram)
            if row is None:
                row = seen[gram] = len(grams)
                grams.append(gram)
            target = prev_w if prev else self_w
            _fill(target[row], items, ncat, lambda m, key=key: fail(f"n-gram {key!r}: {m}"))
        context: dict[str, np.ndarray] = {}
        ctx_raw = raw.get("context", {})
        if not isinstance(ctx_raw, dict):
            raise fail("context 应为映射")
        for key, items in ctx_raw.items():
            vec = np.zeros(ncat)
            _fill(vec, items, ncat, lambda m, key=key: fail(f"context {key!r}: {m}"))
            context[key] = vec
        n = len(grams)
        meta = {k: raw[k] for k in ("training", "parameters", "created_by") if k in raw}
        return cls(
            categories=list(cats),
            roles={str(c): str(r) for c, r in roles.items()},
            bias=bias,
            thresholds=thresholds,
            ngrams=grams,
            self_weights=self_w[:n].copy(),
            prev_weights=prev_w[:n].copy(),
            context=context,
            meta=meta,
        )


def _fill(target: np.ndarray, items: Any, ncat: int, fail: Any) -> None:
    if not isinstance(items, list):
        raise fail("应为 [[类别序号, 权重], …]")
    for item in items:
        if (
            not isinstance(item, list)
            or len(item) != 2
            or not isinstance(item[0], int)
            or not 0 <= item[0] < ncat
            or not isinstance(item[1], int | float)
            or isinstance(item[1], bool)
            or not np.isfinite(item[1])
        ):
            raise fail(f"无效的权重项 {item!r}")
        target[item[0]] = float(item[1])


MODEL_FILE = "guard-model.json.gz"
SETTINGS_FILE = "model.yaml"


def model_paths() -> list[Path]:
    """The learned layer's bundled files (settings and model), for fingerprints."""
    root = Path(str(resources.files("redline") / "packs" / "model"))
    return [p for p in (root / SETTINGS_FILE, root / MODEL_FILE) if p.exists()]


def sha256_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- per-category settings (pack data) ------------------------------------------------------


@dataclass
class CategorySettings:
    category: str
    enabled: bool
    threshold: float | None  # None: the model file's tuned threshold
    when: Condition | None
    rescue: Condition | None
    unless: tuple[re.Pattern[str], ...]
    negated_by: tuple[re.Pattern[str], ...]
    points: int | str | None
    points_when: list[tuple[Condition, int | str]]
    suggestion: str | None
    once_per_conversation: bool


def load_settings(
    rs: RuleSet, path: str | Path | None = None
) -> tuple[bool, dict[str, CategorySettings]]:
    """``packs/model/model.yaml``: whether the layer is on, and each category's settings.

    Validated like the rule packs: every key known, every category defined, every
    condition and regex compiled; a mistake raises :class:`PackError` with file:line.
    """
    p = (
        Path(str(resources.files("redline") / "packs" / "model" / SETTINGS_FILE))
        if path is None
        else Path(path)
    )
    doc = load_yaml(p)
    if not isinstance(doc, LDict):
        raise PackError(p, 1, "模型设置顶层必须是映射 (top level must be a mapping)")
    for key in doc:
        if key not in TOP_KEYS:
            raise PackError(p, doc.line_of(key), f"模型设置中有未知字段 {key!r}")
    model = doc.get("model") or LDict()
    if not isinstance(model, dict):
        raise PackError(p, doc.line_of("model"), "model 应为映射，例如 {enabled: true}")
    enabled = model.get("enabled", True)
    if not isinstance(enabled, bool):
        raise PackError(p, doc.line_of("model"), "model.enabled 应为 true/false")
    defaults = doc.get("defaults") or LDict()
    if not isinstance(defaults, LDict):
        raise PackError(p, doc.line_of("defaults"), "defaults 应为映射，例如 {negated_by: [...]}")
    for key in defaults:
        if key != "negated_by":
            raise PackError(
                p, defaults.line_of(key), f"defaults 中有未知字段 {key!r}（可用: negated_by）"
            )
    default_neg = _regex_list(rs, p, defaults, "negated_by", "defaults")
    cats = doc.get("categories") or LDict()
    if not isinstance(cats, LDict):
        raise PackError(p, doc.line_of("categories"), "categories 应为映射")
    out: dict[str, CategorySettings] = {}
    for code, spec in cats.items():
        line = cats.line_of(code)
        if code not in rs.categories:
            raise PackError(p, line, f"未知类别 {code!r}（请先在规则包 categories 中定义）")
        if spec is None:
            spec = LDict()
        if not isinstance(spec, LDict):
            raise PackError(p, line, f"categories.{code} 应为映射")
        for key in spec:
            if key not in SETTINGS_KEYS:
                known = "、".join(sorted(SETTINGS_KEYS))
                raise PackError(
                    p, spec.line_of(key), f"类别 {code} 有未知字段 {key!r}（可用字段: {known}）"
                )
        cat_enabled = spec.get("enabled", True)
        if not isinstance(cat_enabled, bool):
            raise PackError(p, spec.line_of("enabled"), "enabled 应为 true/false")
        threshold = spec.get("threshold")
        if threshold is not None and (
            isinstance(threshold, bool) or not isinstance(threshold, int | float)
        ):
            raise PackError(p, spec.line_of("threshold"), f"threshold 应为数字，得到 {threshold!r}")
        when = spec.get("when")
        cond = compile_condition(rs, p, spec.line_of("when"), when) if when is not None else None
        rescue_spec = spec.get("rescue")
        rescue = (
            compile_condition(rs, p, spec.line_of("rescue"), rescue_spec)
            if rescue_spec is not None
            else None
        )
        unless = _regex_list(rs, p, spec, "unless", code)
        negated_by = (
            _regex_list(rs, p, spec, "negated_by", code) if "negated_by" in spec else default_neg
        )
        points = spec.get("points")
        if points is not None:
            _check_points(rs, p, spec.line_of("points"), points)
        pw: list[tuple[Condition, int | str]] = []
        raw_pw = spec.get("points_when") or []
        if not isinstance(raw_pw, list):
            raise PackError(p, spec.line_of("points_when"), "points_when 应为列表")
        for j, item in enumerate(raw_pw):
            pline = raw_pw.line_of(j) if isinstance(raw_pw, LList) else spec.line_of("points_when")
            if not isinstance(item, dict) or set(item) != {"if", "points"}:
                raise PackError(p, pline, "points_when 的每一项必须恰好有 if 和 points")
            _check_points(rs, p, pline, item["points"])
            pw.append((compile_condition(rs, p, pline, item["if"]), item["points"]))
        suggestion = spec.get("suggestion")
        if suggestion is not None and suggestion not in rs.templates:
            raise PackError(p, spec.line_of("suggestion"), f"未知话术模板 {suggestion!r}")
        once = spec.get("once_per_conversation", False)
        if not isinstance(once, bool):
            raise PackError(p, spec.line_of("once_per_conversation"), "应为 true/false")
        out[code] = CategorySettings(
            category=code,
            enabled=cat_enabled,
            threshold=float(threshold) if threshold is not None else None,
            when=cond,
            rescue=rescue,
            unless=tuple(unless),
            negated_by=tuple(negated_by),
            points=points,
            points_when=pw,
            suggestion=suggestion,
            once_per_conversation=once,
        )
    return enabled, out


def _regex_list(rs: RuleSet, p: Path, spec: LDict, key: str, what: str) -> list[re.Pattern[str]]:
    raw = spec.get(key, [])
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise PackError(p, spec.line_of(key), f"{key} 应为正则列表")
    out = []
    for i, u in enumerate(raw):
        line = raw.line_of(i) if isinstance(raw, LList) else spec.line_of(key)
        if not isinstance(u, str):
            raise PackError(p, line, f"{key}[{i}] 应为字符串")
        out.append(rs.pattern(p, line, u, f"{what}.{key}[{i}]"))
    return out


def _check_points(rs: RuleSet, p: Path, line: int, points: Any) -> None:
    if isinstance(points, bool) or not isinstance(points, int | str):
        raise PackError(p, line, f"points 应为整数或 $设置名，得到 {points!r}")
    if isinstance(points, str) and (
        not points.startswith("$") or not isinstance(rs.settings.get(points[1:]), int)
    ):
        raise PackError(p, line, f"points 引用了未知或非整数设置 {points!r}")


# --- the layer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A category the model proposes for a message, with its score."""

    category: str
    score: float


class LearnedLayer:
    """Scores a normalised batch with the model and says which candidates to confirm."""

    def __init__(
        self,
        model: GuardModel,
        settings: Mapping[str, CategorySettings],
        threshold_override: float | None = None,
    ) -> None:
        self.model = model
        self.settings = dict(settings)
        cats = model.categories
        self.categories = cats
        thr = model.thresholds.copy()
        for c, s in self.settings.items():
            if c in cats and s.threshold is not None:
                thr[cats.index(c)] = s.threshold
        if threshold_override is not None:  # training: see every score
            thr[:] = threshold_override
        # A category without settings, or disabled, proposes nothing.
        active = np.array([c in self.settings and self.settings[c].enabled for c in cats])
        self.thresholds = np.where(active, thr, np.inf)
        self.role_of = np.array([ROLE_CODES[model.roles[c]] for c in cats], dtype=np.int8)
        # Every n-gram, for the explanations (one message at a time).
        self._automaton = ahocorasick_rs.AhoCorasick(model.ngrams) if model.ngrams else None
        self._self = np.ascontiguousarray(model.self_weights)
        self._prev = np.ascontiguousarray(model.prev_weights)
        # Both tables side by side, float32: one gather and one sum per batch.
        self._both = np.ascontiguousarray(
            np.hstack([model.self_weights, model.prev_weights]), dtype=np.float32
        )
        # The batch scan: n-grams of two characters or more go through an automaton;
        # single characters (three quarters of all matches) through a code-point table
        # gathered with numpy, which costs no Python object per match.
        multi = [i for i, g in enumerate(model.ngrams) if len(g) > 1]
        self._multi_rows = np.array(multi, dtype=np.int64)
        self._scan = ahocorasick_rs.AhoCorasick([model.ngrams[i] for i in multi]) if multi else None
        self._char_row = np.full(0x10000, -1, dtype=np.int32)
        self._wide_chars: dict[int, int] = {}
        for i, g in enumerate(model.ngrams):
            if len(g) == 1:
                if ord(g) < 0x10000:
                    self._char_row[ord(g)] = i
                else:
                    self._wide_chars[ord(g)] = i
        self._ctx_cache: dict[tuple[Any, ...], np.ndarray] = {}
        # Training: the confirmed candidates' scores (after negation), by triple.
        self.record: dict[tuple[str, int, str], float] | None = None

    # --- scoring ---

    def context_vector(self, conv: Conversation) -> np.ndarray:
        order = conv.order
        last = None
        if order is not None and order.buyer:
            for m in reversed(conv.messages):
                if m.role == "buyer" and m.account:
                    last = m.account == order.buyer
                    break
        shop = conv.shop
        key = (shop.platform, shop.cod, shop.credit_card, shop.free_shipping, order is None, last)
        vec = self._ctx_cache.get(key)
        if vec is None:
            vec = self.model.bias.copy()
            for t in context_tokens(conv):
                w = self.model.context.get(t)
                if w is not None:
                    vec += w
            self._ctx_cache[key] = vec
        return vec

    def score_batch(
        self,
        joined: str,
        lengths: Sequence[int],
        convs: Sequence[Conversation],
        roles: np.ndarray,
        conv_starts: np.ndarray,
    ) -> np.ndarray:
        """Model score (log-odds) per message and category: an ``(n, C)`` array.

        ``joined``: the batch's normal forms joined by ``\\x00``; ``lengths``: the
        length of each normalised message.
        """
        n = len(lengths)
        ncat = len(self.categories)
        both = np.zeros((n, 2 * ncat), dtype=np.float32)
        if joined and n:
            codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
            # message of each character: the separators before it
            char_msg = np.cumsum(codes == 0)
            row = self._char_row[codes & 0xFFFF]
            if self._wide_chars or bool(np.any(codes > 0xFFFF)):
                wide = codes > 0xFFFF
                row[wide] = [self._wide_chars.get(int(c), -1) for c in codes[wide]]
            hit = np.flatnonzero(row >= 0)
            self._add(both, char_msg[hit], row[hit])
            if self._scan is not None:
                found = self._scan.find_matches_as_indexes(joined, overlapping=True)
                if found:
                    arr = np.fromiter(
                        chain.from_iterable(found), dtype=np.int64, count=3 * len(found)
                    ).reshape(-1, 3)
                    msg = char_msg[arr[:, 1]]
                    pat = self._multi_rows[arr[:, 0]]
                    self._add(both, msg, pat)
        own = both[:, :ncat].astype(np.float64)
        prev_bucket = both[:, ncat:]
        run_id, prev_run = turn_runs(roles, conv_starts)
        if n:
            run_first = np.flatnonzero(np.r_[True, run_id[1:] != run_id[:-1]])
            run_sum = np.add.reduceat(prev_bucket, run_first, axis=0)
            has_prev = prev_run >= 0
            own[has_prev] += run_sum[prev_run[has_prev]]
        ctx = np.empty((len(convs), ncat))
        counts = np.empty(len(convs), dtype=np.int64)
        for k, conv in enumerate(convs):
            ctx[k] = self.context_vector(conv)
            counts[k] = len(conv.messages)
        own += np.repeat(ctx, counts, axis=0)
        # A linear model over counts grows with repetition; messages far longer than any
        # chat turn it was trained on are left to the rules.
        too_long = np.asarray(lengths) > MAX_MODEL_CHARS
        if bool(np.any(too_long)):
            own[too_long] = -np.inf
        return own

    def _add(self, both: np.ndarray, msg: np.ndarray, rows: np.ndarray) -> None:
        """Add the weights of n-gram ``rows`` found in messages ``msg``."""
        if not len(msg):
            return
        # Matches come in order of position, so each message's are contiguous.
        if len(msg) > 1 and bool(np.any(msg[1:] < msg[:-1])):
            order = np.argsort(msg, kind="stable")
            msg = msg[order]
            rows = rows[order]
        first = np.flatnonzero(np.r_[True, msg[1:] != msg[:-1]])
        at = msg[first]
        both[at] += np.add.reduceat(self._both[rows], first, axis=0)

    def candidates(self, scores: np.ndarray, roles: np.ndarray) -> dict[int, list[Candidate]]:
        """Per message (batch index): the categories whose score reaches the threshold."""
        hit = (scores >= self.thresholds) & (roles[:, None] == self.role_of[None, :])
        out: dict[int, list[Candidate]] = {}
        cats = self.categories
        for g, c in zip(*np.nonzero(hit), strict=True):
            out.setdefault(int(g), []).append(Candidate(cats[c], float(scores[g, c])))
        return out

    # --- confirming ---

    def confirm(self, cand: Candidate, ctx: MessageContext) -> bool:
        """Whether the category's context conditions and vetoes let the candidate stand."""
        s = self.settings[cand.category]
        text = ctx.message_text
        if any(u.search(text) for u in s.unless):
            return False
        score = cand.score
        if s.negated_by:
            # Negation takes away the weight of what it negates; what is left must still
            # reach the threshold.
            score -= self._negated_weight(cand.category, text, s.negated_by)
            if score < self.thresholds[self.categories.index(cand.category)]:
                return False
        if s.when is not None and not s.when(ctx):
            return False
        if s.rescue is not None:
            ctx.match_end = 0
            if s.rescue(ctx):
                return False
        if self.record is not None:
            self.record[(ctx.conv.id, ctx.index, cand.category)] = score
        return True

    def _negated_weight(
        self, category: str, text: str, negations: Sequence[re.Pattern[str]]
    ) -> float:
        """The positive weight of the n-grams negated in their clause (不用补运费, 不收手续费)."""
        if self._automaton is None or not text:
            return 0.0
        c = self.categories.index(category)
        total = 0.0
        cache: dict[int, bool] = {}
        # Clause starts, found once: a long message must not cost a scan per n-gram.
        ends = [0, *(m.end() for m in CLAUSE_BREAKS.finditer(text))]
        for p, s, _e in self._automaton.find_matches_as_indexes(text, overlapping=True):
            w = float(self._self[p, c])
            if w <= 0:
                continue
            c_start = ends[bisect.bisect_right(ends, s) - 1]
            key = s
            if key not in cache:
                prefix = text[c_start:s]
                cache[key] = any(n.search(prefix) for n in negations)
            if cache[key]:
                total += w
        return total

    def top_ngrams(self, category: str, text: str, k: int = 3) -> list[tuple[str, int, int, float]]:
        """The message's n-grams that weigh most for ``category``: ``(gram, start, end, w)``.

        Overlapping n-grams are reduced to the heaviest; single characters only when
        nothing longer weighs in.
        """
        if self._automaton is None or not text:
            return []
        c = self.categories.index(category)
        best: dict[int, tuple[float, int, int]] = {}
        for p, s, e in self._automaton.find_matches_as_indexes(text, overlapping=True):
            w = float(self._self[p, c])
            if w > 0 and p not in best:
                best[p] = (w, s, e)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0] * _len_bonus(kv[1]), kv[0]))
        picked: list[tuple[str, int, int, float]] = []
        for p, (w, s, e) in ranked:
            if e - s == 1 and any(x[2] - x[1] > 1 for _, x in ranked[:10]):
                continue
            if any(s < pe and ps < e for _, ps, pe, _ in picked):
                continue
            picked.append((self.model.ngrams[p], s, e, w))
            if len(picked) == k:
                break
        return picked


def _len_bonus(item: tuple[float, int, int]) -> float:
    return 1.0 + 0.1 * (item[2] - item[1])


def load_layer(
    rs: RuleSet,
    model_path: str | Path | None = None,
    settings_path: str | Path | None = None,
) -> LearnedLayer | None:
    """The bundled (or given) model with its settings; None when the settings switch it off."""
    enabled, settings = load_settings(rs, settings_path)
    if not enabled:
        return None
    model = GuardModel.load(model_path)
    unknown = [c for c in model.categories if c not in rs.categories]
    if unknown:
        raise ModelError(f"模型中的类别在规则包中不存在: {', '.join(unknown)}")
    return LearnedLayer(model, settings)


def explanation(
    layer: LearnedLayer, category: str, name_zh: str, name_en: str, grams: Iterable[str], lang: str
) -> str:
    words = list(grams)
    if lang == "en":
        listed = ", ".join(f"“{w}”" for w in words) or "the context"
        return (
            f"The learned model reads this message as {name_en} (rule {category}.model); "
            f"the words that weighed most: {listed}. The rules did not match it: "
            f"a supervisor should confirm."
        )
    listed = "、".join(f"「{w}」" for w in words) or "上下文"
    return (
        f"模型判断这条消息属于「{name_zh}」（{category}.model），权重最高的词：{listed}。"
        f"规则未直接命中，请主管复核。"
    )
