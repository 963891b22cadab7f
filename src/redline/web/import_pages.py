"""``/imports`` (admin, supervisor): upload a shop export and read the import report.

The answer is the CLI's report (``redline import …``): accepted / updated / unchanged /
rejected and each bad row as ``第 N 行：…``. After a chat import, ``运行质检`` runs the
batch QA (``redline qa``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from redline.desk.policy import china_iso
from redline.display import cell
from redline.importers.text import FileFormatError
from redline.store.accounts import (
    audit,
)
from redline.store.imports import MAX_REPORTED_ERRORS, ImportReport
from redline.store.models import (
    ImportRun,
)
from redline.web.render import render
from redline.web.upload import Upload, receive_upload
from redline.web.views import (
    SHOP,
    changing,
    dual,
    form_guard,
    reading,
    require,
)

log = logging.getLogger(__name__)


#: Import kinds: (zh, en) names, as ``redline import <kind>``.
KINDS: dict[str, tuple[str, str]] = {
    "orders": ("订单报表 ExportOrderList*.csv", "Order report"),
    "items": ("宝贝报表 ExportOrderDetailList*.csv", "Item report"),
    "refunds": ("退款报表 .xlsx/.xls/.csv", "Refund report"),
    "chats": ("聊天记录 千牛 TXT / JSONL", "Chat log"),
}


ERROR_LINES = MAX_REPORTED_ERRORS  # bad rows listed on the page, as the CLI prints them


def run_import(request: Request, kind: str, path: Path) -> ImportReport:
    """``redline import <kind> FILE``, in this process (call it in a worker thread)."""
    from redline.importers.chats import read_chats
    from redline.importers.orders import read_items, read_orders
    from redline.importers.refunds import read_refunds
    from redline.store.imports import import_chats, import_items, import_orders, import_refunds

    engine = request.app.state.engine
    if kind == "orders":
        return import_orders(engine, read_orders(path), path=path)
    if kind == "items":
        return import_items(engine, read_items(path), path=path)
    if kind == "refunds":
        # The cases behind the refunds are opened or moved in the same transaction,
        # as of now (China time), as `redline import refunds` does.
        now = request.app.state.policy.china_now()
        return import_refunds(engine, read_refunds(path), path=path, now=now)
    source = "jsonl" if path.suffix.lower() in (".jsonl", ".json") else "qianniu_txt"
    return import_chats(engine, read_chats(path), path=path, source=source)


def report_json(report: ImportReport, name: str) -> dict[str, Any]:
    """The CLI's report (``print_report``) as data: the counts, the summary lines
    and each bad row as ``第 N 行：…``."""
    data = report.to_dict()
    data["file"] = name
    summary = (
        f"{name}：新增 {report.accepted}，更新 {report.updated}，"
        f"未变 {report.unchanged}，拒绝 {report.rejected}"
    )
    if report.stale:
        summary += f"，旧数据跳过 {report.stale}"
    data["summary"] = summary
    data["summary_en"] = (
        f"accepted {report.accepted}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {report.rejected}{f', stale {report.stale}' if report.stale else ''}"
    )
    data["cases_line"] = (
        f"售后单：新开 {report.cases_opened}，状态更新 {report.cases_changed}"
        if report.kind == "refunds"
        else None
    )
    data["error_lines"] = [
        f"第 {e.line} 行：{cell(e.reason, 120)}" for e in report.errors[:ERROR_LINES]
    ]
    data["empty"] = not (
        report.accepted or report.updated or report.unchanged or report.stale or report.rejected
    )
    data["qa_offer"] = report.kind == "chats"
    return data


async def do_import(request: Request, actor: str, kind: str, upload: Upload) -> dict[str, Any]:
    if kind not in KINDS:
        raise HTTPException(
            422, f"未知的导入类型 {kind!r}，可选：{'、'.join(KINDS)} (unknown import kind)"
        )
    if upload.path is None or upload.name is None:
        raise HTTPException(400, "请选择要导入的文件 (no file chosen)")
    try:
        report = await run_in_threadpool(run_import, request, kind, upload.path)
    except FileFormatError as exc:
        raise HTTPException(400, str(exc)) from None
    except OSError as exc:
        raise HTTPException(400, f"无法读取文件：{exc.strerror or exc}") from None
    except SQLAlchemyError:
        log.exception("import of %s (%s) failed", upload.name, kind)
        raise HTTPException(
            500, "数据库出错，本次导入未生效，请稍后重试 (database error: nothing was imported)"
        ) from None
    data = report_json(report, upload.name)

    def record() -> None:
        with changing(request) as s:
            audit(s, actor, "import", upload.name, f"{kind}: {data['summary_en']}")

    await run_in_threadpool(record)
    return data


def run_batch_qa(request: Request, actor: str) -> dict[str, Any]:
    """``redline qa``: check every imported chat not yet checked with the loaded packs."""
    from redline.store.qa import STATUSES, counts_by_status, rules_fingerprint, run_qa

    state = request.app.state
    report = run_qa(
        state.engine,
        state.guard,
        rules_fingerprint(state.rules_dirs),
        now=state.policy.china_now(),
    )
    with changing(request) as s:
        counts = counts_by_status(s)
        audit(s, actor, "qa_run", None, f"checked {report.checked}, new {report.new_findings}")
    summary = (
        f"检查会话 {report.checked} 个（已是最新 {report.up_to_date} 个），"
        f"新发现问题 {report.new_findings} 处，移除 {report.removed} 处"
    )
    statuses = "，".join(f"{STATUSES[k][0]} {counts.get(k, 0)}" for k in STATUSES)
    return {
        **report.to_dict(),
        "status_counts": counts,
        "summary": summary,
        "statuses": "问题状态：" + statuses,
    }


UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


def register(app: FastAPI) -> None:
    @dual(app, "/imports", "imports.html", roles=SHOP, active="imports", tags=["imports"])
    def imports_page(request: Request) -> dict[str, Any]:
        """导入记录与上传表单 (past imports)"""
        with reading(request) as s:
            runs = list(s.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(100)))
        return {
            "kinds": [{"kind": k, "name": v} for k, v in KINDS.items()],
            "upload_max_mib": request.app.state.settings.upload_max_mib,
            "runs": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "kind_name": KINDS.get(r.kind, (r.kind, r.kind)),
                    "file_name": r.file_name,
                    "sha256": r.sha256,
                    "finished_at": china_iso(r.finished_at),
                    "accepted": r.accepted,
                    "updated": r.updated,
                    "unchanged": r.unchanged,
                    "rejected": r.rejected,
                }
                for r in runs
            ],
        }

    def page(request: Request, status: int = 200, **extra: Any) -> HTMLResponse:
        data = imports_page(request=request)
        return render(
            request, "imports.html", {"data": data, "active": "imports", **data, **extra}, status
        )

    @app.post(
        "/api/imports",
        tags=["imports"],
        summary="上传并导入一个导出文件 (upload and import an export)",
        openapi_extra=UPLOAD_BODY,
        responses={
            400: {"description": "文件无法读取或缺少必需的列 (unreadable file)"},
            413: {"description": "文件过大 (file too large)"},
        },
    )
    async def import_api(
        request: Request,
        kind: str = Query(..., description="orders | items | refunds | chats"),
    ) -> JSONResponse:
        user = require(request, SHOP)
        if kind not in KINDS:
            raise HTTPException(
                422, f"未知的导入类型 {kind!r}，可选：{'、'.join(KINDS)} (unknown import kind)"
            )
        upload = await receive_upload(request)
        try:
            return JSONResponse(await do_import(request, user.name, kind, upload))
        finally:
            upload.discard()

    @app.post("/imports", include_in_schema=False)
    async def import_form(request: Request) -> Response:
        require(request, SHOP)
        kind = ""
        try:
            upload = await receive_upload(request)
        except HTTPException as exc:
            if exc.status_code not in (400, 413, 415):
                raise
            return await run_in_threadpool(page, request, exc.status_code, error=exc.detail)
        try:
            user = form_guard(request, SHOP, upload.fields.get("csrf_token"))
            kind = upload.fields.get("kind", "")
            report = await do_import(request, user.name, kind, upload)
        except HTTPException as exc:
            if exc.status_code not in (400, 413, 415, 422):
                raise
            return await run_in_threadpool(
                page, request, exc.status_code, error=exc.detail, selected=kind
            )
        finally:
            upload.discard()
        return await run_in_threadpool(page, request, 200, report=report, selected=kind)

    @app.post(
        "/api/qa/run",
        tags=["qa"],
        summary="质检：检查所有尚未检查的已导入会话 (run the batch QA)",
    )
    def qa_run_api(request: Request) -> JSONResponse:
        user = require(request, SHOP)
        return JSONResponse(run_batch_qa(request, user.name))

    @app.post("/imports/qa", include_in_schema=False)
    def qa_run_form(request: Request, csrf_token: str = Form("")) -> Response:
        user = form_guard(request, SHOP, csrf_token)
        result = run_batch_qa(request, user.name)
        return page(request, 200, qa=result)
