"""Rule packs: the platform's red lines as data, loaded and validated once.

A pack is a YAML file (see ``packs/*.yaml`` and CONTRIBUTING.md). Packs load
in order: the bundled ones, then each ``--rules DIR`` in name order. A later
pack may add categories, rules, templates, lexicons, evasions and settings, or
override any of them by id (a rule with the same ``id`` overrides the fields
it states and keeps the rest; ``enabled: false`` switches it off). Every regex is compiled, every field
checked, every id unique inside a file, every reference resolved: a broken pack
raises :class:`PackError` naming the file and the line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from redline.guard.conditions import Condition, compile_condition
from redline.guard.normalize import Normalizer
from redline.model import SEVERITIES
from redline.yamlsrc import LDict, LList, PackError, load_yaml

TOP_KEYS = {
    "pack",
    "version",
    "description",
    "settings",
    "macros",
    "evasions",
    "lexicons",
    "categories",
    "templates",
    "rules",
    "refund_reasons",
}
CATEGORY_KEYS = {"name_zh", "name_en", "severity", "points", "ledger", "description"}
RULE_KEYS = {
    "id",
    "category",
    "severity",
    "points",
    "points_when",
    "role",
    "keywords",
    "context_keywords",
    "max_length",
    "patterns",
    "unless",
    "unless_message",
    "negated_by",
    "when",
    "rescue",
    "explanation",
    "explanation_en",
    "suggestion",
    "enabled",
    "note",
}
TEMPLATE_KEYS = {"zh", "en"}
REASON_KEYS = {"code", "match", "name_zh", "name_en", "compensation", "postage", "kind", "advice"}
COMPENSATION_REASONS = {"late_shipment", "out_of_stock", "fake_shipment"}
POSTAGE_PAYERS = {"buyer", "seller"}
CASE_KIND_HINTS = {"refund", "return", "exchange", "repair", "lost", "short", "wrong"}
ROLES = {"agent", "buyer"}
LEDGERS = {"general", "commitment", "misinformation", "severe", "none"}
MACRO_RE = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


@dataclass(frozen=True)
class Source:
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Category:
    code: str
    name_zh: str
    name_en: str
    severity: str
    points: int | str
    ledger: str
    source: Source


@dataclass
class Template:
    id: str
    zh: str
    en: str
    source: Source


@dataclass(frozen=True)
class RefundReason:
    """How the after-sales desk reads a buyer's refund reason (买家退款原因).

    ``match`` are substrings of the reason text; the first reason in pack order
    whose substring occurs wins. ``compensation`` names the policy reason that
    makes the shop pay 30 % (``late_shipment`` / ``out_of_stock`` /
    ``fake_shipment``), ``postage`` who pays the return postage, ``kind`` a case
    kind the reason implies (``lost``, ``short``, ``wrong`` …) or None.
    """

    code: str
    match: tuple[str, ...]
    name_zh: str
    name_en: str
    compensation: str | None
    postage: str | None
    kind: str | None
    advice: Template | None
    source: Source


@dataclass
class PointsWhen:
    condition: Condition
    points: int | str


@dataclass
class Rule:
    id: str
    category: str
    role: str
    severity: str | None
    points: int | str | None
    points_when: list[PointsWhen]
    keywords: tuple[str, ...]
    context_keywords: tuple[str, ...]
    max_length: int | None
    patterns: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]
    unless_message: tuple[re.Pattern[str], ...]
    negated_by: tuple[re.Pattern[str], ...]
    when: Condition | None
    rescue: Condition | None
    explanation: str
    explanation_en: str
    suggestion: str | None
    enabled: bool
    source: Source


@dataclass
class RuleSet:
    """Everything the guard knows, after all packs are merged."""

    packs: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    macros: dict[str, str] = field(default_factory=dict)
    evasions: dict[str, str] = field(default_factory=dict)  # variant -> canonical
    lexicons: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Each lexicon as one regex alternation, compiled (and so checked) at load time.
    lexicon_patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    refund_reasons: dict[str, RefundReason] = field(default_factory=dict)
    _raw_rules: list[tuple[Path, LDict]] = field(default_factory=list)
    # The normal form of these packs (their evasions); made once, shared with the guard.
    normalizer: Normalizer | None = None

    def enabled_rules(self) -> list[Rule]:
        return [r for r in self.rules.values() if r.enabled]

    def setting(self, name: str) -> Any:
        return self.settings[name]

    def pattern(self, path: Path, line: int, pattern: str, what: str) -> re.Pattern[str]:
        """A pack regex with this rule set's macros expanded (see :func:`compile_pattern`)."""
        return compile_pattern(self, path, line, pattern, what)

    def points_value(self, value: int | str) -> int:
        if isinstance(value, int):
            return value
        return int(self.settings[value.lstrip("$")])


