"""Options and helpers every command group shares: the store, time, format, rules, output.

A command module imports from here and from :mod:`redline.cli.table`, never from another
command module.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from redline.cli.table import BadInput
from redline.desk import cases as rules
from redline.desk.policy import Policy, parse_duration
from redline.display import cell
from redline.guard.engine import Guard
from redline.guard.learned import ModelError
from redline.importers.text import FileFormatError
from redline.store import describe, open_store, resolve_url
from redline.store.imports import MAX_REPORTED_ERRORS, ImportReport
from redline.yamlsrc import PackError

F = TypeVar("F", bound=Callable[..., Any])


def db_option(fn: F) -> F:
    return click.option(
        "--db",
        "db_url",
        envvar="REDLINE_DATABASE_URL",
        metavar="URL",
        help="数据库 URL 或 SQLite 文件路径（默认 $REDLINE_DATABASE_URL，否则数据目录下 redline.db）。"
        "Database URL or SQLite path.",
    )(fn)


def at_option(fn: F) -> F:
    return click.option(
        "--at",
        "at_text",
        metavar="TIME",
        help="按此时刻计算（默认现在，中国时间），如 “2026-10-30 09:00”。Evaluate at this time.",
    )(fn)


def format_option(fn: F) -> F:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="输出格式。Output format.",
    )(fn)


def by_option(fn: F) -> F:
    return click.option("--by", "actor", default="", help="操作人（客服名）。Who did it.")(fn)


@contextmanager
def store_errors(url: str | None) -> Iterator[None]:
    """Database trouble as a one-line message (no traceback), exit status 2."""
    try:
        yield
    except SQLAlchemyError as exc:
        where = describe(resolve_url(url))
        raise BadInput(f"数据库出错（{where}）：{str(exc).splitlines()[0]}") from exc


def open_db(url: str | None) -> Engine:
    with store_errors(url):
        return open_store(url)


def when(at_text: str | None) -> datetime:
    policy = Policy.default()
    if not at_text:
        return policy.china_now()
    try:
        return policy.parse_time(at_text)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc


def duration(text: str | None) -> timedelta | None:
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc


def money(value: Decimal | None) -> str:
    return "-" if value is None else f"¥{value:,.2f}"


def local(dt: datetime | None) -> str:
    return "-" if dt is None else Policy.default().to_china(dt).strftime("%m-%d %H:%M")


def gap(due: datetime, at: datetime) -> str:
    size = rules.fmt_delta(due - at)
    return f"逾期 {size}" if at > due else f"剩 {size}"


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def rules_option(fn: F) -> F:
    return click.option(
        "--rules",
        "rules_dirs",
        multiple=True,
        type=click.Path(exists=False),
        help="额外的规则包目录或文件（可多次使用），覆盖或补充内置规则。Extra rule pack dir/file.",
    )(fn)


def lang_option(fn: F) -> F:
    return click.option(
        "--lang",
        type=click.Choice(["zh", "en"]),
        default="zh",
        show_default=True,
        help="说明与建议话术的语言。Language of explanations and suggestions.",
    )(fn)


def load_guard(rules_dirs: Iterable[str], lang: str = "zh", model: bool = True) -> Guard:
    try:
        return Guard.default(list(rules_dirs), lang=lang, model=model)
    except PackError as exc:
        raise BadInput(f"规则包有误: {exc}") from exc
    except ModelError as exc:
        raise BadInput(f"{exc}（可用 --no-model 只用规则检查）") from exc


def no_model_option(fn: F) -> F:
    return click.option(
        "--no-model",
        is_flag=True,
        help="不使用学习层（模型召回），只用规则。Rules only, without the learned layer.",
    )(fn)


def import_options(fn: F) -> F:
    fn = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))(fn)
    fn = db_option(fn)
    fn = click.option(
        "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
    )(fn)
    fn = progress_option(fn)
    return fn


def progress_option(fn: F) -> F:
    return click.option(
        "--progress/--no-progress",
        default=None,
        help="进度：默认在终端显示进度条，输出被重定向时不显示；--progress 总是逐行显示。"
        " Progress: a bar on a terminal, nothing when piped (default); --progress prints lines.",
    )(fn)


class Progress:
    """Progress on stderr: a bar (rich) on a terminal, lines when asked for, else nothing.

    ``wanted``: None = a bar if stderr is a terminal; True = a bar on a terminal, else
    one line per step (for logs); False = nothing. Call it with the count done so far;
    :meth:`close` removes the bar.
    """

    def __init__(self, wanted: bool | None, unit_zh: str, unit_en: str) -> None:
        self.unit_zh, self.unit_en = unit_zh, unit_en
        tty = sys.stderr.isatty()
        self.mode = "off" if wanted is False else "bar" if tty else "lines" if wanted else "off"
        self._bar: Any = None
        self._task: Any = None

    def __bool__(self) -> bool:
        return self.mode != "off"

    def __call__(self, done: int) -> None:
        if self.mode == "lines":
            click.echo(f"已处理 {done} {self.unit_zh} (processed {done} {self.unit_en})", err=True)
            sys.stderr.flush()
        elif self.mode == "bar":
            if self._bar is None:
                from rich.console import Console
                from rich.progress import (
                    Progress as Bar,
                )
                from rich.progress import (
                    SpinnerColumn,
                    TextColumn,
                    TimeElapsedColumn,
                )

                self._bar = Bar(
                    SpinnerColumn(),
                    TextColumn(f"{{task.completed:,}} {self.unit_zh} ({self.unit_en})"),
                    TimeElapsedColumn(),
                    console=Console(stderr=True),
                    transient=True,
                )
                self._bar.start()
                self._task = self._bar.add_task("", total=None)
            self._bar.update(self._task, completed=done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def progress_printer(wanted: bool | None, unit_zh: str = "行", unit_en: str = "rows") -> Progress:
    return Progress(wanted, unit_zh, unit_en)


def run_import(
    fmt: str,
    db_url: str | None,
    fn: Callable[[Engine], ImportReport],
    progress: Progress | None = None,
) -> None:
    engine = open_db(db_url)
    try:
        with store_errors(db_url):
            report = fn(engine)
    except FileFormatError as exc:
        raise BadInput(str(exc)) from exc
    except OSError as exc:
        raise BadInput(f"无法读取文件：{exc}") from exc
    finally:
        if progress is not None:
            progress.close()
    print_report(report, fmt)


def print_report(report: ImportReport, fmt: str) -> None:
    if fmt == "json":
        emit_json(report.to_dict())
        return
    for warning in report.warnings:
        click.echo(f"注意：{warning}", err=True)
    for err in report.errors[:MAX_REPORTED_ERRORS]:
        click.echo(f"第 {err.line} 行：{cell(err.reason, 120)}", err=True)
    if len(report.errors) > MAX_REPORTED_ERRORS:
        more = len(report.errors) - MAX_REPORTED_ERRORS
        click.echo(f"……另有 {more} 行错误未列出 ({more} more not listed)", err=True)
    line = (
        f"{Path(report.file).name}：新增 {report.accepted}，更新 {report.updated}，"
        f"未变 {report.unchanged}，拒绝 {report.rejected}"
    )
    if report.stale:
        line += f"，旧数据跳过 {report.stale}"
    click.echo(line)
    click.echo(
        f"(accepted {report.accepted}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {report.rejected}{f', stale {report.stale}' if report.stale else ''})"
    )
    if report.kind == "refunds":
        click.echo(f"售后单：新开 {report.cases_opened}，状态更新 {report.cases_changed}")
