"""The after-sales desk in the browser: the cases board, one case and its actions,
the late-shipment watch, the returns register and the shift handoff board.

Every decision (states, guards, clocks, money at stake) comes from
:class:`redline.store.desk.Desk` and :mod:`redline.desk.cases`; the JSON shapes start
from the CLI's :func:`redline.cli.desk.case_json` / :func:`~redline.cli.desk.late_json`.
Buyer data is masked here, in the view function, so the page and its JSON carry
the same masked values: nicknames and receiver names with ``mask_name``,
addresses with ``mask_address``, and any phone number in free text (reasons,
notes, handoff entries) with ``mask_phone``. Supervisors and admins only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from fastapi import Body, FastAPI, Form, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from redline.desk import cases as rules
from redline.desk.cases import ActionInput, TransitionError
from redline.desk.policy import Policy, china_iso, parse_duration
from redline.privacy import mask_address, mask_name, mask_phone, mask_text
from redline.store.desk import (
    HANDOFF_KINDS,
    CaseView,
    Desk,
    DeskError,
    LateOrder,
    case_json,
    late_json,
)
from redline.store.models import Case, CaseEvent, HandoffNote, ReturnEntry
from redline.web.downloads import EXPORT_MAX, table_download
from redline.web.views import (
    ID_MAX,
    SHOP,
    back,
    changing,
    dual,
    form_guard,
    reading,
    require,
    user_of,
)

TAGS: list[Any] = ["desk"]

# What the 导出 links put in a sheet: (row key, Chinese header, English header).
CASE_COLUMNS = (
    ("id", "售后编号", "case"),
    ("kind_name", "类型", "kind"),
    ("state_name", "状态", "state"),
    ("order_no", "订单编号", "order"),
    ("refund_no", "退款编号", "refund"),
    ("buyer_masked", "买家", "buyer"),
    ("reason", "原因", "reason"),
    ("opened_at", "申请时间", "opened"),
    ("overdue", "已逾期", "overdue"),
    ("deadline_at", "节点时间", "deadline"),
    ("deadline_what", "到期后果", "what happens then"),
    ("exposure", "赔付风险（元）", "compensation at stake (yuan)"),
)
LATE_COLUMNS = (
    ("order_no", "订单编号", "order"),
    ("buyer_masked", "买家", "buyer"),
    ("region", "地区", "region"),
    ("title", "宝贝", "item"),
    ("paid_at", "付款时间", "paid"),
    ("ship_by", "最晚发货时间", "ship by"),
    ("overdue", "已超时", "overdue"),
    ("presale", "预售", "presale"),
    ("paid_amount", "实付（元）", "paid (yuan)"),
    ("compensation_at_stake", "赔付风险（元）", "compensation at stake (yuan)"),
)
RETURN_COLUMNS = (
    ("tracking_no", "退货物流单号", "tracking"),
    ("carrier", "快递公司", "carrier"),
    ("buyer_masked", "买家", "buyer"),
    ("order_no", "订单编号", "order"),
    ("refund_no", "退款编号", "refund"),
    ("reason", "退货原因", "reason"),
    ("postage_name", "运费承担", "postage paid by"),
    ("shipped_at", "寄回时间", "sent back"),
    ("registered_at", "登记时间", "registered"),
    ("received_at", "仓库签收", "received"),
    ("case", "售后编号", "case"),
    ("case_state_name", "售后状态", "case state"),
    ("note", "备注", "note"),
)
HANDOFF_COLUMNS = (
    ("id", "编号", "id"),
    ("kind_name", "类型", "kind"),
    ("order_no", "订单编号", "order"),
    ("text", "事项", "note"),
    ("author", "登记人", "logged by"),
    ("created_at", "登记时间", "logged"),
    ("age_pair", "已过去", "open for"),
)

# The flowchart's next step (001 after-sales flow, 003 practice) by state: (zh, en).
NEXT_STEP: dict[str, tuple[str, str]] = {
    "requested": (
        "24 小时内审核：先安抚买家、核实原因和凭证，再同意退货、直接退款或附凭证拒绝；"
        "争取 72 小时内协商解决，避免小二介入",
        "Review within 24 h: soothe the buyer, verify the reason and evidence, then agree "
        "to the return, refund, or reject with evidence; settle within 72 h to avoid a dispute",
    ),
    "awaiting_return": (
        "催买家寄回并填写退货物流单号，登记到退货登记表，方便仓库认领包裹",
        "Chase the buyer to ship the return and file the tracking number; register it so "
        "the warehouse can match the parcel",
    ),
    "returned": (
        "查退货物流，收到后验货退款；剩约 5 天仍无物流信息应拒绝，否则系统自动退款",
        "Track the return and refund once it is in and inspected; if about 5 days remain "
        "and it never moved, reject, or the platform refunds automatically",
    ),
    "rejected": (
        "等待买家修改申请；保留拒绝理由和凭证，以备买家申请小二介入",
        "Wait for the buyer to change the request; keep the reason and evidence in case "
        "the platform is called in",
    ),
    "disputed": (
        "小二介入中：尽快上传凭证（物流、聊天记录、照片），与买家协商一致可减少纠纷影响",
        "The platform is intervening: upload evidence (tracking, chats, photos) quickly; "
        "settling with the buyer limits the damage",
    ),
    "open": (
        "安抚买家、核实情况后处理（补发或退款），并登记跟进",
        "Soothe the buyer, verify, then reship or refund, and log the follow-up",
    ),
    "reshipped": (
        "跟踪补发/换货物流，买家确认收到后标记解决",
        "Track the reshipped parcel; mark the case resolved once the buyer has it",
    ),
}
# Incidents the team registered: the flowchart's branch for each kind.
OPEN_STEP: dict[str, tuple[str, str]] = {
    "lost": (
        "丢件：登记后联系快递查件或拦截，给买家补发或退款，并回访",
        "Lost parcel: register it, ask the courier to trace or intercept, reship or refund, "
        "then follow up",
    ),
    "short": (
        "少件/漏发：核对包裹重量和打包记录，确认后补发，并追查漏发责任人",
        "Short shipment: check the parcel's weight and packing record, reship the missing "
        "item and trace who packed it",
    ),
    "wrong": (
        "发错货：全额退款并承担退货运费，或为买家换货；追查发错责任人",
        "Wrong item: full refund plus return postage, or an exchange; trace who packed it",
    ),
    "exchange": (
        "换货：核实问题后寄出换货，填写物流单号并回访买家",
        "Exchange: verify, ship the replacement with its tracking number, follow up",
    ),
    "repair": (
        "维修：5 天内响应，核实故障后安排维修或退换，否则系统自动退款",
        "Repair: respond within 5 days, verify the fault and arrange repair or replacement, "
        "or the refund is granted automatically",
    ),
}
DONE_STEP = ("已结案，无需操作", "Closed: nothing to do")

POSTAGE: dict[str, tuple[str, str]] = {
    "buyer": ("买家", "buyer"),
    "seller": ("卖家", "seller"),
    "insurance": ("运费险", "shipping insurance"),
}
# Which fields an action's form shows; the guards in redline.desk.cases still decide.
NEEDS_TRACKING = frozenset({"buyer_shipped", "reship"})
NEEDS_NOTE = frozenset({"reject"})
ACTION_PATTERN = "^(" + "|".join(rules.ACTIONS) + ")$"
# What the page says once an action went through.
DONE: dict[str, str] = {
    "agree": "已同意退货",
    "refund": "已退款",
    "reject": "已拒绝退款",
    "buyer_shipped": "已记录买家寄回",
    "escalate": "已记录小二介入",
    "reship": "已补发/寄出",
    "resolve": "已解决",
    "close": "已关闭",
}
OPEN_STATES = {k: v for k, v in rules.STATES.items() if k not in rules.TERMINAL}


# --- helpers ---------------------------------------------------------------------------


def _policy(request: Request) -> Policy:
    policy: Policy = request.app.state.policy
    return policy


def _desk(request: Request, s: Any) -> Desk:
    return Desk(s, request.app.state.rules)


def moment(request: Request, at: str | None) -> datetime:
    """``?at=`` (China time unless an offset is given), else now."""
    policy = _policy(request)
    if not at:
        return policy.china_now()
    try:
        return policy.parse_time(at)
    except ValueError as exc:
        raise HTTPException(422, f"时间格式有误：{exc}") from None


def span(text: str | None, default: timedelta | None) -> timedelta | None:
    if not text:
        return default
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise HTTPException(422, f"时长格式有误：{exc}") from None


def masked(text: str | None) -> str | None:
    """Free text (typed or imported) with phones, street addresses and recipients masked."""
    return None if text is None else mask_text(text)


def gap(due: datetime, at: datetime) -> dict[str, Any]:
    return {
        "passed": at > due,
        "gap": rules.fmt_delta(due - at),
        "gap_en": rules.fmt_delta(due - at, "en"),
    }


def clock_json(clock: rules.Clock, at: datetime) -> dict[str, Any]:
    zh, en = rules.CLOCKS.get(clock.name, (clock.name, clock.name))
    return {
        "clock": clock.name,
        "due_at": china_iso(clock.due_at),
        "consequence": zh,
        "consequence_en": en,
        **gap(clock.due_at, at),
    }


def _web_message(text: str) -> str:
    """A guard's message names the CLI options; on the web they are form fields."""
    return text.replace("（--note）", "（说明）").replace("（--tracking）", "（物流单号）")