def bundled_pack_paths() -> list[Path]:
    root = resources.files("redline") / "packs"
    return sorted(Path(str(p)) for p in root.iterdir() if str(p).endswith(".yaml"))


def pack_paths(dirs: Iterable[str | Path]) -> list[Path]:
    paths: list[Path] = []
    for d in dirs:
        p = Path(d)
        if p.is_file():
            paths.append(p)
        elif p.is_dir():
            found = sorted(list(p.glob("*.yaml")) + list(p.glob("*.yml")))
            if not found:
                raise PackError(p, None, "目录中没有 .yaml 规则包 (no .yaml packs in directory)")
            paths.extend(found)
        else:
            raise PackError(p, None, "规则包路径不存在 (no such file or directory)")
    return paths


def load_rules(extra: Sequence[str | Path] = (), include_bundled: bool = True) -> RuleSet:
    """Load and validate the packs (the bundled ones, then ``extra``) into one RuleSet."""
    paths = (bundled_pack_paths() if include_bundled else []) + pack_paths(extra)
    rs = RuleSet()
    for path in paths:
        _merge(rs, path, load_yaml(path))
    _compile_rules(rs)
    return rs


@functools.cache
def bundled_rules() -> RuleSet:
    """The bundled packs, loaded once per process; callers must not modify the result."""
    return load_rules()


# --- merging ---------------------------------------------------------------------------


def _fail(path: Path, line: int, message: str) -> PackError:
    return PackError(path, line, message)


def _check_keys(path: Path, obj: LDict, allowed: set[str], what: str) -> None:
    for key in obj:
        if key not in allowed:
            known = "、".join(sorted(allowed))
            raise _fail(path, obj.line_of(key), f"{what}中有未知字段 {key!r}（可用字段: {known}）")


