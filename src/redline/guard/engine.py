"""The reply guard: conversation + shop profile + rule packs → findings.

A pure function of its inputs (no database, no network), so the CLI, the API,
the web checker, the exam grader and a batch job all get the same answer.

How a batch is checked, cheapest work first:

1. the batch is normalised in one pass: messages joined by ``\\x00``, the
   character table applied, then the rewrites;
2. one Aho-Corasick scan of the joined batch finds every rule keyword;
3. only messages with a keyword hit (or short enough for the curt-reply rules)
   are looked at further: for each rule their keywords gate, one regex search
   tells whether any of the rule's patterns occurs at all; only then do the
   context conditions run, then the rule's matches with the clause-level
   exceptions, negation and rescue;
4. evidence spans are mapped back to the original text only for findings;
5. with the learned layer (:mod:`redline.guard.learned`), the same joined batch is
   scanned once more by the model's weighted n-grams; a category whose score reaches
   its threshold on a message the rules did not flag for it is a candidate, and
   becomes a ``<category>.model`` finding only if the category's context conditions
   (``packs/model/model.yaml``) confirm it.
"""

from __future__ import annotations

import bisect
import re
import string
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

import ahocorasick_rs

from redline.guard.conditions import MessageContext
from redline.guard.learned import Candidate, LearnedLayer, batch_layout, explanation, load_layer
from redline.guard.normalize import SEPARATOR, Normalizer
from redline.guard.packs import Rule, RuleSet, load_rules
from redline.model import Conversation, Finding, Message, Order, Shop

OPTIONAL_RE = re.compile(r"\[\[(.*?)\]\]")
CLAUSE_BREAKS = re.compile(r"[,，.。!！?？;；\x00]")


@dataclass(frozen=True)
class _Match:
    start: int
    end: int


