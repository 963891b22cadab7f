"""Importing the platform's penalty notices (违规处罚记录) into the ledger: reader, store, CLI."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from redline.cli import main
from redline.guard.packs import load_rules
from redline.importers.notices import parse_type, read_notices
from redline.importers.records import NoticeRecord, RowError
from redline.importers.text import FileFormatError
from redline.records.ledger import LedgerRules
from redline.store import session
from redline.store.models import ImportRun, PenaltyNotice
from redline.store.penalties import deductions, import_notices

CN = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=CN)
SAMPLE = Path(__file__).parent / "data" / "notices_sample.csv"  # GBK, a title row on top


def notices(engine: Engine) -> list[PenaltyNotice]:
    with session(engine) as s:
        return list(s.scalars(select(PenaltyNotice).order_by(PenaltyNotice.at)))


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


# --- the reader -------------------------------------------------------------------------------


def test_sample_is_gbk_and_reads_with_its_lines() -> None:
    raw = SAMPLE.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    raw.decode("gbk")
    got = list(read_notices(SAMPLE))
    good = [r for r in got if isinstance(r, NoticeRecord)]
    bad = {r.line: r.reason for r in got if isinstance(r, RowError)}
    assert [(r.line, r.points, r.type, r.notice_no) for r in good] == [
        (3, 6, "general", "20261005001"),  # ="…" wrapper dropped
        (4, 3, "commitment", "20261012002"),  # 3分
        (5, 12, "severe", "20261018003"),
        (6, 2, "misinformation", None),  # no number
        (7, 2, "misinformation", "20261022005"),  # English code
        (11, 6, "general", "20261005001"),  # line 3 again
    ]
    assert good[1].at == datetime(2026, 10, 12, 9, 30, tzinfo=CN)  # 2026/10/12 9:30
    assert good[2].at == datetime(2026, 10, 18, 14, 20, tzinfo=CN)  # 2026年10月18日 14:20
    assert good[3].note == "商品标题含违禁词“全网最低价”"
    assert sorted(bad) == [8, 9, 10]
    assert "abc" in bad[8] and "警告" in bad[9] and "处罚时间为空" in bad[10]


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("一般违规", "general"),
        ("违背承诺", "commitment"),
        ("滥发信息", "misinformation"),
        ("严重违规", "severe"),
        ("一般违规-违背承诺", "commitment"),
        ("严重违规行为", "severe"),
        ("Severe", "severe"),
        (" general ", "general"),
    ],
)
def test_types(cell: str, code: str) -> None:
    assert parse_type(cell) == code


def test_headers_by_alias_and_missing_columns() -> None:
    data = csv_bytes("扣分时间,分值,扣分类型,说明\n2026-10-03 10:00,2,严重违规,测试\n")
    [rec] = list(read_notices(data, name="n.csv"))
    assert isinstance(rec, NoticeRecord)
    assert (rec.points, rec.type, rec.note, rec.notice_no) == (2, "severe", "测试", None)
    with pytest.raises(FileFormatError) as info:
        read_notices(csv_bytes("时间,分数\n2026-10-03,2\n"), name="x.csv")
    message = str(info.value)
    assert "x.csv" in message and "违规类型" in message and "扣分时间" in message


def test_points_must_be_positive_whole_numbers() -> None:
    data = csv_bytes(
        "违规时间,扣分,类型\n2026-10-03,0,一般违规\n2026-10-03,1.5,一般违规\n2026-10-03,-2,一般违规\n"
    )
    assert [r.line for r in read_notices(data) if isinstance(r, RowError)] == [2, 3, 4]


# --- the store --------------------------------------------------------------------------------


def test_import_is_idempotent_and_reports_bad_rows(engine: Engine) -> None:
    first = import_notices(engine, read_notices(SAMPLE), path=SAMPLE, by="店长", now=NOW)
    assert (first.accepted, first.updated, first.unchanged) == (5, 0, 1)
    assert [e.line for e in first.errors] == [8, 9, 10]
    again = import_notices(engine, read_notices(SAMPLE), path=SAMPLE, by="店长", now=NOW)
    assert (again.accepted, again.updated, again.unchanged, again.rejected) == (0, 0, 6, 3)
    stored = notices(engine)
    assert len(stored) == 5
    assert {n.source for n in stored} == {"notices_sample.csv"}
    assert {n.entered_by for n in stored} == {"店长"}
    assert stored[0].notice_no == "20261005001" and stored[0].at == datetime(
        2026, 10, 5, 10, 0, tzinfo=CN
    )
    with session(engine) as s:  # only the import that changed something is logged
        assert s.scalar(select(func.count()).select_from(ImportRun)) == 1


def test_ledger_reflects_imported_points(engine: Engine) -> None:
    import_notices(engine, read_notices(SAMPLE), path=SAMPLE, now=NOW)
    import_notices(engine, read_notices(SAMPLE), path=SAMPLE, now=NOW)  # twice: no double count
    rs = load_rules()
    with session(engine) as s:
        found = deductions(s, rs)
    st = LedgerRules.from_settings(rs.settings).standing(found, datetime(2026, 10, 31, tzinfo=CN))
    # general 6 + 违背承诺 3 + 滥发信息 2 + 2 count on the general track, 7 on 违背承诺/滥发信息
    assert (st.general_points, st.commitment_points, st.severe_points) == (13, 7, 12)
    assert [(x.type, x.node) for x in st.sanctions] == [("severe", 12), ("general", 12)]


def test_xlsx(engine: Engine) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["店铺违规记录"])
    sheet.append(["处罚编号", "扣分时间", "分值", "扣分类型", "处罚原因"])
    sheet.append(["P-001", datetime(2026, 10, 8, 15, 30), 6, "一般违规", "延迟发货"])
    sheet.append(["P-002", datetime(2026, 10, 9, 9, 0), 12.0, "严重违规", "泄露他人信息"])
    sheet.append(["P-003", datetime(2026, 10, 9, 9, 0), "x", "严重违规", "坏行"])
    buf = io.BytesIO()
    book.save(buf)
    records = list(read_notices(buf.getvalue(), name="notices.xlsx"))
    assert [r.line for r in records if isinstance(r, RowError)] == [5]
    report = import_notices(engine, iter(records), now=NOW)
    assert (report.accepted, report.rejected) == (2, 1)
    assert [(n.notice_no, n.points, n.type, n.at) for n in notices(engine)] == [
        ("P-001", 6, "general", datetime(2026, 10, 8, 15, 30, tzinfo=CN)),
        ("P-002", 12, "severe", datetime(2026, 10, 9, 9, 0, tzinfo=CN)),
    ]


def test_keys_without_and_with_numbers(engine: Engine) -> None:
    plain = csv_bytes(
        "违规时间,扣分,违规类型,违规原因\n"
        "2026-10-03 10:00,2,滥发信息,标题  违禁词\n"
        "2026-10-04 10:00,6,一般违规,延迟发货\n"
    )
    assert import_notices(engine, read_notices(plain), now=NOW).accepted == 2
    # The same notices copied again (note re-wrapped): nothing new.
    again = csv_bytes(
        "违规时间,扣分,违规类型,违规原因\n"
        "2026/10/3 10:00,2,滥发信息,标题 违禁词\n"
        "2026-10-04 10:00:00,6,一般违规,延迟发货\n"
    )
    assert import_notices(engine, read_notices(again), now=NOW).unchanged == 2
    # Later exported with their numbers: the stored notices take them, none is added.
    numbered = csv_bytes(
        "处罚编号,违规时间,扣分,违规类型,违规原因\n"
        "N1,2026-10-03 10:00,2,滥发信息,标题  违禁词\n"
        "N2,2026-10-04 10:00,6,一般违规,延迟发货\n"
    )
    r = import_notices(engine, read_notices(numbered), now=NOW)
    assert (r.accepted, r.updated) == (0, 2)
    assert [n.notice_no for n in notices(engine)] == ["N1", "N2"]
    # A newer export of N2 with corrected points updates it; a clash within a file is an error.
    newer = csv_bytes(
        "处罚编号,违规时间,扣分,违规类型,违规原因\n"
        "N2,2026-10-04 10:00,3,一般违规,延迟发货（申诉后改判）\n"
        "N2,2026-10-04 10:00,6,一般违规,延迟发货\n"
    )
    r = import_notices(engine, read_notices(newer), now=NOW)
    assert (r.accepted, r.updated) == (0, 1)
    assert [(e.line, "第 2 行" in e.reason) for e in r.errors] == [(3, True)]
    assert [n.points for n in notices(engine)] == [2, 3]


def test_an_import_that_fails_halfway_leaves_nothing(engine: Engine) -> None:
    def records() -> Iterator[NoticeRecord | RowError]:
        yield from read_notices(SAMPLE)
        raise KeyboardInterrupt  # Ctrl-C after every row was read and added

    with pytest.raises(KeyboardInterrupt):
        import_notices(engine, records(), path=SAMPLE, now=NOW)
    assert notices(engine) == []
    assert import_notices(engine, read_notices(SAMPLE), path=SAMPLE, now=NOW).accepted == 5


# --- the command ------------------------------------------------------------------------------


def test_ledger_import_command(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    runner = CliRunner()
    first = runner.invoke(main, ["ledger", "import", str(SAMPLE), "--db", db, "--by", "店长"])
    assert first.exit_code == 0, first.output
    assert "新增 5" in first.stdout and "拒绝 3" in first.stdout
    assert "第 8 行" in first.stderr and "第 9 行" in first.stderr and "第 10 行" in first.stderr
    second = runner.invoke(main, ["ledger", "import", str(SAMPLE), "--db", db, "--format", "json"])
    data = json.loads(second.stdout)
    assert (data["accepted"], data["unchanged"], data["rejected"]) == (0, 6, 3)
    assert data["errors"][0] == {"line": 8, "reason": data["errors"][0]["reason"]}
    standing = json.loads(
        runner.invoke(
            main, ["ledger", "--db", db, "--at", "2026-10-31 20:00", "--format", "json"]
        ).stdout
    )
    assert standing["points"]["general"] == 13 and standing["points"]["severe"] == 12
    bad = tmp_path / "bad.csv"
    bad.write_text("时间,分数\n", encoding="utf-8")
    refused = runner.invoke(main, ["ledger", "import", str(bad), "--db", db])
    assert refused.exit_code == 2 and "缺少必需的列" in refused.output
