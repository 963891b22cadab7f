"""Rule packs: the bundled packs are complete, broken packs fail loudly, shop packs override."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from redline.guard.engine import Guard
from redline.guard.packs import bundled_pack_paths, load_rules
from redline.yamlsrc import PackError
from support import BUYER, agent, make_conv

# formats.md "Category codes"
CATEGORY_SEVERITY = {
    "invoice": "violation",
    "cod": "violation",
    "credit_card": "violation",
    "free_shipping": "violation",
    "privacy": "violation",
    "payment": "violation",
    "price": "violation",
    "close_order": "violation",
    "returns": "violation",
    "ad_words": "warning",
    "promise": "warning",
    "etiquette": "warning",
    "extortion": "alert",
}


@pytest.fixture(scope="module")
def rules(guard):
    return guard.ruleset


# --- the bundled packs ---------------------------------------------------------------------


def test_bundled_packs_load(rules):
    assert len(bundled_pack_paths()) >= 1
    assert len(rules.packs) == len(bundled_pack_paths())
    assert rules.rules and all(r.enabled for r in rules.rules.values())


def test_every_formats_category_is_defined_with_its_severity(rules):
    for code, severity in CATEGORY_SEVERITY.items():
        assert code in rules.categories, code
        assert rules.categories[code].severity == severity, code


@pytest.mark.parametrize("code", sorted(CATEGORY_SEVERITY))
def test_every_category_has_a_rule(rules, code):
    assert any(r.category == code and r.enabled for r in rules.rules.values())


def test_every_rule_has_explanation_and_existing_suggestion(rules):
    for rule in rules.rules.values():
        assert rule.explanation.strip(), rule.id
        assert rule.explanation_en.strip(), rule.id
        assert rule.suggestion is not None, rule.id
        template = rules.templates[rule.suggestion]
        assert template.zh.strip() and template.en.strip(), rule.id
        assert rule.id.startswith(rule.category + "."), rule.id


def test_rule_sources_name_the_rule_line(rules):
    for rule in rules.rules.values():
        path, line = rule.source.path, rule.source.line
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        assert rule.id in lines[line - 1], (rule.id, str(rule.source))


@pytest.mark.parametrize(
    ("category", "points"),
    [
        ("invoice", 6),
        ("cod", 6),
        ("credit_card", 6),
        ("free_shipping", 4),
        ("privacy", 6),
        ("payment", 12),
        ("close_order", 1),
        ("ad_words", 0),
        ("promise", 0),
        ("etiquette", 0),
        ("extortion", 0),
    ],
)
def test_category_points_follow_rules_md(rules, category, points):
    assert rules.points_value(rules.categories[category].points) == points


def test_payment_points_settings(rules):
    assert rules.settings["payment_points_induced"] == 12
    assert rules.settings["payment_points_buyer_asked"] == 6


def test_no_plain_evasion_collapses_to_a_single_character(guard):
    # A one-character key (e.g. "v❤" → "v") would rewrite that character everywhere ("vip").
    for variant in guard.ruleset.evasions:
        if variant.startswith("re:"):
            continue
        key = variant.translate(guard.normalizer.table)
        assert len(key) >= 2, variant


def test_vip_is_not_wechat(guard):
    assert "微信" not in guard.normalizer.normalize("vip会员")
    assert "微信" not in guard.normalizer.normalize("TV遥控器")


# --- broken packs ----------------------------------------------------------------------------

RULE_OK = """\
pack: shop
rules:
  - id: invoice.shop_rule
    category: invoice
    keywords: [发票]
    patterns: ['发票不给']
    explanation: 测试规则
