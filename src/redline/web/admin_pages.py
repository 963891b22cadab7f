"""The shop's admin pages: imports, users and tokens, the audit log, an order with
its buyer data revealed on demand, and the loaded rules.

* ``/imports`` (admin, supervisor): upload an export; the answer is the CLI's
  report (``redline import …``): accepted / updated / unchanged / rejected and each
  bad row as ``第 N 行：…``. The upload is streamed into a private temporary folder
  (never held in memory), capped at ``web_upload_max_mib`` and deleted afterwards.
  After a chat import, ``运行质检`` runs the batch QA (``redline qa``).
* ``/users`` (admin): add users, reset passwords, disable users, create and revoke
  API tokens. A generated password or a new token is shown once, on the page that
  answers the form (only the token's hash is kept). Every change is audited with
  the acting admin as actor.
* ``/audit`` (admin): the append-only audit log, newest first.
* ``/orders/{order_no}`` (admin, supervisor): an order with its items, refunds,
  cases and conversations. Buyer names, phones and addresses are masked; revealing
  one (``POST /api/orders/{order_no}/reveal``) is an audited action.
* ``/rules`` (admin, supervisor): the loaded rules and settings, read-only (what
  ``redline rules`` prints); admins also see the pack files.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

from fastapi import Body, FastAPI, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from redline.desk import cases as case_rules
from redline.desk.policy import china_iso
from redline.display import cell
from redline.guard.packs import RuleSet, bundled_pack_paths, pack_paths
from redline.importers.text import FileFormatError
from redline.notify.robots import mask_phone
from redline.store.accounts import (
    ROLE_ZH,
    ROLES,
    AccountError,
    ApiToken,
    AuditEvent,
    User,
    add_user,
    audit,
    create_token,
    disable_user,
    generate_password,
    principal_by_id,
    revoke_tokens,
    set_password,
)
from redline.store.imports import ImportReport
from redline.store.models import (
    Case,
    ChatMessage,
    Conversation,
    ImportRun,
    Order,
    OrderItem,
    Refund,
)
from redline.web.auth import SessionData, Sessions
from redline.web.masking import mask_address, mask_name
from redline.web.render import render, set_session_cookie
from redline.web.views import (
    ADMIN,
    SHOP,
    back,
    changing,
    dual,
    form_guard,
    reading,
    require,
    user_of,
)

log = logging.getLogger(__name__)

#: Import kinds: (zh, en) names, as ``redline import <kind>``.
KINDS: dict[str, tuple[str, str]] = {
    "orders": ("订单报表 ExportOrderList*.csv", "Order report"),
    "items": ("宝贝报表 ExportOrderDetailList*.csv", "Item report"),
    "refunds": ("退款报表 .xlsx/.xls/.csv", "Refund report"),
    "chats": ("聊天记录 千牛 TXT / JSONL", "Chat log"),
}
#: Revealable buyer fields → the order's column.
REVEAL_FIELDS: dict[str, str] = {
    "phone": "phone",
    "address": "address",
    "name": "receiver_name",
    "nick": "buyer_nick",
}
ACTIONS: dict[str, tuple[str, str]] = {
    "login": ("登录", "login"),
    "login_failed": ("登录失败", "failed login"),
    "reveal": ("查看买家信息", "buyer data revealed"),
    "user_add": ("新增用户", "user added"),
    "password_set": ("重设密码", "password set"),
    "user_disable": ("停用用户", "user disabled"),
    "token_create": ("创建 API 令牌", "API token created"),
    "token_revoke": ("撤销 API 令牌", "API tokens revoked"),
    "import": ("导入文件", "file imported"),
    "qa_run": ("运行质检", "QA run"),
}
SEVERITY: dict[str, tuple[str, str]] = {
    "violation": ("违规", "violation"),
    "warning": ("提醒", "warning"),
    "alert": ("风险", "alert"),
}
LEDGER: dict[str, tuple[str, str]] = {
    "general": ("一般违规", "general"),
    "commitment": ("违背承诺", "commitment"),
    "misinformation": ("滥发信息", "misinformation"),
    "severe": ("严重违规", "severe"),
    "none": ("不计分", "not counted"),
}
ERROR_LINES = 200  # bad rows listed on the page, as the CLI prints them
MAX_FIELD_BYTES = 8 * 1024  # a text field of the upload form (csrf_token, kind)
MAX_PARTS = 20
BODY_SLACK = 1024 * 1024  # multipart framing and the small fields, beyond the file
TOKEN_NOTE = (
    "请立即复制保存：系统只保存令牌的哈希值，关闭本页后无法再次查看。"
    " (Copy it now: only its hash is kept; it cannot be shown again.)"
)
SECRET_WORDS = ("secret", "password", "token", "webhook", "key")


def _money(value: Any) -> str | None:
    return None if value is None else str(value)


def mask_phone_field(value: str | None) -> str:
    """A phone column masked: mobiles as ``138****8000``, anything else keeps its
    first 3 and last 4 characters (landlines the mobile pattern does not catch)."""
    if not value:
        return ""
    masked = mask_phone(value)
    if masked != value:
        return masked
    if len(value) >= 8:
        return value[:3] + "****" + value[-4:]
    return value[:1] + "*" * max(1, len(value) - 1)


# --- uploads ---------------------------------------------------------------------------------


def too_large(mib: int) -> HTTPException:
    return HTTPException(
        413,
        f"文件过大：上传上限为 {mib} MiB（设置 web_upload_max_mib），请拆分后再导入"
        f" (file too large: the limit is {mib} MiB)",
    )


def safe_file_name(raw: str) -> str:
    """The client's file name, reduced to a plain name fit for the file system
    (no folders, no control characters, at most 200 UTF-8 bytes, suffix kept)."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    if name in ("", ".", ".."):
        return "upload"
    stem, suffix = name, ""
    dot = name.rfind(".")
    if dot > 0 and len(name) - dot <= 10:
        stem, suffix = name[:dot], name[dot:]
    stem = stem[:200]
    while stem and len((stem + suffix).encode("utf-8")) > 200:
        stem = stem[:-1]
    return (stem or "upload") + suffix


