"""``/orders/{order_no}`` (admin, supervisor): an order with its items, refunds, cases
and conversations.

Buyer names, phones and addresses are masked; revealing one
(``POST /api/orders/{order_no}/reveal``) is an audited action.
"""

from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import func, or_, select

from redline.desk import cases as case_rules
from redline.desk.policy import china_iso
from redline.privacy import mask_address, mask_name, mask_phone, mask_text
from redline.store.accounts import (
    audit,
)
from redline.store.models import (
    Case,
    ChatMessage,
    Conversation,
    Order,
    OrderItem,
    Refund,
)
from redline.web.render import render
from redline.web.views import (
    SHOP,
    changing,
    dual,
    form_guard,
    reading,
    require,
)

#: Revealable buyer fields → the order's column.
REVEAL_FIELDS: dict[str, str] = {
    "phone": "phone",
    "address": "address",
    "name": "receiver_name",
    "nick": "buyer_nick",
}


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
    known = [o.buyer_nick, o.receiver_name, o.phone, o.address] if o is not None else []
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
            "buyer_message": mask_text(o.buyer_message, known) if o.buyer_message else None,
            "seller_memo": mask_text(o.seller_memo, known) if o.seller_memo else None,
            "shop_name": o.shop_name,
            "close_reason": o.close_reason,
            "invoice_title": mask_text(o.invoice_title, known) if o.invoice_title else None,
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
                "description": mask_text(r.description, known) if r.description else None,
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


def register(app: FastAPI) -> None:
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