class Guard:
    """Checks conversations against the loaded rule packs.

    >>> guard = Guard.default()
    >>> [f.rule for f in guard.check_text("亲，特价商品不开发票哦")]
    ['invoice.special_price']
    """

    def __init__(
        self, rules: RuleSet, lang: str = "zh", learned: LearnedLayer | None = None
    ) -> None:
        self.ruleset = rules
        self.lang = lang
        # The learned recall layer (None: rules only).
        self.learned = learned
        self._category_suggestion: dict[str, str] = {}
        self.normalizer = rules.normalizer or Normalizer(rules.evasions.items())
        self.rules: list[Rule] = rules.enabled_rules()
        keywords = sorted({k for r in self.rules for k in (*r.keywords, *r.context_keywords)})
        self.keywords = keywords
        index = {k: i for i, k in enumerate(keywords)}
        own: list[set[int]] = [set() for _ in keywords]
        ctx: list[set[int]] = [set() for _ in keywords]
        self._short: list[tuple[int, int]] = []
        for ri, rule in enumerate(self.rules):
            for k in rule.keywords:
                own[index[k]].add(ri)
            for k in rule.context_keywords:
                ctx[index[k]].add(ri)
            if rule.max_length is not None:
                self._short.append((rule.max_length, ri))
        self._max_short = max((n for n, _ in self._short), default=-1)
        self._automaton = ahocorasick_rs.AhoCorasick(keywords) if keywords else None
        # The hot path works on bit masks of rule indexes: bit ``ri`` set = rule ``ri``
        # is a candidate. Per keyword: the rules it gates in its own message and in
        # the next three; per message length up to the longest curt-reply limit: the
        # rules short enough messages always go through.
        self._kw_mask = [sum(1 << ri for ri in s) for s in own]
        self._kw_ctx_mask = [sum(1 << ri for ri in s) for s in ctx]
        self._short_mask = [
            sum(1 << ri for n, ri in self._short if length <= n)
            for length in range(self._max_short + 1)
        ]
        # Per rule, one regex search that tells whether any of its patterns occurs.
        self._gates = [_any_pattern(rule.patterns) for rule in self.rules]
        # (candidate mask, role) → the candidate rules in rule order, that role only,
        # each with its gate.
        self._plans: dict[tuple[int, str], tuple[tuple[Rule, _Search | None], ...]] = {}

    # --- construction -----------------------------------------------------------------

    @classmethod
    def default(
        cls, rules_dirs: Sequence[str | Path] = (), lang: str = "zh", model: bool = True
    ) -> Guard:
        """The bundled packs, plus a shop's own packs from ``rules_dirs``.

        ``model=False`` leaves out the learned layer (rules only).
        """
        rules = load_rules(rules_dirs)
        return cls(rules, lang=lang, learned=load_layer(rules) if model else None)

    # --- entry points -----------------------------------------------------------------

    def check(self, conv: Conversation, presend: bool = False) -> list[Finding]:
        """Findings for one conversation.

        ``presend=True`` judges only the last message, the reply about to be sent,
        with nothing after it (a rescue in a later message cannot exist yet).
        """
        for _, findings in self.check_many([conv], presend=presend):
            return findings
        return []

    def check_text(
        self,
        text: str,
        shop: Shop | None = None,
        order: Order | None = None,
        history: Iterable[Message] = (),
        conversation_id: str = "text",
    ) -> list[Finding]:
        """Pre-send check of one agent reply, optionally with the chat so far."""
        messages = [*history, Message(role="agent", text=text)]
        conv = Conversation(messages=messages, id=conversation_id, shop=shop or Shop(), order=order)
        return self.check(conv, presend=True)

    def check_many(
        self, convs: Iterable[Conversation], presend: bool = False, batch_messages: int = 2000
    ) -> Iterator[tuple[Conversation, list[Finding]]]:
        """Check conversations in batches; yields ``(conversation, findings)`` in input order."""
        batch: list[Conversation] = []
        count = 0
        for conv in convs:
            batch.append(conv)
            count += len(conv.messages)
            if count >= batch_messages:
                yield from self._check_batch(batch, presend)
                batch = []
                count = 0
        if batch:
            yield from self._check_batch(batch, presend)

    # --- the batch pipeline -------------------------------------------------------------

    def normalize_batch(self, texts: Sequence[str]) -> list[str]:
        if not texts:
            return []
        return self._normalize_joined(texts).split(SEPARATOR)

    def _normalize_joined(self, texts: Sequence[str]) -> str:
        """The normal form of ``texts``, joined by the separator."""
        return self.normalizer.rewrite(self.normalizer.translate_joined(texts))

    def _check_batch(
        self, batch: list[Conversation], presend: bool
    ) -> Iterator[tuple[Conversation, list[Finding]]]:
        raw = [m.text for conv in batch for m in conv.messages]
        joined = self._normalize_joined(raw)
        norm = joined.split(SEPARATOR)
        # Candidate rules per message (global index in the batch), as bit masks:
        # the rules its own keywords gate, the rules gated by context keywords in
        # the three messages before it, and the curt-reply rules if it is short.
        # Only messages with some candidate get an entry.
        cand: dict[int, int] = {}
        ctx_hits: list[tuple[int, int]] = []
        if self._automaton is not None and joined:
            found = self._automaton.find_matches_as_indexes(joined, overlapping=True)
            if found:
                starts = list(accumulate((len(t) + 1 for t in norm[:-1]), initial=0))
                kw_mask = self._kw_mask
                kw_ctx_mask = self._kw_ctx_mask
                bisect_right = bisect.bisect_right
                get = cand.get
                for kw, pos, _end in found:
                    i = bisect_right(starts, pos) - 1
                    cand[i] = get(i, 0) | kw_mask[kw]
                    if kw_ctx_mask[kw]:
                        ctx_hits.append((i, kw_ctx_mask[kw]))
        if ctx_hits:
            ends = list(accumulate(len(conv.messages) for conv in batch))
            for i, mask in ctx_hits:
                last = ends[bisect.bisect_right(ends, i)] - 1  # last message of i's conversation
                for j in range(i + 1, min(i + 3, last) + 1):
                    cand[j] = cand.get(j, 0) | mask
        max_short = self._max_short
        if max_short >= 0:
            short_mask = self._short_mask
            for g, length in enumerate(map(len, norm)):
                if length <= max_short:
                    cand[g] = cand.get(g, 0) | short_mask[length]
        model_cands: dict[int, list[Candidate]] = {}
        if self.learned is not None and norm:
            roles, conv_starts = batch_layout(batch)
            scores = self.learned.score_batch(
                joined, [len(t) for t in norm], batch, roles, conv_starts
            )
            model_cands = self.learned.candidates(scores, roles)
            for g in model_cands:
                cand.setdefault(g, 0)
            todo_all = sorted(g for g, mask in cand.items() if mask or g in model_cands)
        else:
            todo_all = sorted(g for g, mask in cand.items() if mask)
        # Walk the conversations and the sorted candidate messages together.
        k = 0
        offset = 0
        for conv in batch:
            n = len(conv.messages)
            end = offset + n
            todo: list[tuple[int, int]] = []
            proposed: dict[int, list[Candidate]] = {}
            while k < len(todo_all) and todo_all[k] < end:
                g = todo_all[k]
                k += 1
                if not presend or g == end - 1:
                    todo.append((g - offset, cand[g]))
                    if g in model_cands:
                        proposed[g - offset] = model_cands[g]
            if todo:
                yield (
                    conv,
                    self._check_conversation(conv, norm[offset:end], todo, presend, proposed),
                )
            else:
                yield conv, []
            offset = end

    def _plan(self, cand: int, role: str) -> tuple[tuple[Rule, _Search | None], ...]:
        """The candidate rules of mask ``cand`` (in rule order) that judge ``role``."""
        key = (cand, role)
        plan = self._plans.get(key)
        if plan is None:
            rules = self.rules
            plan = tuple(
                (rules[ri], self._gates[ri])
                for ri in range(len(rules))
                if cand >> ri & 1 and rules[ri].role == role
            )
            self._plans[key] = plan
        return plan

    def _check_conversation(
        self,
        conv: Conversation,
        norm: list[str],
        todo: list[tuple[int, int]],
        presend: bool,
        proposed: dict[int, list[Candidate]] | None = None,
    ) -> list[Finding]:
        """Findings for the messages in ``todo``: ``(index, candidate rule mask)`` pairs.

        ``proposed``: the learned layer's candidates per message index, confirmed here
        after the rules (a category the rules flagged on the message is not proposed).
        """
        findings: list[Finding] = []
        shared_cache: dict[Any, Any] = {}
        flagged: set[str] = set()  # categories found so far in this conversation
        for i, cand in todo:
            msg = conv.messages[i]
            if msg.role == "system":
                continue
            plan = self._plan(cand, msg.role) if cand else ()
            model_here = proposed.get(i) if proposed else None
            if not plan and not model_here:
                continue
            text = norm[i]
            # One context per message, made when a rule first needs it (conditions,
            # rescue, points); rules of the same message share it, as before.
            ctx: MessageContext | None = None
            seen_categories: set[str] = set()
            for rule, gate in plan:
                if rule.category in seen_categories:
                    continue
                if (
                    rule.max_length is not None
                    and not rule.keywords
                    and len(text) > rule.max_length
                ):
                    continue
                # A rule none of whose regexes occurs in the text cannot match; finding
                # that out first (pure regex searches) skips its conditions.
                if gate is not None and gate(text) is None:
                    continue
                hit = [p for p in rule.patterns if p.search(text) is not None]
                if not hit:
                    continue
                if ctx is None:
                    ctx = MessageContext(
                        conv=conv,
                        index=i,
                        norm=norm,
                        rules=self.ruleset,
                        presend=presend,
                        cache=shared_cache,
                    )
                if rule.when is not None and not rule.when(ctx):
                    continue
                match = self._match_rule(rule, text, ctx, hit)
                if match is None:
                    continue
                seen_categories.add(rule.category)
                findings.append(self._finding(conv, i, rule, match, text, ctx))
            if model_here and self.learned is not None:
                for c in model_here:
                    if c.category in seen_categories:
                        continue
                    settings = self.learned.settings[c.category]
                    if settings.once_per_conversation and c.category in flagged:
                        continue
                    if ctx is None:
                        ctx = MessageContext(
                            conv=conv,
                            index=i,
                            norm=norm,
                            rules=self.ruleset,
                            presend=presend,
                            cache=shared_cache,
                        )
                    if not self.learned.confirm(c, ctx):
                        continue
                    seen_categories.add(c.category)
                    findings.append(self._model_finding(conv, i, c, text, ctx))
            flagged |= seen_categories
        return findings

    def _model_finding(
        self, conv: Conversation, i: int, cand: Candidate, norm_text: str, ctx: MessageContext
    ) -> Finding:
        """A finding of the learned layer: ``<category>.model``, the category's points."""
        assert self.learned is not None
        rs = self.ruleset
        category = rs.categories[cand.category]
        settings = self.learned.settings[cand.category]
        severity = category.severity
        points = 0
        if severity == "violation":
            raw = settings.points if settings.points is not None else category.points
            for condition, value in settings.points_when:
                if condition(ctx):
                    raw = value
                    break
            points = rs.points_value(raw)
        top = self.learned.top_ngrams(cand.category, norm_text)
        original = conv.messages[i].text
        start, end = 0, len(original)
        if top:
            mapped, starts, ends = self.normalizer.mapped(original)
            _gram, s, e, _w = top[0]
            if mapped == norm_text and e > s:
                start, end = starts[s], ends[e - 1]
        text = explanation(
            self.learned,
            cand.category,
            category.name_zh,
            category.name_en,
            [g for g, *_ in top],
            self.lang,
        )
        tid = settings.suggestion or self._suggestion_of(cand.category)
        return Finding(
            conversation=conv.id,
            message=i,
            category=cand.category,
            rule=f"{cand.category}.model",
            severity=severity,
            points=points,
            start=start,
            end=end,
            evidence=original[start:end],
            explanation=text,
            suggestion=self._suggest_template(tid, conv) if tid else "",
        )

    def _suggestion_of(self, category: str) -> str:
        """The category's compliant suggestion: the first of its rules that has one."""
        if category not in self._category_suggestion:
            self._category_suggestion[category] = next(
                (r.suggestion for r in self.rules if r.category == category and r.suggestion),
                "",
            )
        return self._category_suggestion[category]

    def _match_rule(
        self,
        rule: Rule,
        text: str,
        ctx: MessageContext,
        patterns: Sequence[re.Pattern[str]] | None = None,
    ) -> _Match | None:
        """The first acceptable match of ``rule`` in ``text``.

        ``patterns``: the rule's patterns known to occur in ``text`` (in rule order),
        when the caller has already searched for them; the others cannot match.
        """
        for u in rule.unless_message:
            if u.search(text):
                return None
        for pattern in rule.patterns if patterns is None else patterns:
            for m in pattern.finditer(text):
                if "ev" in pattern.groupindex and m.group("ev") is not None:
                    s, e = m.span("ev")
                else:
                    s, e = m.span()
                c_start, c_end = _clause(text, m.start(), m.end())
                if rule.unless and any(u.search(text, c_start, c_end) for u in rule.unless):
                    continue
                if rule.negated_by:
                    prefix = text[c_start : m.start()]
                    if any(neg.search(prefix) for neg in rule.negated_by):
                        continue
                if rule.rescue is not None:
                    ctx.match_end = m.end()
                    if rule.rescue(ctx):
                        continue
                return _Match(s, e)
        return None

    def _finding(
        self,
        conv: Conversation,
        i: int,
        rule: Rule,
        match: _Match,
        norm_text: str,
        ctx: MessageContext,
    ) -> Finding:
        rs = self.ruleset
        category = rs.categories[rule.category]
        severity = rule.severity or category.severity
        points = 0
        if severity == "violation":
            raw = rule.points if rule.points is not None else category.points
            for pw in rule.points_when:
                if pw.condition(ctx):
                    raw = pw.points
                    break
            points = rs.points_value(raw)
        original = conv.messages[i].text
        mapped, starts, ends = self.normalizer.mapped(original)
        if mapped == norm_text and match.end > match.start:
            start, end = starts[match.start], ends[match.end - 1]
        else:  # pragma: no cover - the two normalisation paths disagree; keep the finding
            start, end = 0, len(original)
        explanation = rule.explanation_en if self.lang == "en" else rule.explanation
        return Finding(
            conversation=conv.id,
            message=i,
            category=rule.category,
            rule=rule.id,
            severity=severity,
            points=points,
            start=start,
            end=end,
            evidence=original[start:end],
            explanation=explanation.strip(),
            suggestion=self._suggest(rule, conv),
        )

    def _suggest(self, rule: Rule, conv: Conversation) -> str:
        if rule.suggestion is None:
            return ""
        return self._suggest_template(rule.suggestion, conv)

    def _suggest_template(self, tid: str, conv: Conversation) -> str:
        template = self.ruleset.templates[tid]
        text = template.en if self.lang == "en" else template.zh
        facts = _Facts(conv, self.ruleset.settings)

        # ``[[…{fact}…]]`` is an optional passage, kept only when its facts are known.
        def optional(m: re.Match[str]) -> str:
            names = {f for _, f, _, _ in string.Formatter().parse(m.group(1)) if f}
            return m.group(1) if names <= facts.keys() else ""

        text = OPTIONAL_RE.sub(optional, text.strip())
        return string.Formatter().vformat(text, (), facts)