def _decode_name(raw: bytes) -> str:
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


@dataclass
class Upload:
    """A received multipart form: its text fields and the one file, on disk."""

    folder: Path
    fields: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    name: str | None = None
    size: int = 0

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class _Receiver:
    """python-multipart callbacks: text fields into memory (small), the file part
    into ``folder``. Bytes of the file are queued and written by the caller, in a
    worker thread, after each chunk of the request body."""

    def __init__(self, upload: Upload, limit: int, mib: int) -> None:
        self.upload = upload
        self.limit = limit
        self.mib = mib
        self.pending: list[bytes] = []
        self.fh: IO[bytes] | None = None
        self.ended = False
        self._parts = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._disposition: bytes | None = None
        self._name = ""
        self._is_file = False
        self._skip = False
        self._data = bytearray()

    def on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise HTTPException(400, "表单字段过多 (too many form fields)")
        self._disposition = None
        self._is_file = self._skip = False
        self._data = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if bytes(self._header_name).strip().lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_name = bytearray()
        self._header_value = bytearray()

    def on_headers_finished(self) -> None:
        _kind, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise HTTPException(400, "上传数据缺少字段名 (a form part has no name)")
        self._name = _decode_name(options[b"name"])
        if b"filename" not in options:
            return
        self._is_file = True
        raw = _decode_name(options[b"filename"])
        if not raw:  # the form's file input was left empty
            self._skip = True
            return
        if self.upload.path is not None:
            raise HTTPException(400, "一次只能上传一个文件 (one file per upload)")
        name = safe_file_name(raw)
        self.upload.name = name
        self.upload.path = self.upload.folder / name
        self.fh = self.upload.path.open("xb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            if self._skip:
                return
            self.upload.size += end - start
            if self.upload.size > self.limit:
                raise too_large(self.mib)
            self.pending.append(bytes(data[start:end]))
            return
        if len(self._data) + end - start > MAX_FIELD_BYTES:
            raise HTTPException(400, "表单字段过长 (form field too long)")
        self._data += data[start:end]

    def on_part_end(self) -> None:
        if not self._is_file:
            self.upload.fields.setdefault(self._name, self._data.decode("utf-8", "replace"))

    def on_end(self) -> None:
        self.ended = True


def _write(fh: IO[bytes], chunks: list[bytes]) -> None:
    for chunk in chunks:
        fh.write(chunk)


async def receive_upload(request: Request) -> Upload:
    """Stream a multipart upload to a private temporary folder, enforcing the size
    limit as the bytes arrive. The caller must ``discard()`` the upload."""
    mib: int = request.app.state.settings.upload_max_mib
    limit = mib * 1024 * 1024
    ctype, params = parse_options_header(request.headers.get("content-type"))
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise HTTPException(
            415,
            "请以 multipart/form-data 上传文件（字段 file）(send the file as multipart/form-data)",
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + BODY_SLACK:
        raise too_large(mib)
    upload = Upload(Path(tempfile.mkdtemp(prefix="redline-upload-")))
    recv = _Receiver(upload, limit, mib)
    try:
        parser = MultipartParser(
            params[b"boundary"],
            {
                "on_part_begin": recv.on_part_begin,
                "on_part_data": recv.on_part_data,
                "on_part_end": recv.on_part_end,
                "on_header_field": recv.on_header_field,
                "on_header_value": recv.on_header_value,
                "on_header_end": recv.on_header_end,
                "on_headers_finished": recv.on_headers_finished,
                "on_end": recv.on_end,
            },
        )
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit + BODY_SLACK:
                raise too_large(mib)
            parser.write(chunk)
            if recv.pending and recv.fh is not None:
                chunks, recv.pending = recv.pending, []
                await run_in_threadpool(_write, recv.fh, chunks)
        parser.finalize()
        if recv.pending and recv.fh is not None:
            await run_in_threadpool(_write, recv.fh, recv.pending)
            recv.pending = []
        if not recv.ended:
            raise HTTPException(400, "上传不完整，请重新上传 (the upload is incomplete)")
        if recv.fh is not None:
            recv.fh.close()
            recv.fh = None
    except FormParserError:
        upload.discard()
        raise HTTPException(400, "上传数据格式有误 (malformed multipart data)") from None
    except BaseException:
        upload.discard()
        raise
    finally:
        if recv.fh is not None:
            recv.fh.close()
    return upload


# --- imports ---------------------------------------------------------------------------------


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
    data["errors_more"] = max(0, len(report.errors) - ERROR_LINES)
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


# --- users -----------------------------------------------------------------------------------


def user_json(u: User, tokens: list[ApiToken]) -> dict[str, Any]:
    return {
        "name": u.name,
        "role": u.role,
        "role_name": (ROLE_ZH.get(u.role, u.role), u.role),
        "agent_account": u.agent_account,
        "created_at": china_iso(u.created_at),
        "disabled_at": china_iso(u.disabled_at),
        "disabled": u.disabled_at is not None,
        "active_tokens": sum(1 for t in tokens if t.revoked_at is None),
        "tokens": [
            {
                "id": t.id,
                "label": t.label,
                "created_at": china_iso(t.created_at),
                "revoked_at": china_iso(t.revoked_at),
            }
            for t in tokens
        ],
    }


def _account_error(exc: AccountError) -> HTTPException:
    text = str(exc)
    if text.startswith("没有用户"):
        return HTTPException(404, text)
    if "已存在" in text:
        return HTTPException(409, text)
    return HTTPException(422, text)


def _one_user(request: Request, name: str) -> dict[str, Any]:
    with reading(request) as s:
        u = s.scalar(select(User).where(User.name == name))
        if u is None:
            raise HTTPException(404, f"没有用户 {name}")
        tokens = list(s.scalars(select(ApiToken).where(ApiToken.user_id == u.id)))
        return user_json(u, tokens)


def create_user(
    request: Request,
    actor: str,
    name: str,
    role: str,
    agent_account: str | None,
    password: str | None,
) -> tuple[dict[str, Any], str | None]:
    """Add a user; returns (the user, the generated password or None)."""
    generated = None if password else generate_password()
    try:
        with changing(request) as s:
            p = add_user(
                s,
                name,
                role,
                password or generated or "",
                agent_account=(agent_account or "").strip() or None,
                actor=actor,
            )
    except AccountError as exc:
        raise _account_error(exc) from None
    return _one_user(request, p.name), generated


def reset_password(request: Request, actor: str, name: str, password: str | None) -> str | None:
    """Set a user's password (their sessions end); returns the generated one or None."""
    generated = None if password else generate_password()
    try:
        with changing(request) as s:
            set_password(s, name, password or generated or "", actor=actor)
    except AccountError as exc:
        raise _account_error(exc) from None
    return generated


def disable(request: Request, actor: str, name: str) -> None:
    if name == actor:
        raise HTTPException(409, "不能停用自己的账号 (you cannot disable yourself)")
    try:
        with changing(request) as s:
            disable_user(s, name, actor=actor)
    except AccountError as exc:
        raise _account_error(exc) from None
    request.app.state.tokens.clear()  # their tokens stop working now, not in 10 s


def new_token(request: Request, actor: str, name: str, label: str | None) -> str:
    try:
        with changing(request) as s:
            return create_token(s, name, (label or "").strip() or None, actor=actor)
    except AccountError as exc:
        raise _account_error(exc) from None


def revoke(request: Request, actor: str, name: str) -> int:
    try:
        with changing(request) as s:
            n = revoke_tokens(s, name, actor=actor)
    except AccountError as exc:
        raise _account_error(exc) from None
    request.app.state.tokens.clear()
    return n


def _keep_own_session(request: Request, response: Response) -> None:
    """After admins change their own password: a new cookie for the new epoch, so
    resetting one's own password does not log one out."""
    data: SessionData | None = getattr(request.state, "session", None)
    user = user_of(request)
    if getattr(request.state, "via", None) != "cookie" or data is None:
        return
    with reading(request) as s:
        p = principal_by_id(s, user.id)
    if p is None:
        return
    sessions: Sessions = request.app.state.sessions
    fresh = SessionData(p.id, p.epoch, data.csrf, data.lang)
    set_session_cookie(request, response, sessions.dumps(fresh))


# --- orders ----------------------------------------------------------------------------------


def order_data(request: Request, order_no: str) -> dict[str, Any]:
    """An order with buyer data masked, its items, refunds, cases and chats."""
    with reading(request) as s:
        o = s.get(Order, order_no)
        items = list(
            s.scalars(
                select(OrderItem).where(OrderItem.order_no == order_no).order_by(OrderItem.position)
            )
        )
        refunds = list(
            s.scalars(select(Refund).where(Refund.order_no == order_no).order_by(Refund.applied_at))
        )
        refund_nos = [r.refund_no for r in refunds]
        case_q = select(Case).where(
            or_(Case.order_no == order_no, Case.refund_no.in_(refund_nos))
            if refund_nos
            else Case.order_no == order_no
        )
        found_cases = list(s.scalars(case_q.order_by(Case.opened_at)))
        conv_filter = Conversation.order_no == order_no
        if o is not None and o.buyer_nick:
            conv_filter = or_(conv_filter, Conversation.buyer_nick == o.buyer_nick)
        convs = list(
            s.scalars(
                select(Conversation)
                .where(conv_filter)
                .order_by(Conversation.started_at.desc())
                .limit(50)
            )
        )
        counts = dict(
            s.execute(
                select(ChatMessage.conversation_id, func.count())
                .where(ChatMessage.conversation_id.in_([c.id for c in convs]))
                .group_by(ChatMessage.conversation_id)
            ).all()
        )
    if o is None and not (refunds or found_cases or convs):
        raise HTTPException(404, f"没有订单 {order_no} (no such order)")
    order: dict[str, Any] | None = None
    if o is not None:
        order = {
            "buyer": mask_name(o.buyer_nick),
            "receiver_name": mask_name(o.receiver_name),
            "phone": mask_phone_field(o.phone),
            "address": mask_address(o.address),
            "present": {f: bool(getattr(o, col)) for f, col in REVEAL_FIELDS.items()},
            "status": o.status,
            "goods_amount": _money(o.goods_amount),
            "shipping_fee": _money(o.shipping_fee),
            "total_amount": _money(o.total_amount),
            "paid_amount": _money(o.paid_amount),
            "refund_amount": _money(o.refund_amount),
            "created_at": china_iso(o.created_at),
            "paid_at": china_iso(o.paid_at),
            "shipped_at": china_iso(o.shipped_at),
            "confirmed_at": china_iso(o.confirmed_at),
            "shipping_method": o.shipping_method,
            "tracking_no": o.tracking_no,
            "carrier": o.carrier,
            "title": o.title,
            "quantity": o.quantity,
            "buyer_message": mask_phone(o.buyer_message) if o.buyer_message else None,
            "seller_memo": mask_phone(o.seller_memo) if o.seller_memo else None,
            "shop_name": o.shop_name,
            "close_reason": o.close_reason,
            "invoice_title": o.invoice_title,
            "presale": o.presale,
            "cod": o.cod,
        }
    return {
        "order_no": order_no,
        "order": order,
        "items": [
            {
                "position": i.position,
                "title": i.title,
                "price": _money(i.price),
                "quantity": i.quantity,
                "sku": i.sku,
                "outer_id": i.outer_id,
                "status": i.status,
            }
            for i in items
        ],
        "refunds": [
            {
                "refund_no": r.refund_no,
                "status": r.status,
                "applied_at": china_iso(r.applied_at),
                "refund_amount": _money(r.refund_amount),
                "need_return": r.need_return,
                "reason": r.reason,
                "description": mask_phone(r.description) if r.description else None,
                "return_tracking_no": r.return_tracking_no,
                "buyer": mask_name(r.buyer_nick),
            }
            for r in refunds
        ],
        "cases": [
            {
                "id": c.id,
                "kind": c.kind,
                "kind_name": case_rules.KINDS.get(c.kind, (c.kind, c.kind)),
                "state": c.state,
                "state_name": case_rules.STATES.get(c.state, (c.state, c.state)),
                "refund_no": c.refund_no,
                "opened_at": china_iso(c.opened_at),
                "closed": c.closed_at is not None,
            }
            for c in found_cases
        ],
        "conversations": [
            {
                "id": c.id,
                "buyer": mask_name(c.buyer_nick),
                "order_no": c.order_no,
                "started_at": china_iso(c.started_at),
                "messages": counts.get(c.id, 0),
            }
            for c in convs
        ],
        "revealed": None,
    }


def reveal(request: Request, actor: str, order_no: str, what: str) -> str | None:
    """The raw value of one buyer field; writes an audit event ``reveal``."""
    column = REVEAL_FIELDS.get(what)
    if column is None:
        raise HTTPException(
            422, f"未知字段 {what!r}，可选：{'、'.join(REVEAL_FIELDS)} (unknown field)"
        )
    with changing(request) as s:
        o = s.get(Order, order_no)
        if o is None:
            raise HTTPException(404, f"没有订单 {order_no} (no such order)")
        value: str | None = getattr(o, column)
        audit(s, actor, "reveal", order_no, what)
    return value


# --- rules -----------------------------------------------------------------------------------


def rules_data(rs: RuleSet, rules_dirs: tuple[str, ...], admin: bool, category: str | None) -> Any:
    """What ``redline rules`` prints (and the settings), for the page."""
    rows = []
    for rule in rs.rules.values():
        if category and rule.category != category:
            continue
        cat = rs.categories[rule.category]
        severity = rule.severity or cat.severity
        raw = rule.points if rule.points is not None else cat.points
        points = rs.points_value(raw) if severity == "violation" else 0
        rows.append(
            {
                "id": rule.id,
                "category": rule.category,
                "name": (cat.name_zh, cat.name_en),
                "severity": severity,
                "severity_name": SEVERITY.get(severity, (severity, severity)),
                "points": points,
                "conditional_points": bool(rule.points_when),
                "enabled": rule.enabled,
                "ledger": cat.ledger,
                "ledger_name": LEDGER.get(cat.ledger, (cat.ledger, cat.ledger)),
                "source": f"{Path(rule.source.path).name}:{rule.source.line}",
                "explanation": rule.explanation,
                "explanation_en": rule.explanation_en,
            }
        )
    settings = [
        {
            "key": k,
            "value": "******" if any(w in k.lower() for w in SECRET_WORDS) else v,
        }
        for k, v in sorted(rs.settings.items())
    ]
    data: dict[str, Any] = {
        "packs": list(rs.packs),
        "rules": rows,
        "total": len(rows),
        "categories": {k: (c.name_zh, c.name_en) for k, c in rs.categories.items()},
        "filters": {"category": category},
        "settings": settings,
        "files": None,
    }
    if admin:
        data["files"] = [str(p) for p in [*bundled_pack_paths(), *pack_paths(rules_dirs)]]
    return data


# --- routes ----------------------------------------------------------------------------------

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
    _imports(app)
    _users(app)
    _audit(app)
    _orders(app)
    _rules(app)


def _imports(app: FastAPI) -> None:
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


def _users(app: FastAPI) -> None:
    @dual(app, "/users", "users.html", roles=ADMIN, active="users", tags=["users"])
    def admin_users(request: Request) -> dict[str, Any]:
        """用户、角色与 API 令牌 (users and their tokens)"""
        with reading(request) as s:
            users = list(s.scalars(select(User).order_by(User.name)))
            by_user: dict[int, list[ApiToken]] = defaultdict(list)
            for t in s.scalars(select(ApiToken).order_by(ApiToken.id)):
                by_user[t.user_id].append(t)
        return {
            "users": [user_json(u, by_user.get(u.id, [])) for u in users],
            "roles": [{"role": r, "name": (ROLE_ZH[r], r)} for r in ROLES],
        }

    def page(request: Request, secret: dict[str, Any] | None = None) -> HTMLResponse:
        data = admin_users(request=request)
        return render(
            request, "users.html", {"data": data, "active": "users", **data, "secret": secret}
        )

    # JSON -----------------------------------------------------------------------------------

    @app.post(
        "/api/users",
        tags=["users"],
        status_code=201,
        summary="新增用户；不给密码则生成一个，只返回这一次 (add a user)",
    )
    def create_user_api(
        request: Request,
        name: str = Body(..., embed=True, max_length=80),
        role: str = Body(..., embed=True, pattern="^(admin|supervisor|agent)$"),
        agent_account: str | None = Body(None, embed=True, max_length=120),
        password: str | None = Body(None, embed=True, max_length=256),
    ) -> JSONResponse:
        actor = require(request, ADMIN)
        user, generated = create_user(request, actor.name, name, role, agent_account, password)
        return JSONResponse({"user": user, "password": generated}, status_code=201)

    @app.post(
        "/api/users/{name:path}/password",
        tags=["users"],
        summary="重设密码；不给则生成一个 (set a password)",
    )
    def password_api(
        request: Request,
        name: str,
        password: str | None = Body(None, embed=True, max_length=256),
    ) -> JSONResponse:
        actor = require(request, ADMIN)
        generated = reset_password(request, actor.name, name, password)
        response = JSONResponse({"user": name, "password": generated})
        if name == actor.name:
            _keep_own_session(request, response)
        return response

    @app.post("/api/users/{name:path}/disable", tags=["users"], summary="停用用户 (disable)")
    def disable_api(request: Request, name: str) -> JSONResponse:
        actor = require(request, ADMIN)
        disable(request, actor.name, name)
        return JSONResponse({"user": _one_user(request, name)})

    @app.post(
        "/api/users/{name:path}/tokens",
        tags=["users"],
        status_code=201,
        summary="创建 API 令牌，只显示这一次 (create an API token)",
    )
    def token_api(
        request: Request,
        name: str,
        label: str | None = Body(None, embed=True, max_length=120),
    ) -> JSONResponse:
        actor = require(request, ADMIN)
        token = new_token(request, actor.name, name, label)
        return JSONResponse({"user": name, "token": token, "note": TOKEN_NOTE}, status_code=201)

    @app.post(
        "/api/users/{name:path}/tokens/revoke",
        tags=["users"],
        summary="撤销该用户的全部 API 令牌 (revoke a user's tokens)",
    )
    def revoke_api(request: Request, name: str) -> JSONResponse:
        actor = require(request, ADMIN)
        return JSONResponse({"user": name, "revoked": revoke(request, actor.name, name)})

    # forms ----------------------------------------------------------------------------------

    def failed(request: Request, exc: HTTPException) -> Response:
        if exc.status_code in (404, 409, 422):
            return back(request, "/users", str(exc.detail))
        raise exc

    @app.post("/users", include_in_schema=False)
    def create_user_form(
        request: Request,
        name: str = Form(..., max_length=80),
        role: str = Form(...),
        agent_account: str = Form("", max_length=120),
        password: str = Form("", max_length=256),
        csrf_token: str = Form(""),
    ) -> Response:
        actor = form_guard(request, ADMIN, csrf_token)
        try:
            user, generated = create_user(
                request, actor.name, name, role, agent_account, password or None
            )
        except HTTPException as exc:
            return failed(request, exc)
        if generated is None:
            return back(request, "/users", f"已新增用户 {user['name']} (user added)")
        return page(request, {"kind": "password", "user": user["name"], "value": generated})

    @app.post("/users/{name:path}/password", include_in_schema=False)
    def password_form(
        request: Request,
        name: str,
        password: str = Form("", max_length=256),
        csrf_token: str = Form(""),
    ) -> Response:
        actor = form_guard(request, ADMIN, csrf_token)
        try:
            generated = reset_password(request, actor.name, name, password or None)
        except HTTPException as exc:
            return failed(request, exc)
        response: Response
        if generated is None:
            response = back(request, "/users", f"已重设 {name} 的密码 (password set)")
        else:
            response = page(request, {"kind": "password", "user": name, "value": generated})
        if name == actor.name:
            _keep_own_session(request, response)
        return response

    @app.post("/users/{name:path}/disable", include_in_schema=False)
    def disable_form(request: Request, name: str, csrf_token: str = Form("")) -> Response:
        actor = form_guard(request, ADMIN, csrf_token)
        try:
            disable(request, actor.name, name)
        except HTTPException as exc:
            return failed(request, exc)
        return back(request, "/users", f"已停用 {name}，其令牌已撤销 (disabled)")

    @app.post("/users/{name:path}/tokens", include_in_schema=False)
    def token_form(
        request: Request,
        name: str,
        label: str = Form("", max_length=120),
        csrf_token: str = Form(""),
    ) -> Response:
        actor = form_guard(request, ADMIN, csrf_token)
        try:
            token = new_token(request, actor.name, name, label)
        except HTTPException as exc:
            return failed(request, exc)
        return page(request, {"kind": "token", "user": name, "value": token})

    @app.post("/users/{name:path}/tokens/revoke", include_in_schema=False)
    def revoke_form(request: Request, name: str, csrf_token: str = Form("")) -> Response:
        actor = form_guard(request, ADMIN, csrf_token)
        try:
            n = revoke(request, actor.name, name)
        except HTTPException as exc:
            return failed(request, exc)
        return back(request, "/users", f"已撤销 {name} 的 {n} 个令牌 (tokens revoked)")


def _audit(app: FastAPI) -> None:
    @dual(app, "/audit", "audit.html", roles=ADMIN, active="users", tags=["users"])
    def admin_audit(
        request: Request,
        action: str | None = Query(None, max_length=30),
        actor: str | None = Query(None, max_length=80),
        before: int | None = Query(None, ge=1, description="只看编号小于此值的事件（翻页）"),
        limit: int = Query(200, ge=1, le=1000),
    ) -> dict[str, Any]:
        """审计日志：登录、查看买家信息、用户与令牌变更，最新在前 (the audit log)"""
        q = select(AuditEvent)
        if action:
            q = q.where(AuditEvent.action == action)
        if actor:
            q = q.where(AuditEvent.actor == actor)
        if before:
            q = q.where(AuditEvent.id < before)
        with reading(request) as s:
            events = list(s.scalars(q.order_by(AuditEvent.id.desc()).limit(limit)))
            seen = set(s.scalars(select(AuditEvent.action).distinct()))
        actions = {**ACTIONS, **{a: (a, a) for a in sorted(seen - set(ACTIONS))}}
        return {
            "filters": {"action": action, "actor": actor, "before": before},
            "limit": limit,
            "events": [
                {
                    "id": e.id,
                    "at": china_iso(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "action_name": actions.get(e.action, (e.action, e.action)),
                    "target": e.target,
                    "detail": e.detail,
                }
                for e in events
            ],
            "older": events[-1].id if len(events) == limit else None,
            "older_query": urlencode(
                [(k, v) for k, v in (("action", action), ("actor", actor)) if v]
                + [("before", str(events[-1].id)), ("limit", str(limit))]
            )
            if len(events) == limit
            else None,
            "actions": [{"action": k, "name": v} for k, v in actions.items()],
        }


def _orders(app: FastAPI) -> None:
    @dual(app, "/orders/{order_no}", "order.html", roles=SHOP, active="cases", tags=["orders"])
    def order_page(request: Request, order_no: str) -> dict[str, Any]:
        """一个订单：买家信息（已打码）、宝贝、退款、售后单与会话 (one order, buyer data masked)"""
        return order_data(request, order_no)

    @app.post(
        "/api/orders/{order_no}/reveal",
        tags=["orders"],
        summary="查看买家原始信息（记录在审计日志）(reveal a buyer field; audited)",
    )
    def reveal_api(
        request: Request,
        order_no: str,
        field: str = Body(..., embed=True, pattern="^(phone|address|name|nick)$"),
    ) -> JSONResponse:
        user = require(request, SHOP)
        value = reveal(request, user.name, order_no, field)
        return JSONResponse({"order_no": order_no, "field": field, "value": value})

    @app.post("/orders/{order_no}/reveal", include_in_schema=False)
    def reveal_form(
        request: Request,
        order_no: str,
        field: str = Form(...),
        csrf_token: str = Form(""),
    ) -> HTMLResponse:
        user = form_guard(request, SHOP, csrf_token)
        value = reveal(request, user.name, order_no, field)
        data = order_data(request, order_no)
        data["revealed"] = {"field": field, "value": value or ""}
        return render(request, "order.html", {"data": data, "active": "cases", **data})


def _rules(app: FastAPI) -> None:
    @dual(app, "/rules", "rules.html", roles=SHOP, active="rules", tags=["rules"])
    def rules_page(
        request: Request, category: str | None = Query(None, max_length=60)
    ) -> dict[str, Any]:
        """已加载的规则、扣分与设置（只读）(the loaded rules and settings, read-only)"""
        user = user_of(request)
        data: dict[str, Any] = rules_data(
            request.app.state.rules, request.app.state.rules_dirs, user.is_admin, category
        )
        return data