def next_step(case: Case) -> tuple[str, str]:
    if case.state in rules.TERMINAL:
        return DONE_STEP
    if case.state == "open":
        return OPEN_STEP.get(case.kind, NEXT_STEP["open"])
    return NEXT_STEP.get(case.state, ("", ""))


def case_card(request: Request, v: CaseView, at: datetime) -> dict[str, Any]:
    """One row of the board: the CLI's case JSON, masked, with names and the next step."""
    c = v.case
    data = case_json(v, at)
    data.pop("buyer", None)
    data["buyer_masked"] = mask_name(c.buyer_nick)
    data["reason"] = masked(c.reason)
    data["kind_name"] = rules.KINDS.get(c.kind, (c.kind, c.kind))
    data["state_name"] = rules.STATES.get(c.state, (c.state, c.state))
    data["passed"] = [clock_json(k, at) for k in v.urgency.passed]
    data["next"] = clock_json(v.urgency.next, at) if v.urgency.next else None
    # The deadline the row shows: the latest one passed, else the next one.
    shown = v.urgency.passed[-1] if v.urgency.passed else v.urgency.next
    data["deadline"] = clock_json(shown, at) if shown else None
    data["due_soon"] = bool(
        v.urgency.next is not None and v.urgency.next.due_at <= at + timedelta(hours=24)
    )
    reason = request.app.state.rules.refund_reasons.get(c.reason_code or "")
    advice_en = reason.advice.en if reason is not None and reason.advice is not None else None
    data["advice"] = masked(c.advice)
    data["advice_en"] = advice_en or data["advice"]
    data["next_step"] = next_step(c)
    return data