class _Facts(dict[str, Any]):
    """Conversation facts a suggestion template may use, e.g. ``{invoice_amount}``."""

    def __init__(self, conv: Conversation, settings: dict[str, Any]) -> None:
        super().__init__()
        self["installment_min"] = settings.get("installment_min_amount", 600)
        order = conv.order
        if order is not None and order.amount is not None:
            shipping = order.shipping_fee or 0.0
            self["order_amount"] = _yuan(order.amount)
            self["shipping_fee"] = _yuan(shipping)
            self["goods_amount"] = _yuan(order.amount - shipping)
            self["invoice_amount"] = _yuan(order.amount - shipping)
        if order is not None and order.id:
            self["order_id"] = order.id

    def __missing__(self, key: str) -> str:
        return ""


def _yuan(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


_Search = Callable[[str], "re.Match[str] | None"]


def _any_pattern(patterns: Sequence[re.Pattern[str]]) -> _Search | None:
    """One ``search`` that finds something exactly when one of ``patterns`` would.

    The alternation of the patterns, when that is safe: no groups (numbering would
    shift), default flags (a global inline flag would spread). ``None`` otherwise.
    """
    if not patterns:
        return None
    if len(patterns) == 1:
        return patterns[0].search
    flags = re.compile("").flags
    if any(p.groups or p.flags != flags for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns)).search
    except re.error:
        return None


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause (between commas, full stops, question marks…) holding ``[start, end)``."""
    c_start = 0
    for m in CLAUSE_BREAKS.finditer(text, 0, start):
        c_start = m.end()
    nxt = CLAUSE_BREAKS.search(text, end)
    return c_start, (nxt.start() if nxt else len(text))
