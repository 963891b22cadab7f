"""The learned recall layer (issue 15): model file, settings, layer semantics, floors."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from redline.cli import main as cli
from redline.guard.engine import Guard
from redline.guard.evaluate import score
from redline.guard.learned import (
    GuardModel,
    LearnedLayer,
    ModelError,
    batch_layout,
    load_settings,
    turn_runs,
)
from redline.guard.packs import load_rules
from redline.model import Conversation, Message, Order, Shop
from redline.yamlsrc import PackError
from support import CATEGORIES

ROOT = Path(__file__).resolve().parent.parent
MODEL_FILE = ROOT / "src" / "redline" / "packs" / "model" / "guard-model.json.gz"


def _shared() -> Path | None:
    for cand in (ROOT.parent / "shared", ROOT.parent.parent / "shared", Path("/work/shared")):
        if (cand / "eval" / "train.jsonl").exists():
            return cand
    return None


SHARED = _shared()
needs_shared = pytest.mark.skipif(SHARED is None, reason="needs ../shared (eval/, corpora/)")

# A free-shipping surcharge (the rules catch it; a shop without free shipping vetoes it).
SURCHARGE = "宁夏不包哦 补5块油费就行"
FREE_SHOP = Shop(platform="tmall", free_shipping=True)
# A brush-off the rules' phrase lists do not name, read by the model from the reply and
# the buyer's turn before it: only the learned layer flags it (test_model_finding_shape).
BRUSH_OFF = [Message("buyer", "在吗？怎么还不发货"), Message("agent", "下班了，有事明天再说")]


@pytest.fixture(scope="module")
def rules_only() -> Guard:
    return Guard.default(model=False)


# --- the model file --------------------------------------------------------------------------


def test_bundled_model_loads_and_records_its_training(guard: Guard):
    assert guard.learned is not None
    model = guard.learned.model
    assert model.categories == CATEGORIES
    assert model.roles["extortion"] == "buyer"
    assert model.self_weights.shape == (len(model.ngrams), len(CATEGORIES))
    training = model.meta["training"]
    for key in ("train_sha256", "dev_sha256"):
        assert len(training[key]) == 64
    assert training["corpus_lines"].endswith("% 3 == 0")
    assert model.meta["parameters"]["ngram_range"] == [1, 4]
    # Pruned: small enough for a fast automaton.
    assert 200 < len(model.ngrams) < 20_000


def test_corrupted_model_file_gives_a_clear_error(tmp_path: Path):
    bad = tmp_path / "guard-model.json.gz"
    bad.write_bytes(MODEL_FILE.read_bytes()[:500])
    with pytest.raises(ModelError, match="已损坏"):
        GuardModel.load(bad)
    bad.write_bytes(gzip.compress(b'{"format": "something-else"}'))
    with pytest.raises(ModelError, match="format"):
        GuardModel.load(bad)
    raw = json.loads(gzip.decompress(MODEL_FILE.read_bytes()))
    raw["bias"] = raw["bias"][:3]
    bad.write_bytes(gzip.compress(json.dumps(raw).encode()))
    with pytest.raises(ModelError, match="bias"):
        GuardModel.load(bad)
    raw = json.loads(gzip.decompress(MODEL_FILE.read_bytes()))
    raw["ngrams"]["运费"] = [[99, 1.0]]
    bad.write_bytes(gzip.compress(json.dumps(raw).encode()))
    with pytest.raises(ModelError, match="运费"):
        GuardModel.load(bad)
    with pytest.raises(ModelError, match="无法读取"):
        GuardModel.load(tmp_path / "missing.json.gz")


def test_settings_are_validated_with_file_and_line(tmp_path: Path):
    rs = load_rules()
    path = tmp_path / "model.yaml"
    path.write_text("pack: t\ncategories:\n  cod:\n    treshold: 1\n", encoding="utf-8")
    with pytest.raises(PackError, match=r"model\.yaml:4:.*treshold"):
        load_settings(rs, path)
    path.write_text("pack: t\ncategories:\n  nope: {}\n", encoding="utf-8")
    with pytest.raises(PackError, match=r":3:.*nope"):
        load_settings(rs, path)
    path.write_text(
        "pack: t\ncategories:\n  cod:\n    when: {shop: {colour: red}}\n", encoding="utf-8"
    )
    with pytest.raises(PackError, match=r":4:"):
        load_settings(rs, path)
    path.write_text("pack: t\ncategories:\n  cod:\n    unless: ['(']\n", encoding="utf-8")
    with pytest.raises(PackError, match=r":4:.*正则"):
        load_settings(rs, path)


def test_rebuilding_the_model_is_deterministic(tmp_path: Path):
    """Writing the same model dict twice gives the same bytes (no timestamps)."""
    from redline.guard.training import write_model

    raw = json.loads(gzip.decompress(MODEL_FILE.read_bytes()))
    a, b = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    write_model(raw, a)
    write_model(raw, b)
    assert a.read_bytes() == b.read_bytes() == MODEL_FILE.read_bytes()


# --- scoring ---------------------------------------------------------------------------------


def test_turn_runs():
    # conv 1: B B A S A B A ; conv 2: A B
    roles = np.array([1, 1, 0, 2, 0, 1, 0, 0, 1], dtype=np.int8)
    starts = np.array([1, 0, 0, 0, 0, 0, 0, 1, 0], dtype=bool)
    run_id, prev = turn_runs(roles, starts)
    assert run_id.tolist() == [0, 0, 1, 1, 1, 2, 3, 4, 5]
    assert prev.tolist() == [-1, -1, 0, 0, 0, 1, 2, -1, 4]


def test_automaton_scores_equal_the_linear_model(guard: Guard):
    """The automaton + numpy sum is exactly bias + context + Σ count × weight."""
    layer = guard.learned
    assert layer is not None
    model = layer.model
    convs = [
        Conversation(
            messages=[
                Message("buyer", "能开发票吗", account="b1"),
                Message("agent", "亲，特价商品开不了发票哦"),
                Message("agent", SURCHARGE),
            ],
            id="x",
            shop=FREE_SHOP,
            order=Order(id="1", buyer="b1", amount=10.0),
        )
    ]
    raw = [m.text for m in convs[0].messages]
    norm = guard.normalize_batch(raw)
    roles, starts = batch_layout(convs)
    got = layer.score_batch(
        guard._normalize_joined(raw), [len(t) for t in norm], convs, roles, starts
    )
    index = {g: i for i, g in enumerate(model.ngrams)}

    def direct(text: str, prev: list[str]) -> np.ndarray:
        total = layer.context_vector(convs[0]).copy()
        for size in range(1, 5):
            for k in range(len(text) - size + 1):
                j = index.get(text[k : k + size])
                if j is not None:
                    total += model.self_weights[j]
            for p in prev:
                for k in range(len(p) - size + 1):
                    j = index.get(p[k : k + size])
                    if j is not None:
                        total += model.prev_weights[j]
        return total

    assert np.allclose(got[1], direct(norm[1], [norm[0]]))
    assert np.allclose(got[2], direct(norm[2], [norm[0]]))
    assert np.allclose(got[0], direct(norm[0], []))


# --- layer semantics -------------------------------------------------------------------------


def test_model_finding_shape(guard: Guard, rules_only: Guard):
    conv = Conversation(messages=list(BRUSH_OFF), id="m", shop=Shop(platform="tmall"))
    assert rules_only.check(conv) == []
    found = guard.check(conv)
    assert [f.rule for f in found] == ["etiquette.model"]
    f = found[0]
    assert f.message == 1 and f.category == "etiquette" and f.severity == "warning"
    assert f.points == 0
    assert "模型" in f.explanation and "「" in f.explanation
    text = BRUSH_OFF[1].text
    assert f.evidence and f.evidence in text and text[f.start : f.end] == f.evidence
    assert f.evidence in f.explanation
    # the category's own compliant suggestion
    assert f.suggestion.startswith("亲，非常理解您的心情")
    en = Guard.default(lang="en").check(conv)
    assert "learned model" in en[0].explanation


def test_context_conditions_veto_model_candidates(guard: Guard):
    # Not a free-shipping shop: the same sentence is compliant.
    assert guard.check_text(SURCHARGE, shop=Shop(platform="tmall")) == []
    # A region the listing excludes.
    excl = Shop(platform="tmall", free_shipping=True, free_shipping_exclusions=("新疆",))
    assert guard.check_text("新疆那块快递费贵 包邮不包你们那儿 得补10块", shop=excl) == []


def test_cod_candidate_in_a_shop_without_cod_is_not_flagged():
    rs = load_rules()
    _, settings = load_settings(rs)
    # Every message is a candidate for every category (threshold -inf) ...
    eager = Guard(rs, learned=LearnedLayer(GuardModel.load(), settings, -math.inf))
    text = "货到付款这个我们不太方便弄，亲拍在线支付吧"
    no_cod = eager.check_text(text, shop=Shop(platform="tmall", cod=False))
    assert "cod" not in {f.category for f in no_cod}
    # ... and in a COD shop the candidate stands.
    with_cod = eager.check_text(text, shop=Shop(platform="tmall", cod=True))
    assert "cod" in {f.category for f in with_cod}
    # credit_card needs the shop flag too
    card = "信用卡这个我们这边处理不了哦"
    no_card = eager.check_text(card, shop=Shop(platform="taobao", credit_card=False))
    assert "credit_card" not in {f.category for f in no_card}


def test_rules_keep_their_findings_and_the_model_adds_none_there(guard: Guard):
    found = guard.check_text("亲，特价商品不开发票哦")
    assert [f.rule for f in found] == ["invoice.special_price"]


def test_no_model_flag(tmp_path: Path):
    runner = CliRunner()
    chat = tmp_path / "chat.jsonl"
    conv = {"id": "m", "messages": [{"role": m.role, "text": m.text} for m in BRUSH_OFF]}
    chat.write_text(json.dumps(conv, ensure_ascii=False) + "\n", encoding="utf-8")
    with_model = runner.invoke(cli, ["check", str(chat)])
    assert "etiquette.model" in with_model.output, with_model.output
    without = runner.invoke(cli, ["check", str(chat), "--no-model"])
    assert without.exit_code == 0, without.output
    assert ".model" not in without.output


def test_by_writer_without_model_is_refused():
    runner = CliRunner()
    res = runner.invoke(cli, ["eval", "tests/data/dev.jsonl", "--by-writer", "--no-model"])
    assert res.exit_code == 2
    assert "--no-model" in res.output


def test_by_writer_explains_missing_sklearn(monkeypatch: pytest.MonkeyPatch):
    import redline.guard.training as training

    def missing() -> None:
        raise training.TrainingUnavailable("训练模型需要 scikit-learn")

    monkeypatch.setattr(training, "require_sklearn", missing)
    res = CliRunner().invoke(cli, ["eval", "tests/data/dev.jsonl", "--by-writer"])
    assert res.exit_code == 2
    assert "scikit-learn" in res.output


# --- floors ----------------------------------------------------------------------------------

# Measured with the shipped model (see the commit that set them); a regression fails.
DEV_F1_FLOOR = 0.97
TRAIN_F1_FLOOR = 0.95


def _read(path: Path) -> list[Conversation]:
    return [
        Conversation.from_dict(json.loads(line), default_id=str(i))
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.strip()
    ]


def test_dev_floor_with_model(guard: Guard):
    report = score(guard.check_many(_read(ROOT / "tests" / "data" / "dev.jsonl")))
    assert report.overall.f1 >= DEV_F1_FLOOR
    assert report.points_wrong == []


@needs_shared
def test_train_floor_with_model(guard: Guard):
    assert SHARED is not None
    report = score(guard.check_many(_read(SHARED / "eval" / "train.jsonl")))
    assert report.overall.f1 >= TRAIN_F1_FLOOR
    assert report.overall.precision >= 0.95


@needs_shared
def test_false_alarms_on_held_out_corpus_lines(guard: Guard):
    from redline.guard.training import CORPUS_FILES, corpus_conversations, corpus_lines

    assert SHARED is not None
    held_out = corpus_lines(SHARED / "corpora", train=False)
    assert set(held_out) == set(CORPUS_FILES)
    # Every line is checked alone under the strictest profile (free shipping
    # everywhere, COD, cards), so some flags are real (江苏运费收您4元 were the shop
    # free-shipping); rules that need the buyer's turn (a curt 嗯) are not reached.
    flagged_total = lines_total = 0
    for name, items in held_out.items():
        assert all(n % 3 != 0 for n, _ in items)
        convs = corpus_conversations((name, n, t) for n, t in items)
        flagged = sum(1 for _, found in guard.check_many(convs, presend=True) if found)
        assert flagged / len(convs) <= 0.005, (name, flagged, len(convs))
        flagged_total += flagged
        lines_total += len(convs)
    assert flagged_total / lines_total <= 0.005, (flagged_total, lines_total)