def event_json(e: CaseEvent) -> dict[str, Any]:
    return {
        "at": china_iso(e.at),
        "actor": e.actor,
        "action": e.action,
        "action_name": _action_name(e.action),
        "from": e.from_state,
        "from_name": rules.STATES.get(e.from_state, None) if e.from_state else None,
        "to": e.to_state,
        "to_name": rules.STATES.get(e.to_state, (e.to_state, e.to_state)),
        "note": masked(e.note),
    }


def _action_name(action: str) -> tuple[str, str]:
    spec = rules.ACTIONS.get(action)
    if spec is not None:
        return (spec.label_zh, spec.label_en)
    return {
        "import": ("导入", "imported"),
        "sync": ("报表同步", "synced from the report"),
        "open": ("登记", "registered"),
    }.get(action, (action, action))


def case_detail(
    request: Request, v: CaseView, at: datetime, events: list[CaseEvent]
) -> dict[str, Any]:
    c = v.case
    data = case_card(request, v, at)
    data.update(
        {
            "paid_amount": str(c.paid_amount) if c.paid_amount is not None else None,
            "refund_amount": str(c.refund_amount) if c.refund_amount is not None else None,
            "tracking_no": c.tracking_no,
            "note": masked(c.note),
            "updated_at": china_iso(c.updated_at),
            "closed_at": china_iso(c.closed_at),
            "clocks": [clock_json(k, at) for k in sorted(v.clocks, key=lambda k: k.due_at)],
            "history": [event_json(e) for e in events],
            "action_forms": [
                {
                    "action": name,
                    "label": (rules.ACTIONS[name].label_zh, rules.ACTIONS[name].label_en),
                    "needs_tracking": name in NEEDS_TRACKING,
                    "needs_note": name in NEEDS_NOTE,
                }
                for name in rules.allowed_actions(c.state)
            ],
        }
    )
    return data


