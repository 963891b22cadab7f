"""The reply-template library (话术): scenarios, templates, variables, rendering.

``templates.yaml`` (format in ``data/FORMAT.md``) holds one entry per template: its
scenario, the red-line category it answers (if any), the shop flags it assumes,
tags, the buyer phrasings it answers (``asks``, indexed for search), the Chinese and
English text and a default for every ``{variable}``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redline.model import Shop
from redline.training.source import Node, data_dir, load
from redline.yamlsrc import PackError

SHOP_FLAGS = ("platform", "cod", "credit_card", "free_shipping")
_FIELDS = ("scenario", "category", "when", "tags", "asks", "zh", "en", "variables")


@dataclass(frozen=True)
class Scenario:
    id: str
    zh: str
    en: str


@dataclass(frozen=True)
class Template:
    id: str
    scenario: str
    zh: str
    en: str
    category: str | None = None
    when: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    asks: tuple[str, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)
    source: str = ""

    def text(self, lang: str = "zh") -> str:
        return self.en if lang == "en" and self.en else self.zh

    def render(self, values: Mapping[str, Any] | None = None, lang: str = "zh") -> str:
        """The text with ``{name}`` filled from ``values``, else the defaults."""
        merged = {**self.variables, **{k: str(v) for k, v in (values or {}).items()}}
        unknown = set(values or {}) - set(self.variables)
        if unknown:
            raise KeyError(
                f"模板 {self.id} 没有变量 {', '.join(sorted(unknown))} "
                f"(no such variable; it has: {', '.join(sorted(self.variables)) or '无'})"
            )
        return self.text(lang).format_map(merged)

    def shop(self) -> Shop:
        """The shop profile the template assumes (strictest flags where it says nothing)."""
        flags: dict[str, Any] = {
            "platform": "tmall",
            "cod": False,
            "credit_card": True,
            "free_shipping": True,
        }
        flags.update(self.when)
        return Shop.from_dict(flags)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scenario": self.scenario,
            "category": self.category,
            "when": dict(self.when),
            "tags": list(self.tags),
            "asks": list(self.asks),
            "text": self.zh,
            "text_en": self.en,
            "variables": dict(self.variables),
        }


@dataclass(frozen=True)
class Library:
    scenarios: dict[str, Scenario]
    templates: dict[str, Template]

    def for_scenario(self, scenario: str) -> list[Template]:
        return [t for t in self.templates.values() if t.scenario == scenario]

    def for_category(self, category: str) -> list[Template]:
        return [t for t in self.templates.values() if t.category == category]

    def get(self, template_id: str) -> Template:
        try:
            return self.templates[template_id]
        except KeyError:
            raise KeyError(f"没有模板 {template_id} (no such template)") from None


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def load_library(path: Path | None = None) -> Library:
    """Load and validate ``templates.yaml``; a bad entry raises PackError with file:line."""
    path = path or data_dir() / "templates.yaml"
    root = load(path, "templates.yaml")
    root.known(("scenarios", "templates"))
    scenarios: dict[str, Scenario] = {}
    for sid, node in (root.child("scenarios") or root).items():
        node.known(("zh", "en"))
        scenarios[sid] = Scenario(sid, node.text("zh"), node.text("en"))
    templates: dict[str, Template] = {}
    for tid, node in (root.child("templates") or root).items():
        templates[tid] = _template(tid, node, scenarios)
    if not templates:
        raise PackError(path, root.line, "模板库为空 (no templates)")
    return Library(scenarios, templates)


def _template(tid: str, node: Node, scenarios: Mapping[str, Scenario]) -> Template:
    node.known(_FIELDS)
    scenario = node.text("scenario")
    if scenario not in scenarios:
        raise node.fail("scenario", f"模板 {tid}: 未知场景 {scenario!r} (unknown scenario)")
    if not tid.startswith(scenario + "."):
        raise node.fail(None, f"模板 id {tid!r} 应以场景开头 (must start with '{scenario}.')")
    when_node = node.child("when", required=False)
    when: dict[str, Any] = {}
    if when_node is not None:
        for key, value in when_node.data.items():
            if key not in SHOP_FLAGS:
                raise when_node.fail(
                    key, f"模板 {tid}: when 只能用店铺设置 {', '.join(SHOP_FLAGS)}"
                )
            when[key] = value
    variables: dict[str, str] = {}
    var_node = node.child("variables", required=False)
    if var_node is not None:
        for key, value in var_node.data.items():
            variables[str(key)] = str(value)
    zh, en = node.text("zh"), node.text("en", required=False)
    for lang, text in (("zh", zh), ("en", en)):
        try:
            used = _placeholders(text)
        except ValueError as exc:
            raise node.fail(lang, f"模板 {tid}.{lang}: 花括号不成对 (bad braces: {exc})") from None
        missing = used - set(variables)
        if missing:
            raise node.fail(
                lang,
                f"模板 {tid}.{lang}: 变量 {', '.join(sorted(missing))} 没有默认值 (no default)",
            )
    return Template(
        id=tid,
        scenario=scenario,
        zh=zh,
        en=en,
        category=node.category(),
        when=when,
        tags=node.texts("tags"),
        asks=node.texts("asks"),
        variables=variables,
        source=f"{node.path}:{node.line}",
    )