def _expect(path: Path, line: int, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise _fail(path, line, f"{what} 应为 {names}，得到 {type(value).__name__}: {value!r}")
    return value


def _str_list(path: Path, parent: LDict, key: str) -> list[str]:
    value = parent.get(key, [])
    if value is None:
        return []
    if isinstance(value, str):
        value = LList([value])
        value.line = parent.line_of(key)
        value.lines = [value.line]
    _expect(path, parent.line_of(key), value, list, key)
    out = []
    for i, item in enumerate(value):
        line = value.line_of(i) if isinstance(value, LList) else parent.line_of(key)
        if isinstance(item, int | float) and not isinstance(item, bool):
            item = str(item)
        out.append(_expect(path, line, item, str, f"{key}[{i}]"))
    return out


def _merge(rs: RuleSet, path: Path, doc: Any) -> None:
    if not isinstance(doc, LDict):
        raise _fail(path, 1, "规则包顶层必须是映射 (top level must be a mapping)")
    _check_keys(path, doc, TOP_KEYS, "规则包")
    name = doc.get("pack")
    _expect(path, doc.line_of("pack"), name, str, "pack")
    rs.packs.append(f"{name} ({path.name})")

    settings = doc.get("settings") or LDict()
    _expect(path, doc.line_of("settings"), settings, dict, "settings")
    for key, value in settings.items():
        if isinstance(value, dict | list):
            raise _fail(path, settings.line_of(key), f"设置 {key!r} 必须是数字、字符串或布尔值")
        rs.settings[key] = value

    macros = doc.get("macros") or LDict()
    _expect(path, doc.line_of("macros"), macros, dict, "macros")
    for key, value in macros.items():
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", key):
            raise _fail(path, macros.line_of(key), f"宏名 {key!r} 必须是大写字母、数字、下划线")
        rs.macros[key] = str(_expect(path, macros.line_of(key), value, str, f"macros.{key}"))

    evasions = doc.get("evasions") or LDict()
    _expect(path, doc.line_of("evasions"), evasions, dict, "evasions")
    for canonical in evasions:
        for variant in _str_list(path, evasions, canonical):
            if variant.startswith("re:"):
                try:
                    compiled = re.compile(variant[3:])
                except re.error as exc:
                    raise _fail(
                        path,
                        evasions.line_of(canonical),
                        f"规避写法正则无法编译: {exc} — {variant!r}",
                    ) from exc
                if compiled.search("") is not None:
                    raise _fail(
                        path,
                        evasions.line_of(canonical),
                        f"规避写法正则会匹配空字符串: {variant!r}",
                    )
            rs.evasions[variant] = canonical

    lexicons = doc.get("lexicons") or LDict()
    _expect(path, doc.line_of("lexicons"), lexicons, dict, "lexicons")
    for key in lexicons:
        words = tuple(_str_list(path, lexicons, key))
        rs.lexicons[key] = words
        rs.lexicon_patterns.pop(key, None)
        if words:
            rs.lexicon_patterns[key] = compile_pattern(
                rs, path, lexicons.line_of(key), "|".join(words), f"lexicons.{key}"
            )

    categories = doc.get("categories") or LDict()
    _expect(path, doc.line_of("categories"), categories, dict, "categories")
    for code, spec in categories.items():
        line = categories.line_of(code)
        _expect(path, line, spec, dict, f"categories.{code}")
        _check_keys(path, spec, CATEGORY_KEYS, f"类别 {code} ")
        severity = spec.get("severity", "violation")
        if severity not in SEVERITIES:
            raise _fail(
                path,
                spec.line_of("severity"),
                f"未知严重度 {severity!r}（violation/warning/alert）",
            )
        ledger = spec.get("ledger", "general")
        if ledger not in LEDGERS:
            raise _fail(
                path,
                spec.line_of("ledger"),
                f"未知扣分类型 {ledger!r}（{'/'.join(sorted(LEDGERS))}）",
            )
        points = spec.get("points", 0)
        _expect(path, spec.line_of("points"), points, (int, str), f"categories.{code}.points")
        rs.categories[code] = Category(
            code=code,
            name_zh=str(spec.get("name_zh", code)),
            name_en=str(spec.get("name_en", code)),
            severity=severity,
            points=points,
            ledger=ledger,
            source=Source(str(path), line),
        )

    templates = doc.get("templates") or LDict()
    _expect(path, doc.line_of("templates"), templates, dict, "templates")
    for tid, spec in templates.items():
        line = templates.line_of(tid)
        if isinstance(spec, str):
            spec_d: dict[str, Any] = {"zh": spec}
        else:
            _expect(path, line, spec, dict, f"templates.{tid}")
            _check_keys(path, spec, TEMPLATE_KEYS, f"模板 {tid} ")
            spec_d = spec
        zh = _expect(path, line, spec_d.get("zh"), str, f"templates.{tid}.zh")
        en = spec_d.get("en") or zh
        rs.templates[tid] = Template(tid, zh, str(en), Source(str(path), line))

    _merge_refund_reasons(rs, path, doc)

    rules = doc.get("rules") or LList()
    _expect(path, doc.line_of("rules"), rules, list, "rules")
    seen: set[str] = set()
    for i, spec in enumerate(rules):
        line = rules.line_of(i) if isinstance(rules, LList) else 0
        _expect(path, line, spec, dict, f"rules[{i}]")
        _check_keys(path, spec, RULE_KEYS, "规则")
        rid = spec.get("id")
        _expect(path, spec.line_of("id"), rid, str, "rule id")
        if rid in seen:
            raise _fail(path, spec.line_of("id"), f"规则 id 重复: {rid!r} (duplicate rule id)")
        seen.add(rid)
        earlier = next((i for i, (_, old) in enumerate(rs._raw_rules) if old["id"] == rid), None)
        if earlier is None:
            rs._raw_rules.append((path, spec))
        else:
            # A shop pack overriding a rule states only what changes (e.g. `enabled: false`
            # or new `patterns`); the rest comes from the earlier definition, and the
            # rule keeps its place in the evaluation order.
            _, old = rs._raw_rules[earlier]
            merged = LDict(old)
            merged.line = spec.line
            merged.lines = {**old.lines, **spec.lines}
            merged.update(spec)
            rs._raw_rules[earlier] = (path, merged)


def _merge_refund_reasons(rs: RuleSet, path: Path, doc: LDict) -> None:
    reasons = doc.get("refund_reasons") or LList()
    _expect(path, doc.line_of("refund_reasons"), reasons, list, "refund_reasons")
    for i, spec in enumerate(reasons):
        line = reasons.line_of(i) if isinstance(reasons, LList) else 0
        _expect(path, line, spec, dict, f"refund_reasons[{i}]")
        _check_keys(path, spec, REASON_KEYS, "退款原因")
        code = _expect(path, spec.line_of("code"), spec.get("code"), str, "refund_reasons.code")
        old = rs.refund_reasons.get(code)
        match = tuple(_str_list(path, spec, "match")) if "match" in spec else None
        if match is None and old is None:
            raise _fail(path, line, f"退款原因 {code!r} 缺少 match（要匹配的原因文字）")
        for key, allowed in (
            ("compensation", COMPENSATION_REASONS),
            ("postage", POSTAGE_PAYERS),
            ("kind", CASE_KIND_HINTS),
        ):
            value = spec.get(key)
            if value is not None and value not in allowed:
                raise _fail(
                    path,
                    spec.line_of(key),
                    f"退款原因 {code!r}: 未知 {key} {value!r}（可选 {'/'.join(sorted(allowed))}）",
                )
        advice = spec.get("advice", old.advice if old else None)
        if isinstance(advice, LDict):
            _check_keys(path, advice, TEMPLATE_KEYS, f"退款原因 {code} advice ")
            zh = _expect(path, spec.line_of("advice"), advice.get("zh"), str, "advice.zh")
            advice = Template(
                f"reason:{code}", zh, str(advice.get("en") or zh), Source(str(path), line)
            )
        elif isinstance(advice, str):
            advice = Template(f"reason:{code}", advice, advice, Source(str(path), line))
        elif advice is not None and not isinstance(advice, Template):
            raise _fail(path, spec.line_of("advice"), "advice 必须是字符串或 {zh, en}")

        def pick(key: str, default: Any, spec: LDict = spec, old: Any = old) -> Any:
            return spec[key] if key in spec else (getattr(old, key) if old else default)

        reason = RefundReason(
            code=code,
            match=match if match is not None else (old.match if old else ()),
            name_zh=str(pick("name_zh", code)),
            name_en=str(pick("name_en", code)),
            compensation=pick("compensation", None),
            postage=pick("postage", None),
            kind=pick("kind", None),
            advice=advice,
            source=Source(str(path), line),
        )
        # An override keeps the reason's place in the matching order.
        rs.refund_reasons[code] = reason


def _expand(rs: RuleSet, path: Path, line: int, pattern: str) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in rs.macros:
            raise _fail(path, line, f"未定义的宏 {{{name}}} (unknown macro)")
        return rs.macros[name]

    for _ in range(5):  # macros may use macros
        new = MACRO_RE.sub(sub, pattern)
        if new == pattern:
            return new
        pattern = new
    return pattern


def compile_pattern(rs: RuleSet, path: Path, line: int, pattern: str, what: str) -> re.Pattern[str]:
    expanded = _expand(rs, path, line, pattern)
    try:
        compiled = re.compile(expanded)
    except re.error as exc:
        raise _fail(path, line, f"{what} 正则无法编译: {exc} — {pattern!r}") from exc
    if compiled.fullmatch(""):
        raise _fail(path, line, f"{what} 正则会匹配空字符串: {pattern!r}")
    return compiled


def _patterns(rs: RuleSet, path: Path, spec: LDict, key: str) -> tuple[re.Pattern[str], ...]:
    items = _str_list(path, spec, key)
    raw = spec.get(key)
    out = []
    for i, p in enumerate(items):
        line = raw.line_of(i) if isinstance(raw, LList) else spec.line_of(key)
        out.append(compile_pattern(rs, path, line, p, f"{spec.get('id')}.{key}[{i}]"))
    return tuple(out)


def _compile_rules(rs: RuleSet) -> None:
    # Keywords are matched on normalised text, so they are normalised too.
    normalizer = Normalizer(rs.evasions.items())
    rs.normalizer = normalizer
    for path, spec in rs._raw_rules:
        rid = spec["id"]
        line = spec.line
        category = spec.get("category")
        _expect(path, spec.line_of("category"), category, str, "category")
        if category not in rs.categories:
            raise _fail(
                path, spec.line_of("category"), f"未知类别 {category!r}（请先在 categories 中定义）"
            )
        if not rid.startswith(category + "."):
            raise _fail(
                path, spec.line_of("id"), f"规则 id {rid!r} 必须以类别 {category!r} 加点开头"
            )
        role = spec.get("role", "agent")
        if role not in ROLES:
            raise _fail(path, spec.line_of("role"), f"未知角色 {role!r}（agent/buyer）")
        severity = spec.get("severity")
        if severity is not None and severity not in SEVERITIES:
            raise _fail(path, spec.line_of("severity"), f"未知严重度 {severity!r}")
        points = spec.get("points")
        if points is not None:
            _expect(path, spec.line_of("points"), points, (int, str), "points")
            _check_points_ref(rs, path, spec.line_of("points"), points)
        points_when = []
        raw_pw = spec.get("points_when") or []
        _expect(path, spec.line_of("points_when"), raw_pw, list, "points_when")
        for j, item in enumerate(raw_pw):
            pline = raw_pw.line_of(j) if isinstance(raw_pw, LList) else line
            _expect(path, pline, item, dict, "points_when[]")
            if set(item) != {"if", "points"}:
                raise _fail(path, pline, "points_when 的每一项必须恰好有 if 和 points")
            _check_points_ref(rs, path, pline, item["points"])
            points_when.append(
                PointsWhen(compile_condition(rs, path, pline, item["if"]), item["points"])
            )
        keywords = tuple(normalizer.normalize(k) for k in _str_list(path, spec, "keywords"))
        context_keywords = tuple(
            normalizer.normalize(k) for k in _str_list(path, spec, "context_keywords")
        )
        for k in keywords + context_keywords:
            if not k:
                raise _fail(path, spec.line_of("keywords"), "关键词规范化后为空")
        max_length = spec.get("max_length")
        if max_length is not None:
            _expect(path, spec.line_of("max_length"), max_length, int, "max_length")
        if not keywords and not context_keywords and max_length is None:
            raise _fail(
                path, line, f"规则 {rid} 需要 keywords、context_keywords 或 max_length 作为触发条件"
            )
        patterns = _patterns(rs, path, spec, "patterns")
        if not patterns:
            raise _fail(path, line, f"规则 {rid} 至少需要一个 patterns 正则")
        explanation = spec.get("explanation")
        _expect(path, spec.line_of("explanation"), explanation, str, "explanation")
        suggestion = spec.get("suggestion")
        if suggestion is not None and suggestion not in rs.templates:
            raise _fail(path, spec.line_of("suggestion"), f"未知话术模板 {suggestion!r}")
        when = spec.get("when")
        rescue = spec.get("rescue")
        enabled = spec.get("enabled", True)
        _expect(path, spec.line_of("enabled"), enabled, bool, "enabled")
        rule = Rule(
            id=rid,
            category=category,
            role=role,
            severity=severity,
            points=points,
            points_when=points_when,
            keywords=keywords,
            context_keywords=context_keywords,
            max_length=max_length,
            patterns=patterns,
            unless=_patterns(rs, path, spec, "unless"),
            unless_message=_patterns(rs, path, spec, "unless_message"),
            negated_by=_patterns(rs, path, spec, "negated_by"),
            when=compile_condition(rs, path, spec.line_of("when"), when)
            if when is not None
            else None,
            rescue=compile_condition(rs, path, spec.line_of("rescue"), rescue)
            if rescue is not None
            else None,
            explanation=str(explanation),
            explanation_en=str(spec.get("explanation_en") or explanation),
            suggestion=suggestion,
            enabled=enabled,
            source=Source(str(path), line),
        )
        rs.rules[rid] = rule


def _check_points_ref(rs: RuleSet, path: Path, line: int, points: Any) -> None:
    if isinstance(points, bool) or not isinstance(points, int | str):
        raise _fail(path, line, f"points 应为整数或 $设置名，得到 {points!r}")
    if isinstance(points, str):
        name = points.lstrip("$")
        if not points.startswith("$") or name not in rs.settings:
            raise _fail(path, line, f"points 引用了未知设置 {points!r}")
        if not isinstance(rs.settings[name], int):
            raise _fail(path, line, f"设置 {name!r} 必须是整数才能作为分数")