def late_row(lo: LateOrder, at: datetime) -> dict[str, Any]:
    o = lo.order
    data = late_json(lo, at)
    data.pop("buyer", None)
    data["buyer_masked"] = mask_name(o.buyer_nick)
    data["receiver_masked"] = mask_name(o.receiver_name)
    data["region"] = mask_address(o.address)
    data["title"] = masked(o.title)
    data.update(gap(lo.ship_by, at))
    return data


def return_json(e: ReturnEntry, case: Case | None) -> dict[str, Any]:
    return {
        "id": e.id,
        "tracking_no": e.tracking_no,
        "carrier": e.carrier,
        "buyer_masked": mask_name(e.buyer_nick),
        "order_no": e.order_no,
        "refund_no": e.refund_no,
        "reason": masked(e.reason),
        "postage_paid_by": e.postage_paid_by,
        "postage_name": POSTAGE.get(e.postage_paid_by or ""),
        "shipped_at": china_iso(e.shipped_at),
        "registered_at": china_iso(e.registered_at),
        "received_at": china_iso(e.received_at),
        "note": masked(e.note),
        "source": e.source,
        "case": case.id if case else None,
        "case_state": case.state if case else None,
        "case_state_name": rules.STATES.get(case.state) if case else None,
    }


def handoff_json(n: HandoffNote, at: datetime) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind,
        "kind_name": HANDOFF_KINDS.get(n.kind, (n.kind, n.kind)),
        "order_no": n.order_no,
        "text": mask_phone(n.text),
        "author": n.author,
        "created_at": china_iso(n.created_at),
        "age": rules.fmt_delta(at - n.created_at),
        "age_en": rules.fmt_delta(at - n.created_at, "en"),
        "closed_at": china_iso(n.closed_at),
        "closed_by": n.closed_by,
        "resolution": masked(n.resolution),
    }


def _clean(text: str) -> str:
    """Typed text as stored: no NUL (PostgreSQL refuses it in text columns)."""
    return text.replace("\x00", "")


def _blank(text: str | None) -> str | None:
    text = _clean(text or "").strip()
    return text or None


# --- routes ----------------------------------------------------------------------------


def register(app: FastAPI) -> None:
    _cases(app)
    _orders(app)
    _returns(app)
    _handoff(app)


