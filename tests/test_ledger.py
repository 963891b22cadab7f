"""Penalty ledger (rules.md §2): nodes, heaviest-node rule, cycles, what-if, 描述不符."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from redline.guard.packs import load_rules
from redline.records.ledger import (
    Deduction,
    LedgerRules,
    Penalty,
    cycle_start,
    description_mismatch_points,
    standing,
    what_if,
)

CN = ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=CN)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def seq(*items: tuple[float, int, str]) -> list[Deduction]:
    return [Deduction(day(d), p, t) for d, p, t in items]  # type: ignore[arg-type]


def nodes(st, track=None):
    return [(s.type, s.node) for s in st.sanctions if track is None or s.type == track]


def rules_with(**changes) -> LedgerRules:
    settings = dict(load_rules().settings)
    settings.update(changes)
    return LedgerRules.from_settings(settings)


# --- every node of §2 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deductions", "expected"),
    [
        # general: every 12 points → one more 7-day ban + 10,000
        (seq((0, 6, "general"), (1, 4, "general")), []),
        (seq((0, 6, "general"), (1, 6, "general")), [("general", 12)]),
        (
            seq(*((i * 10, 6, "general") for i in range(6))),
            [("general", 12), ("general", 24), ("general", 36)],
        ),
        # commitment/misinformation count on both tracks
        (
            seq(*((i * 10, 6, "commitment") for i in range(4))),
            [("general", 12), ("general", 24), ("commitment", 24)],
        ),
        (
            seq(*((i * 10, 6, "commitment" if i % 2 else "misinformation") for i in range(8))),
            [
                ("general", 12),
                ("general", 24),
                ("commitment", 24),
                ("general", 36),
                ("general", 48),
                ("commitment", 48),
            ],
        ),
        # plain general points never reach the commitment track
        (
            seq(*((i * 10, 6, "general") for i in range(8))),
            [("general", n) for n in (12, 24, 36, 48)],
        ),
        # severe 12 / 24 / 36 / 48, each reached after the previous one expired
        (
            seq((0, 12, "severe"), (90, 12, "severe"), (180, 12, "severe"), (270, 12, "severe")),
            [("severe", 12), ("severe", 24), ("severe", 36), ("severe", 48)],
        ),
    ],
)
def test_nodes(deductions, expected):
    st = standing(deductions, day(290))
    assert nodes(st) == expected


@pytest.mark.parametrize(
    ("node", "restriction", "marketing", "fine", "words"),
    [
        (12, 7, 30, 20000, "店铺屏蔽"),
        (24, 14, 60, 30000, "下架店铺内所有商品"),
        (36, 21, 90, 40000, "关闭店铺"),
    ],
)
def test_severe_node_measures(node, restriction, marketing, fine, words):
    st = standing(seq((0, node, "severe")), day(1))
    (s,) = st.sanctions
    assert (s.type, s.node, s.restriction_days, s.marketing_ban_days) == (
        "severe",
        node,
        restriction,
        marketing,
    )
    assert s.fine_yuan == Decimal(fine)
    assert words in s.measures_zh and f"{fine:,} 元" in s.measures_zh
    assert s.ends_at == day(0) + timedelta(days=marketing)
    assert s.active and s in st.active


def test_severe_48_clears_out():
    st = standing(seq((0, 36, "severe"), (100, 12, "severe"), (101, 6, "general")), day(400))
    last = st.sanctions[-1] if st.sanctions else None
    assert last is None  # reached in the previous cycle
    assert st.cleared_out and st.next_nodes == ()
    (s,) = [s for s in st.active if s.clearout]
    assert s.node == 48 and s.ends_at is None and "清退" in s.measures_zh
    # after 清退 nothing else is executed (the general 6 does not matter)
    st = standing(seq((0, 48, "severe"), (1, 12, "general")), day(2))
    assert nodes(st) == [("severe", 48)]


def test_general_sanction_fields():
    (s,) = standing(seq((0, 6, "general"), (1, 6, "general")), day(3)).sanctions
    assert s.marketing_ban_days == 7 and s.fine_yuan == Decimal(10000)
    assert s.reached_at == day(1) and s.ends_at == day(8) and s.active
    assert s.measures_zh == "限制参加天猫营销活动 7 天，并支付违约金 10,000 元"
    assert not standing(seq((0, 6, "general"), (1, 6, "general")), day(8)).sanctions[0].active


@pytest.mark.parametrize(("second", "days"), [(24, 7), (48, 28)])
def test_commitment_supervision(second, days):
    st = standing(seq((0, second, "commitment")), day(1))
    (s,) = [s for s in st.sanctions if s.type == "commitment"]
    assert s.node == second and s.supervision_days == days
    assert s.measures_zh == f"店铺监管 {days} 天" and s.fine_yuan == 0


# --- the heaviest-node rule ----------------------------------------------------------------


def test_one_deduction_crossing_two_nodes_runs_only_the_heaviest():
    st = standing(seq((0, 10, "severe"), (1, 16, "severe")), day(2))
    (s,) = st.sanctions
    assert s.node == 24 and s.skipped_nodes == (12,)
    assert s.fine_yuan == Decimal(30000) and s.restriction_days == 14
    # commitment 0 → 48 at once: only the 28-day supervision
    st = standing(seq((0, 48, "commitment")), day(1))
    assert [(s.node, s.skipped_nodes) for s in st.sanctions if s.type == "commitment"] == [
        (48, (24,))
    ]


def test_node_reached_while_same_type_runs_replaces_it():
    st = standing(seq((0, 12, "severe"), (5, 12, "severe")), day(6))
    first, second = st.sanctions
    assert first.superseded_at == day(5) and first.ends_at == day(5) and not first.active
    assert second.node == 24 and second.active and second.ends_at == day(5) + timedelta(days=60)
    assert st.active == (second,)
    # general ban running: a new 12 restarts the 7 days (no stacking to 14)
    st = standing(seq((0, 12, "general"), (3, 12, "general")), day(4))
    a, b = st.sanctions
    assert a.ends_at == day(3) and b.ends_at == day(10) and b.fine_yuan == Decimal(10000)


def test_other_tracks_do_not_replace_each_other():
    st = standing(seq((0, 12, "severe"), (1, 12, "general")), day(2))
    assert {s.type for s in st.active} == {"severe", "general"}


# --- cycles --------------------------------------------------------------------------------

NEW_YEAR = datetime(2025, 1, 1, tzinfo=CN)


@pytest.mark.parametrize(
    ("offset", "counted"),
    [(timedelta(seconds=-1), False), (timedelta(0), True), (timedelta(seconds=1), True)],
)
def test_calendar_year_boundary(offset, counted):
    d = [Deduction(NEW_YEAR + offset, 6, "general")]
    st = standing(d, NEW_YEAR + timedelta(days=1))
    assert st.general_points == (6 if counted else 0)
    assert st.cycle_start == NEW_YEAR


def test_previous_year_points_do_not_add_up():
    d = [
        Deduction(NEW_YEAR - timedelta(seconds=1), 6, "general"),
        Deduction(NEW_YEAR, 6, "general"),
    ]
    st = standing(d, NEW_YEAR + timedelta(days=1))
    assert st.general_points == 6 and st.sanctions == ()
    assert st.next_nodes[0].points_left == 6


def test_cycle_start_reads_china_time():
    # 2024-12-31 16:00 UTC is already 2025-01-01 00:00 in China
    assert cycle_start(datetime(2024, 12, 31, 16, 0, tzinfo=UTC)) == NEW_YEAR
    assert cycle_start(datetime(2024, 12, 31, 15, 59, 59, tzinfo=UTC)).year == 2024
    assert cycle_start(datetime(2025, 6, 1)) == NEW_YEAR  # naive = China time


def test_sanction_runs_across_the_reset():
    d = [Deduction(NEW_YEAR - timedelta(days=2), 12, "general")]
    st = standing(d, NEW_YEAR + timedelta(days=1))
    assert st.sanctions == () and len(st.active) == 1


def test_rolling365():
    r = rules_with(ledger_cycle="rolling365")
    at = datetime(2025, 3, 1, tzinfo=CN)
    d = [
        Deduction(at - timedelta(days=365), 6, "general"),
        Deduction(at - timedelta(days=365, seconds=1), 6, "general"),
        Deduction(at - timedelta(days=10), 6, "general"),
    ]
    st = r.standing(d, at)
    assert st.general_points == 12 and st.cycle_start == at - timedelta(days=365)
    assert [s.node for s in st.sanctions] == [12]
    # across 1 Jan the calendar-year reading would not count it
    assert LedgerRules.default().standing(d, at).general_points == 6


# --- next nodes and what-if ----------------------------------------------------------------


def test_next_nodes():
    st = standing(seq((0, 6, "commitment"), (1, 12, "severe")), day(2))
    nxt = {n.type: (n.node, n.points_left) for n in st.next_nodes}
    assert nxt == {"general": (12, 6), "commitment": (24, 18), "severe": (24, 12)}


@pytest.mark.parametrize(
    ("history", "new", "sentence"),
    [
        (
            seq((0, 6, "general")),
            Deduction(day(1), 6, "general"),
            "若确认此项（一般违规 6 分），店铺将累计一般违规 12 分："
            "限制参加天猫营销活动 7 天，并支付违约金 10,000 元",
        ),
        (
            seq((0, 18, "commitment")),
            Deduction(day(1), 6, "commitment"),
            "若确认此项（违背承诺 6 分），店铺将累计一般违规 24 分："
            "限制参加天猫营销活动 7 天，并支付违约金 10,000 元；"
            "店铺将累计违背承诺/滥发信息 24 分：店铺监管 7 天",
        ),
        (
            [],
            Deduction(day(1), 4, "general"),
            "若确认此项（一般违规 4 分），店铺本周期将累计一般违规 4 分，"
            "距 12 分节点还差 8 分，暂不触发处罚。",
        ),
    ],
)
def test_what_if_sentences(history, new, sentence):
    w = what_if(history, new)
    assert w.sentence_zh == sentence
    assert w.sentence_en.startswith("If this is confirmed")
    assert w.after.general_points == w.before.general_points + (
        new.points if new.type != "severe" else 0
    )


def test_what_if_crossing_two_nodes_names_the_rule():
    w = what_if(seq((0, 10, "severe")), Deduction(day(1), 16, "severe"))
    (s,) = w.triggered
    assert s.node == 24 and "仅执行最重的 24 分节点" in w.sentence_zh


def test_what_if_rejects_future_deduction():
    with pytest.raises(ValueError, match="晚于"):
        what_if([], Deduction(day(2), 6, "general"), day(1))


# --- 描述不符 escalation (001) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "material",
            [("general", 6), ("general", 12), ("general", 12), ("severe", 12), ("severe", 12)],
        ),
        ("defect_affecting_use", [("general", 6)] * 4 + [("severe", 6)] * 2),
        ("defect_not_affecting_use", [("general", 3)] * 6),
        ("slight", [("general", 0)] * 3),
    ],
)
def test_description_mismatch_escalation(kind, expected):
    got = [description_mismatch_points(kind, i) for i in range(len(expected))]
    assert got == [Penalty(t, p) for t, p in expected]


def test_description_mismatch_bad_input():
    with pytest.raises(ValueError, match="未知的描述不符类型"):
        description_mismatch_points("bogus", 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="负数"):
        description_mismatch_points("material", -1)


# --- settings ------------------------------------------------------------------------------


def test_default_rules_from_pack():
    r = LedgerRules.default()
    assert r.cycle == "calendar_year" and r.general_step == 12
    assert [n.points for n in r.severe_nodes] == [12, 24, 36, 48]
    assert [(n.points, n.supervision_days) for n in r.commitment_nodes] == [(24, 7), (48, 28)]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ledger_cycle", "weekly"),
        ("ledger_general_step", 0),
        ("ledger_general_step", "12"),
        ("ledger_general_fine_yuan", -1),
        ("ledger_general_ban_days", True),
        ("ledger_commitment_nodes", "24"),
        ("ledger_commitment_nodes", "24:x"),
        ("ledger_commitment_nodes", "48:28, 24:7"),
        ("ledger_commitment_nodes", ""),
        ("ledger_severe_nodes", "12:shield:7:30"),
        ("ledger_severe_nodes", "12:burn:7:30:1"),
        ("ledger_severe_nodes", "12:clearout, 24:shield:7:30:1"),
        ("ledger_severe_nodes", 12),
        ("policy_timezone", "Mars/Olympus"),
    ],
)
def test_bad_settings_name_the_key(key, value):
    with pytest.raises(ValueError, match=key):
        rules_with(**{key: value})


def test_missing_setting_names_the_key():
    settings = dict(load_rules().settings)
    del settings["ledger_severe_nodes"]
    with pytest.raises(ValueError, match="缺少扣分设置 'ledger_severe_nodes'"):
        LedgerRules.from_settings(settings)


def test_deduction_checks():
    with pytest.raises(ValueError, match="带时区"):
        Deduction(datetime(2024, 1, 1), 6, "general")
    with pytest.raises(ValueError, match="非负整数"):
        Deduction(T0, -1, "general")
    with pytest.raises(ValueError, match="未知扣分类型"):
        Deduction(T0, 1, "minor")  # type: ignore[arg-type]
