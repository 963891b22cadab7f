"""redline.privacy: one masking step for pages, JSON, exports and robot messages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redline.privacy import mask_evidence, mask_text


@pytest.mark.parametrize(
    ("text", "known", "hidden", "kept"),
    [
        ("电话13812345678", [], ["13812345678"], ["138****5678"]),
        (
            "发到浙江省杭州市西湖区文三路88号3幢201室",
            [],
            ["文三路88号", "201室"],
            ["浙江省杭州市西湖区"],
        ),
        ("地址是北京市朝阳区望京西园三区318号楼5单元", [], ["318号楼"], ["北京市朝阳区"]),
        ("收件人王丽，麻烦快点", [], ["王丽"], ["收件人王*"]),
        ("她叫王丽，是我老婆", ["王丽"], ["王丽"], ["王*"]),
        ("tb_8812345 您好", ["tb_8812345"], ["tb_8812345"], ["t*********"]),
    ],
)
def test_mask_text_hides_buyer_data(
    text: str, known: list[str], hidden: list[str], kept: list[str]
):
    out = mask_text(text, known)
    assert len(out) == len(text)
    for h in hidden:
        assert h not in out
    for k in kept:
        assert k in out


@pytest.mark.parametrize(
    "text",
    [
        "订单号3320874415已发货，运单号SF1234567890123",
        "七天无理由退货",
        "亲，您是在浙江杭州吗",
        "满300减30",
    ],
)
def test_mask_text_leaves_other_text_alone(text: str):
    assert mask_text(text) == text


@given(st.text(max_size=80), st.lists(st.text(max_size=12), max_size=3))
def test_mask_text_keeps_the_length(text: str, known: list[str]):
    # finding offsets are code points into the text: masking must not move them
    assert len(mask_text(text, known)) == len(text)


def test_privacy_evidence_is_the_disclosed_data():
    evidence = "收件人王丽 13812345678"
    assert mask_evidence("privacy", evidence) == "收" + "*" * (len(evidence) - 1)
    assert mask_evidence("invoice", "特价不开发票") == "特价不开发票"