def _cases(app: FastAPI) -> None:
    @dual(app, "/cases", "cases.html", roles=SHOP, active="cases", tags=TAGS)
    def cases_board(
        request: Request,
        kind: str | None = Query(None, max_length=20, description="refund|return|…"),
        state: str | None = Query(None, max_length=20, description="requested|…"),
        due_within: str | None = Query(None, max_length=20, description="如 24h、3d"),
        at: str | None = Query(None, max_length=40, description="按此时刻计算（中国时间）"),
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0, le=10_000_000),
    ) -> dict[str, Any]:
        """售后单：按紧急程度排列（逾期在前，其次最先到期） (open cases by urgency)"""
        kind, state = _blank(kind), _blank(state)
        if kind is not None and kind not in rules.KINDS:
            raise HTTPException(422, f"未知类型 {kind!r}")
        if state is not None and state not in OPEN_STATES:
            raise HTTPException(422, f"未知或已结案的状态 {state!r}")
        when = moment(request, at)
        within = span(due_within, None)
        with reading(request) as s:
            views = _desk(request, s).open_cases(when, within)
            views = [
                v
                for v in views
                if (kind is None or v.case.kind == kind)
                and (state is None or v.case.state == state)
            ]
            page = [case_card(request, v, when) for v in views[offset : offset + limit]]
        stake = sum((v.case.exposure or Decimal(0) for v in views), Decimal(0))
        return {
            "at": china_iso(when),
            "filters": {"kind": kind, "state": state, "due_within": due_within, "at": at},
            "total": len(views),
            "overdue": sum(1 for v in views if v.urgency.overdue),
            "compensation_at_stake": str(stake),
            "offset": offset,
            "limit": limit,
            "cases": page,
            "kinds": rules.KINDS,
            "states": OPEN_STATES,
        }

    @app.get(
        "/api/cases/export",
        tags=TAGS,
        summary="导出售后单为 Excel/CSV，保留筛选条件，买家信息脱敏 (export cases)",
    )
    def cases_export(
        request: Request,
        format: str = Query("xlsx", pattern="^(csv|xlsx)$"),
        kind: str | None = Query(None, max_length=20),
        state: str | None = Query(None, max_length=20),
        due_within: str | None = Query(None, max_length=20),
        at: str | None = Query(None, max_length=40),
    ) -> Response:
        require(request, SHOP)
        data = cases_board(request, kind, state, due_within, at, EXPORT_MAX, 0)
        for card in data["cases"]:
            shown = card.get("deadline") or {}
            card["deadline_at"] = shown.get("due_at")
            card["deadline_what"] = (shown.get("consequence"), shown.get("consequence_en"))
        return table_download(request, data["cases"], CASE_COLUMNS, format, "cases")

    @dual(app, "/cases/{case_id}", "cases_detail.html", roles=SHOP, active="cases", tags=TAGS)
    def case_page(
        request: Request,
        case_id: int = Path(ge=1, le=ID_MAX),
        at: str | None = Query(None, max_length=40, description="按此时刻计算（中国时间）"),
    ) -> dict[str, Any]:
        """一张售后单：事实、时限、历史和可执行的操作 (one case)"""
        when = moment(request, at)
        with reading(request) as s:
            desk = _desk(request, s)
            case = s.get(Case, case_id)
            if case is None:
                raise HTTPException(404, f"没有编号为 {case_id} 的售后单 (no such case)")
            return {
                "at": china_iso(when),
                "case": case_detail(request, desk.view(case, when), when, desk.history(case_id)),
            }

    def act(
        request: Request, case_id: int, action: str, note: str | None, tracking_no: str | None
    ) -> dict[str, Any]:
        user = user_of(request)
        spec = rules.ACTIONS.get(action)
        if spec is None:
            raise HTTPException(422, f"未知操作 {action!r}（可用：{'/'.join(rules.ACTIONS)}）")
        at = _policy(request).china_now()
        with changing(request) as s:
            desk = _desk(request, s)
            if s.get(Case, case_id) is None:
                raise HTTPException(404, f"没有编号为 {case_id} 的售后单 (no such case)")
            given = ActionInput(at=at, actor=user.name, note=note, tracking_no=tracking_no)
            try:
                case = desk.act(case_id, action, given)
            except (TransitionError, DeskError) as exc:
                raise HTTPException(409, _web_message(str(exc))) from None
            detail = case_detail(request, desk.view(case, at), at, desk.history(case_id))
        state = rules.STATES[detail["state"]][0]
        done = DONE.get(action, spec.label_zh)
        return {"message": f"售后单 {case_id} {done}，当前状态：{state}", "case": detail}

    @app.post(
        "/api/cases/{case_id}/act",
        tags=TAGS,
        summary="对售后单执行操作（同意/退款/拒绝/寄回/补发/解决/关闭/介入） (act on a case)",
    )
    def case_act_api(
        request: Request,
        case_id: int = Path(ge=1, le=ID_MAX),
        action: str = Body(..., embed=True, pattern=ACTION_PATTERN),
        note: str | None = Body(None, embed=True, max_length=2000),
        tracking_no: str | None = Body(None, embed=True, max_length=60),
    ) -> JSONResponse:
        require(request, SHOP)
        return JSONResponse(act(request, case_id, action, _blank(note), _blank(tracking_no)))

    @app.post("/cases/{case_id}/act", include_in_schema=False)
    def case_act_form(
        request: Request,
        case_id: int = Path(ge=1, le=ID_MAX),
        action: str = Form(..., max_length=30),
        note: str = Form("", max_length=2000),
        tracking_no: str = Form("", max_length=60),
        csrf_token: str = Form(""),
    ) -> Response:
        form_guard(request, SHOP, csrf_token)
        fallback = f"/cases/{case_id}"
        try:
            result = act(request, case_id, action, _blank(note), _blank(tracking_no))
        except HTTPException as exc:
            if exc.status_code not in (409, 422):
                raise
            return back(request, fallback, f"未执行：{exc.detail}")
        return back(request, fallback, str(result["message"]))


