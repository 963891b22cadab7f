"""Normalisation against filter evasion, and the map back to original offsets."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redline.guard.normalize import Normalizer, chinese_numeral_to_int, original_span


@pytest.fixture(scope="module")
def norm(guard):
    return guard.normalizer


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Traditional → Simplified
        ("發票", "发票"),
        ("貨到付款", "货到付款"),
        ("這單不能分期", "这单不能分期"),
        # full-width → half-width, upper → lower case
        ("ＡＢＣ１２３", "abc123"),
        ("WeChat", "微信"),
        ("６个点", "6个点"),
        ("１００％", "100%"),
        # spaces, ideographic spaces, zero-width and decorative symbols deleted
        ("支 付 宝", "支付宝"),
        ("发\u3000票", "发票"),
        ("发\u200b票", "发票"),
        ("微*信", "微信"),
        ("加★我", "加我"),
        # punctuation inside a word deleted
        ("微.信", "微信"),
        ("支-付-宝", "支付宝"),
        ("微/信", "微信"),
        # evasion spellings → canonical words
        ("V信", "微信"),
        ("vx", "微信"),
        ("VX", "微信"),
        ("威信", "微信"),
        ("薇❤信", "微信"),
        ("ｖ信", "微信"),
        ("扣扣", "qq"),
        ("zfb", "支付宝"),
        ("ZFB", "支付宝"),
        ("吱付宝", "支付宝"),
        ("转帐", "转账"),
        # Chinese numerals before a unit → digits; other words keep their meaning
        ("十五元", "15元"),
        ("二十天", "20天"),
        ("一百二十块", "120块"),
        ("六个点", "6个点"),
        ("三期", "3期"),
        ("一定", "一定"),
        ("一般", "一般"),
        ("十分感谢", "十分感谢"),
        ("十分钟", "10分钟"),
        # emoji deleted, line breaks become a clause boundary
        ("好的😊亲", "好的亲"),
        ("谢谢🙏", "谢谢"),
        ("第一行\n第二行", "第一行,第二行"),
        ("a\r\nb", "a,,b"),
        # tildes and dashes unified
        ("1～2天", "1-2天"),
        # decimal numbers are not words: the dot stays
        ("3.5元", "3.5元"),
    ],
)
def test_normalize_examples(norm, raw, expected):
    assert norm.normalize(raw) == expected
    assert norm.mapped(raw)[0] == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十五", 15),
        ("二十", 20),
        ("一百二十", 120),
        ("三", 3),
        ("一五", 15),
        ("两", 2),
        ("十", 10),
        ("一千零五", 1005),
        ("", None),
    ],
)
def test_chinese_numeral_to_int(text, value):
    assert chinese_numeral_to_int(text) == value


def test_mapped_spans_cover_the_original_characters(norm):
    text = "加我 V 信，付款便宜"
    out, starts, ends = norm.mapped(text)
    i = out.index("微信")
    s, e = original_span(starts, ends, i, i + 2, len(text))
    assert text[s:e] == "V 信"


def test_original_span_edge_cases():
    assert original_span([], [], 0, 0, 5) == (0, 0)
    assert original_span([0, 2], [1, 3], 1, 1, 5) == (2, 2)
    assert original_span([0, 2], [1, 3], 2, 2, 5) == (5, 5)


@pytest.mark.parametrize(
    ("text", "category", "evidence_part"),
    [
        ("亲，加我V信付款更便宜哦", "payment", "V信"),
        ("亲，加我ｖｘ付款更便宜哦", "payment", "ｖｘ"),
        ("加我 微 . 信 付款更便宜哦", "payment", "微 . 信"),
        ("用 扣 扣 转账给我就行", "payment", "扣 扣"),
        ("加我ZFB，转账给我更便宜", "payment", "转账给我"),
        ("亲😊，特價商品不開發票哦", "invoice", "特價商品不開發票"),
        ("亲，特价商品不开 发 票哦", "invoice", "不开 发 票"),
        ("开票要加十五个点哦", "invoice", "十五个点"),
        ("🙂🙂这款是全網最低價🙂", "ad_words", "全網最低價"),
    ],
)
def test_evidence_points_into_the_original_text(guard, text, category, evidence_part):
    found = [f for f in guard.check_text(text) if f.category == category]
    assert found, f"no {category} finding for {text!r}"
    f = found[0]
    assert 0 <= f.start < f.end <= len(text)
    assert f.evidence == text[f.start : f.end]
    assert evidence_part in f.evidence


# --- properties --------------------------------------------------------------------------

INTERESTING = (
    "微信vVxX支付宝zfb扣扣威信薇❤ 　.-/\\'*~～十五一二百千元块天个点期發票開不"
    "ＡＢＣａｂｃ１２３😊🙏\n\r\t\x00\x01\u200b\ufeff"
)
texts = st.one_of(st.text(max_size=200), st.text(alphabet=INTERESTING, max_size=60))
PROPERTY = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(s=texts)
def test_normalize_equals_mapped(norm, s):
    assert norm.normalize(s) == norm.mapped(s)[0]


@PROPERTY
@given(s=texts)
def test_maps_have_right_length_monotonic_and_in_bounds(norm, s):
    out, starts, ends = norm.mapped(s)
    assert len(starts) == len(ends) == len(out)
    for a, b in zip(starts, ends, strict=True):
        assert 0 <= a < b <= len(s)
    assert starts == sorted(starts)
    assert ends == sorted(ends)


@PROPERTY
@given(batch=st.lists(texts, min_size=1, max_size=6))
def test_batch_normalisation_equals_per_message(guard, batch):
    # The engine normalises a whole batch joined by \x00; it must not leak across messages.
    assert guard.normalize_batch(batch) == [guard.normalizer.normalize(t) for t in batch]


def test_batch_normalisation_of_nothing(guard):
    assert guard.normalize_batch([]) == []


@PROPERTY
@given(s=texts)
def test_normalized_text_never_contains_the_batch_separator(norm, s):
    assert "\x00" not in norm.normalize(s)


@PROPERTY
@given(
    s=st.one_of(
        st.text(max_size=300),
        st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=50),
        st.text(alphabet=INTERESTING + "税运费邮费差价取消关闭收货地址电话", max_size=120),
    )
)
def test_check_text_never_raises(guard, s):
    for f in guard.check_text(s):
        assert 0 <= f.start <= f.end <= len(s)
        assert f.evidence == s[f.start : f.end]


@pytest.mark.parametrize(
    "text",
    [
        "发票" * 20000,
        "亲，特价商品不开发票哦。" * 3000,
        "a" * 100000,
        "微" + " " * 50000 + "信",
        "\x00" * 1000,
        "十" * 5000 + "元",
        "，" * 50000,
    ],
)
def test_check_text_long_and_odd_strings(guard, text):
    for f in guard.check_text(text):
        assert f.evidence == text[f.start : f.end]


def test_unknown_evasion_pairs_are_ignored():
    n = Normalizer([("微信", "微信"), ("", "x")])
    assert n.variants == {}
    assert n.normalize("微信") == "微信"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("加一下 wx: xm2024", "加一下微信:xm2024"),
        ("能V❤转你吗", "能微信转你吗"),
        ("加我q 12345", "加我qq12345"),
        ("轉數快FPS ID：16372208", "转数快id:16372208"),
        ("FPS 123", "fps123"),  # Hong Kong's FPS is not an invoice (fp)
        ("开fp", "开发票"),
        ("fa票", "发票"),
        ("hdfk", "货到付款"),
        ("1️⃣3️⃣5️⃣", "135"),
        ("vip会员", "vip会员"),
        ("加微博", "加微博"),
    ],
)
def test_payment_and_invoice_evasions(raw, normal):
    from redline.guard.engine import Guard

    assert Guard.default().normalize_batch([raw]) == [normal]