"""


def write(tmp_path: Path, text: str, name: str = "90-shop.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> tuple[PackError, Path]:
    path = write(tmp_path, text)
    with pytest.raises(PackError) as info:
        load_rules([tmp_path])
    return info.value, path


BROKEN = [
    pytest.param(
        """\
        pack: shop
        rules:
          - id: invoice.x
            category: [invoice
            keywords: [发票]
        """,
        5,
        "YAML",
        id="yaml-syntax",
    ),
    pytest.param(RULE_OK + "    colour: red\n", 8, "colour", id="unknown-rule-field"),
    pytest.param(
        RULE_OK
        + """\
  - id: invoice.shop_rule
    category: invoice
    keywords: [发票]
    patterns: ['发票']
    explanation: again
""",
        8,
        "invoice.shop_rule",
        id="duplicate-rule-id",
    ),
    pytest.param(RULE_OK.replace("'发票不给'", "'(发票不给'"), 6, "正则", id="bad-regex"),
    pytest.param(RULE_OK.replace("'发票不给'", "'{NOPE}发票'"), 6, "NOPE", id="unknown-macro"),
    pytest.param(
        RULE_OK + "    suggestion: invoice.no_such_template\n",
        8,
        "invoice.no_such_template",
        id="unknown-template",
    ),
    pytest.param(
        RULE_OK.replace("id: invoice.shop_rule", "id: weather.x").replace(
            "category: invoice", "category: weather"
        ),
        4,
        "weather",
        id="unknown-category",
    ),
    pytest.param(
        RULE_OK + "    when: {moon_phase: full}\n", 8, "moon_phase", id="unknown-condition"
    ),
    pytest.param(RULE_OK + "    when: sunny_day\n", 8, "sunny_day", id="unknown-named-condition"),
    pytest.param(
        RULE_OK + "    points: $no_such_setting\n",
        8,
        "no_such_setting",
        id="points-unknown-setting",
    ),
    pytest.param(
        RULE_OK + "    points_when:\n      - if: shop.cod\n        points: $nope\n",
        9,
        "nope",
        id="points-when-unknown-setting",
    ),
    pytest.param(
        RULE_OK.replace("    keywords: [发票]\n", ""), 3, "keywords", id="rule-without-trigger"
    ),
    pytest.param(
        RULE_OK.replace("    patterns: ['发票不给']\n", ""),
        3,
        "patterns",
        id="rule-without-patterns",
    ),
    pytest.param(
        RULE_OK.replace("'发票不给'", "'(?:发票)?'"), 6, "空字符串", id="regex-matches-empty"
    ),
    pytest.param(RULE_OK + "    enabled: maybe\n", 8, "enabled", id="enabled-not-bool"),
    pytest.param(RULE_OK + "    role: robot\n", 8, "robot", id="unknown-role"),
    pytest.param(
        RULE_OK.replace("id: invoice.shop_rule", "id: cod.shop_rule"),
        3,
        "cod.shop_rule",
        id="id-not-in-category",
    ),
    pytest.param("pack: shop\ncolour: red\n", 2, "colour", id="unknown-top-level-key"),
    pytest.param("pack: shop\npack: again\n", 2, "pack", id="duplicate-yaml-key"),
    pytest.param("- just\n- a list\n", 1, "映射", id="top-level-not-mapping"),
    pytest.param("# nothing here\n", 1, "空", id="empty-pack"),
    pytest.param(
        "pack: shop\ncategories:\n  refunds:\n    severity: fatal\n",
        4,
        "fatal",
        id="unknown-severity",
    ),
    pytest.param(
        RULE_OK + "    when:\n      mentions: {pattern: '发票', in: nowhere}\n",
        9,
        "nowhere",
        id="unknown-mentions-scope",
    ),
    pytest.param("pack: shop\nmacros:\n  lower: 'x'\n", 3, "lower", id="bad-macro-name"),
]


@pytest.mark.parametrize(("text", "line", "mentions"), BROKEN)
def test_broken_pack_names_file_and_line(tmp_path, text, line, mentions):
    err, path = load_error(tmp_path, text)
    assert str(err).startswith(f"{path}:{line}: "), str(err)
    assert err.path == str(path)
    assert err.line == line
    assert mentions in str(err)


def test_pack_error_message_format(tmp_path):
    err, _path = load_error(tmp_path, RULE_OK + "    colour: red\n")
    assert re.match(r"^.+\.yaml:\d+: \S", str(err))


def test_pack_not_utf8(tmp_path):
    path = tmp_path / "90-shop.yaml"
    path.write_bytes("pack: 店铺\n".encode("gbk"))
    with pytest.raises(PackError) as info:
        load_rules([tmp_path])
    assert str(info.value).startswith(f"{path}: ")
    assert "UTF-8" in str(info.value)


def test_missing_pack_path(tmp_path):
    with pytest.raises(PackError) as info:
        load_rules([tmp_path / "nope"])
    assert str(info.value).startswith(str(tmp_path / "nope"))


def test_directory_without_packs(tmp_path):
    with pytest.raises(PackError):
        load_rules([tmp_path])


def test_a_single_pack_file_can_be_given(tmp_path):
    path = write(tmp_path, RULE_OK)
    rs = load_rules([path])
    assert "invoice.shop_rule" in rs.rules


def test_good_shop_pack_loads(tmp_path):
    write(tmp_path, RULE_OK)
    rs = load_rules([tmp_path])
    assert rs.rules["invoice.shop_rule"].source.path == str(tmp_path / "90-shop.yaml")
    assert rs.packs[-1] == "shop (90-shop.yaml)"


# --- shop packs: overrides and additions -----------------------------------------------------


def shop_guard(tmp_path: Path, text: str) -> Guard:
    write(tmp_path, text)
    return Guard.default([tmp_path])


def cats(guard: Guard, messages, **kw) -> set[tuple[int, str]]:
    return {(f.message, f.category) for f in guard.check(make_conv(messages, **kw))}


def test_shop_pack_disables_a_rule(tmp_path, guard):
    g = shop_guard(
        tmp_path,
        """\
        pack: shop
        rules:
          - id: etiquette.curt_reply
            category: etiquette
            enabled: false
            max_length: 3
            patterns: ['^哦$']
            explanation: 本店不检查单字回复
        """,
    )
    msgs = ["B:我的快递到哪了", "A:哦"]
    assert (1, "etiquette") in cats(guard, msgs)
    assert (1, "etiquette") not in cats(g, msgs)
    assert not g.ruleset.rules["etiquette.curt_reply"].enabled
    # the override does not touch the bundled guard
    assert guard.ruleset.rules["etiquette.curt_reply"].enabled


def test_shop_pack_disabling_one_invoice_rule_keeps_the_others(tmp_path):
    g = shop_guard(
        tmp_path,
        """\
        pack: shop
        rules:
          - id: invoice.special_price
            category: invoice
            enabled: false
            keywords: [发票]
            patterns: ['特价']
            explanation: 本店关闭
        """,
    )
    got = g.check_text("开票要加6个点哦")
    assert [f.rule for f in got if f.category == "invoice"] == ["invoice.tax_point"]
    assert all(f.rule != "invoice.special_price" for f in g.check_text("特价商品不开发票哦"))


def test_shop_pack_changes_close_order_points(tmp_path, guard):
    g = shop_guard(tmp_path, "pack: shop\nsettings:\n  close_order_points: 6\n")
    msgs = ["B:什么时候发货？", "A:缺货了，已经帮您把订单取消了"]

    def points(gd: Guard) -> list[int]:
        return [f.points for f in gd.check(make_conv(msgs)) if f.category == "close_order"]

    assert points(guard) == [1]
    assert points(g) == [6]


def test_shop_pack_changes_installment_minimum(tmp_path, guard):
    g = shop_guard(tmp_path, "pack: shop\nsettings:\n  installment_min_amount: 1000\n")
    order = {"id": "1", "buyer": BUYER, "amount": 899.0}
    msgs = ["B:能分期吗", "A:这单不能分期哦"]
    assert (1, "credit_card") in cats(guard, msgs, order=order)
    assert (1, "credit_card") not in cats(g, msgs, order=order)


def test_shop_pack_requires_seller_postage_for_invoice_rescue(tmp_path, guard):
    g = shop_guard(
        tmp_path, "pack: shop\nsettings:\n  invoice_rescue_requires_seller_postage: true\n"
    )
    msgs = ["B:能开发票吗", agent("纳税主体变更中，发票暂时开不了"), agent("下周三前给您补寄")]
    assert (1, "invoice") not in cats(guard, msgs)  # default: a date is enough
    assert (1, "invoice") in cats(g, msgs)  # stricter: postage must be the seller's
    msgs[-1] = agent("下周三前给您补寄，邮费我们出")
    assert (1, "invoice") not in cats(g, msgs)


def test_shop_pack_adds_a_rule_to_an_existing_category(tmp_path, guard):
    g = shop_guard(
        tmp_path,
        """\
        pack: shop
        rules:
          - id: ad_words.shop_terms
            category: ad_words
            keywords: [神器]
            patterns: ['神器']
            explanation: 本店禁用“神器”
            suggestion: ad_words.plain
        """,
    )
    assert not [f for f in guard.check_text("这款是夏季神器") if f.category == "ad_words"]
    found = [f for f in g.check_text("这款是夏季神器") if f.category == "ad_words"]
    assert [(f.rule, f.evidence, f.severity) for f in found] == [
        ("ad_words.shop_terms", "神器", "warning")
    ]


def test_shop_pack_adds_a_category(tmp_path):
    g = shop_guard(
        tmp_path,
        """\
        pack: shop
        evasions:
          拼多多: [pdd, 拼夕夕]
        categories:
          competitor:
            name_zh: 提及竞品平台
            severity: warning
        templates:
          competitor.plain: "亲，本店商品以天猫页面为准哦～"
        rules:
          - id: competitor.mention
            category: competitor
            keywords: [拼多多]
            patterns: ['拼多多']
            explanation: 不要提及其他平台
            suggestion: competitor.plain
        """,
    )
    found = g.check_text("你去PDD买吧")
    assert [(f.category, f.evidence, f.suggestion) for f in found] == [
        ("competitor", "PDD", "亲，本店商品以天猫页面为准哦～")
    ]


def test_later_rule_override_replaces_patterns(tmp_path):
    g = shop_guard(
        tmp_path,
        """\
        pack: shop
        rules:
          - id: etiquette.curt_reply
            category: etiquette
            max_length: 3
            patterns: ['^嗯嗯$']
            explanation: 本店只管“嗯嗯”
        """,
    )
    # (the bundled rule's condition, a buyer turn before, is kept)
    assert cats(g, ["B:在吗", "A:嗯嗯"]) == {(1, "etiquette")}
    assert cats(g, ["B:在吗", "A:哦"]) == set()


def test_lexicon_regex_checked_at_load(tmp_path: Path) -> None:
    write(tmp_path, "pack: shop\nlexicons:\n  third_party_cues:\n    - '我(老婆'\n")
    with pytest.raises(PackError) as err:
        load_rules([tmp_path])
    assert str(err.value).startswith(f"{tmp_path / '90-shop.yaml'}:4:")