def _orders(app: FastAPI) -> None:
    @dual(app, "/orders/late", "orders_late.html", roles=SHOP, active="cases", tags=TAGS)
    def late_orders(
        request: Request,
        within: str | None = Query(None, max_length=20, description="如 24h（默认取规则包设置）"),
        at: str | None = Query(None, max_length=40, description="按此时刻计算（中国时间）"),
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0, le=10_000_000),
    ) -> dict[str, Any]:
        """将超时/已超时发货的订单及赔付风险 (orders late or about to be late to ship)

        Paged like ``/cases`` (a 双11 backlog has tens of thousands): the counts and the
        money at stake cover every late order, the rows one page, most urgent first."""
        when = moment(request, at)
        hours = int(request.app.state.rules.settings.get("aftersales_late_watch_hours", 24))
        window = span(within, timedelta(hours=hours))
        assert window is not None
        with reading(request) as s:
            late = _desk(request, s).late_orders(when, window)
            rows = [late_row(lo, when) for lo in late[offset : offset + limit]]
        return {
            "at": china_iso(when),
            "within": rules.fmt_delta(window),
            "within_en": rules.fmt_delta(window, "en"),
            "filters": {"within": within, "at": at},
            "count": len(late),
            "total": len(late),
            "offset": offset,
            "limit": limit,
            "overdue": sum(1 for lo in late if lo.overdue),
            "compensation_at_stake": str(sum((lo.exposure for lo in late), Decimal(0))),
            "orders": rows,
        }

    @app.get(
        "/api/orders/late/export",
        tags=TAGS,
        summary="导出将超时/已超时发货的订单为 Excel/CSV (export late orders)",
    )
    def late_orders_export(
        request: Request,
        format: str = Query("xlsx", pattern="^(csv|xlsx)$"),
        within: str | None = Query(None, max_length=20),
        at: str | None = Query(None, max_length=40),
    ) -> Response:
        require(request, SHOP)
        data = late_orders(request, within, at, EXPORT_MAX, 0)
        return table_download(request, data["orders"], LATE_COLUMNS, format, "late-orders")


def _returns(app: FastAPI) -> None:
    @dual(app, "/returns", "returns.html", roles=SHOP, active="returns", tags=TAGS)
    def returns_register(
        request: Request,
        tracking: str | None = Query(
            None, max_length=60, description="退货物流单号或末尾 6 位以上"
        ),
        limit: int = Query(50, ge=1, le=500),
        offset: int = Query(0, ge=0, le=10_000_000),
    ) -> dict[str, Any]:
        """退货登记表：按退货物流单号查找，最近登记 (the returns register)"""
        tracking = _blank(tracking)
        with reading(request) as s:
            desk = _desk(request, s)
            found = desk.find_returns(tracking) if tracking else []
            recent = desk.recent_returns(limit + 1, offset)
            more = len(recent) > limit
            return {
                "tracking": tracking,
                "found": [return_json(e, desk.case_for_return(e)) for e in found],
                "recent": [return_json(e, desk.case_for_return(e)) for e in recent[:limit]],
                "offset": offset,
                "limit": limit,
                "more": more,
                "postage": POSTAGE,
            }

    @app.get(
        "/api/returns/export",
        tags=TAGS,
        summary="导出退货登记表为 Excel/CSV（可按物流单号筛选） (export the returns register)",
    )
    def returns_export(
        request: Request,
        format: str = Query("xlsx", pattern="^(csv|xlsx)$"),
        tracking: str | None = Query(None, max_length=60),
    ) -> Response:
        require(request, SHOP)
        data = returns_register(request, tracking, EXPORT_MAX, 0)
        entries = data["found"] if data["tracking"] else data["recent"]
        return table_download(request, entries, RETURN_COLUMNS, format, "returns")

    def add(request: Request, fields: dict[str, str | None]) -> dict[str, Any]:
        user_of(request)
        at = _policy(request).china_now()
        tracking_no = fields.pop("tracking_no") or ""
        with changing(request) as s:
            desk = _desk(request, s)
            try:
                entry = desk.add_return(tracking_no, at=at, **fields)
            except DeskError as exc:
                raise HTTPException(422, str(exc)) from None
            return return_json(entry, desk.case_for_return(entry))

    @app.post(
        "/api/returns", tags=TAGS, summary="登记一件退货 (register a return)", status_code=201
    )
    def returns_add_api(
        request: Request,
        tracking_no: str = Body(..., embed=True, min_length=1, max_length=60),
        order_no: str | None = Body(None, embed=True, max_length=40),
        buyer_nick: str | None = Body(None, embed=True, max_length=120),
        reason: str | None = Body(None, embed=True, max_length=500),
        carrier: str | None = Body(None, embed=True, max_length=60),
        postage_paid_by: str | None = Body(None, embed=True, pattern="^(buyer|seller|insurance)$"),
        note: str | None = Body(None, embed=True, max_length=2000),
    ) -> JSONResponse:
        require(request, SHOP)
        entry = add(
            request,
            {
                "tracking_no": _clean(tracking_no),
                "order_no": _blank(order_no),
                "buyer_nick": _blank(buyer_nick),
                "reason": _blank(reason),
                "carrier": _blank(carrier),
                "postage_paid_by": _blank(postage_paid_by),
                "note": _blank(note),
            },
        )
        return JSONResponse({"return": entry}, status_code=201)

    @app.post("/returns", include_in_schema=False)
    def returns_add_form(
        request: Request,
        tracking_no: str = Form("", max_length=60),
        order_no: str = Form("", max_length=40),
        buyer_nick: str = Form("", max_length=120),
        reason: str = Form("", max_length=500),
        carrier: str = Form("", max_length=60),
        postage_paid_by: str = Form("", max_length=20),
        note: str = Form("", max_length=2000),
        csrf_token: str = Form(""),
    ) -> Response:
        form_guard(request, SHOP, csrf_token)
        try:
            entry = add(
                request,
                {
                    "tracking_no": _clean(tracking_no),
                    "order_no": _blank(order_no),
                    "buyer_nick": _blank(buyer_nick),
                    "reason": _blank(reason),
                    "carrier": _blank(carrier),
                    "postage_paid_by": _blank(postage_paid_by),
                    "note": _blank(note),
                },
            )
        except HTTPException as exc:
            if exc.status_code != 422:
                raise
            return back(request, "/returns", f"未登记：{exc.detail}")
        number = entry["tracking_no"]
        return back(request, f"/returns?tracking={quote(number)}", f"已登记退货 {number}")


def _handoff(app: FastAPI) -> None:
    @dual(app, "/handoff", "handoff.html", roles=SHOP, active="handoff", tags=TAGS)
    def handoff_board(
        request: Request,
        at: str | None = Query(None, max_length=40, description="按此时刻计算（中国时间）"),
    ) -> dict[str, Any]:
        """交接班：夜班登记、早班处理的未关闭事项，按类型分组 (the handoff board)"""
        when = moment(request, at)
        with reading(request) as s:
            notes = _desk(request, s).handoffs()
        groups = [
            {
                "kind": code,
                "name": name,
                "notes": [handoff_json(n, when) for n in notes if n.kind == code],
            }
            for code, name in HANDOFF_KINDS.items()
        ]
        return {
            "at": china_iso(when),
            "open": len(notes),
            "groups": [g for g in groups if g["notes"]],
            "kinds": HANDOFF_KINDS,
        }

    @app.get(
        "/api/handoff/export",
        tags=TAGS,
        summary="导出交接班未关闭事项为 Excel/CSV (export the handoff board)",
    )
    def handoff_export(
        request: Request,
        format: str = Query("xlsx", pattern="^(csv|xlsx)$"),
        at: str | None = Query(None, max_length=40),
    ) -> Response:
        require(request, SHOP)
        data = handoff_board(request, at)
        notes = [n for g in data["groups"] for n in g["notes"]]
        for n in notes:
            n["age_pair"] = (n["age"], n["age_en"])
        return table_download(request, notes, HANDOFF_COLUMNS, format, "handoff")

    def add(request: Request, kind: str, text: str, order_no: str | None) -> dict[str, Any]:
        user = user_of(request)
        at = _policy(request).china_now()
        with changing(request) as s:
            try:
                note = _desk(request, s).add_handoff(
                    kind, text, at=at, author=user.name, order_no=order_no
                )
            except DeskError as exc:
                raise HTTPException(422, str(exc)) from None
            return handoff_json(note, at)

    def close(request: Request, note_id: int, resolution: str | None) -> dict[str, Any]:
        user = user_of(request)
        at = _policy(request).china_now()
        with changing(request) as s:
            if s.get(HandoffNote, note_id) is None:
                raise HTTPException(404, f"没有编号为 {note_id} 的交接事项")
            try:
                note = _desk(request, s).close_handoff(
                    note_id, at=at, by=user.name, resolution=resolution
                )
            except DeskError as exc:
                raise HTTPException(409, str(exc)) from None
            return handoff_json(note, at)

    @app.post(
        "/api/handoff", tags=TAGS, summary="登记交接事项 (add a handoff note)", status_code=201
    )
    def handoff_add_api(
        request: Request,
        kind: str = Body(..., embed=True, max_length=20),
        text: str = Body(..., embed=True, max_length=2000),
        order_no: str | None = Body(None, embed=True, max_length=40),
    ) -> JSONResponse:
        require(request, SHOP)
        return JSONResponse(
            {"note": add(request, _clean(kind), _clean(text), _blank(order_no))}, 201
        )

    @app.post("/handoff", include_in_schema=False)
    def handoff_add_form(
        request: Request,
        kind: str = Form("", max_length=20),
        text: str = Form("", max_length=2000),
        order_no: str = Form("", max_length=40),
        csrf_token: str = Form(""),
    ) -> Response:
        form_guard(request, SHOP, csrf_token)
        try:
            note = add(request, _clean(kind), _clean(text), _blank(order_no))
        except HTTPException as exc:
            if exc.status_code != 422:
                raise
            return back(request, "/handoff", f"未登记：{exc.detail}")
        return back(request, "/handoff", f"已登记交接事项 {note['id']}")

    @app.post(
        "/api/handoff/{note_id}/close",
        tags=TAGS,
        summary="关闭交接事项并写明处理结果 (close a handoff note)",
    )
    def handoff_close_api(
        request: Request,
        note_id: int = Path(ge=1, le=ID_MAX),
        resolution: str | None = Body(None, embed=True, max_length=2000),
    ) -> JSONResponse:
        require(request, SHOP)
        return JSONResponse({"note": close(request, note_id, _blank(resolution))})

    @app.post("/handoff/{note_id}/close", include_in_schema=False)
    def handoff_close_form(
        request: Request,
        note_id: int = Path(ge=1, le=ID_MAX),
        resolution: str = Form("", max_length=2000),
        csrf_token: str = Form(""),
    ) -> Response:
        form_guard(request, SHOP, csrf_token)
        try:
            close(request, note_id, _blank(resolution))
        except HTTPException as exc:
            if exc.status_code != 409:
                raise
            return back(request, "/handoff", f"未关闭：{exc.detail}")
        return back(request, "/handoff", f"交接事项 {note_id} 已关闭")
