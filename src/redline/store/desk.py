"""The after-sales desk on the store: cases, the shipping watch, the registers.

:class:`Desk` wraps one session. Every decision — which state a refund is in,
which clocks run, what an action may do, what is at stake — is made by
:mod:`redline.desk.cases` and :mod:`redline.desk.policy`; this module only reads and writes
rows, appends history and keeps each case's stored clocks (``case_clocks``,
``cases.due_at``) in step with its state.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, selectinload

from redline.desk import cases as rules
from redline.desk.cases import ActionInput, CaseFacts, Clock, Urgency
from redline.desk.policy import Policy, china_iso, china_now
from redline.guard.packs import RefundReason, RuleSet, bundled_rules
from redline.privacy import mask_name
from redline.store.bulk import BoundInsert, rows_with_keys
from redline.store.models import Case, CaseClock, CaseEvent, HandoffNote, Order, Refund, ReturnEntry

# handoff kind → (Chinese, English); the night shift's usual entries (003)
HANDOFF_KINDS: dict[str, tuple[str, str]] = {
    "missed_item": ("漏发", "item missed from a parcel"),
    "no_tracking": ("没物流", "no tracking movement"),
    "chase": ("催货", "buyer chasing the shipment"),
    "warehouse": ("仓库", "question for the warehouse"),
    "address": ("改地址", "address change (tracking no + old + new address)"),
    "other": ("其他", "other"),
}
UNSHIPPED = "等待卖家发货"


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


class DeskError(ValueError):
    """A request the desk cannot carry out (message in Chinese, for the user)."""


def handoff_kind(text: str) -> str:
    """A handoff kind from its code or its Chinese name."""
    for code, (zh, _) in HANDOFF_KINDS.items():
        if text in (code, zh):
            return code
    names = "、".join(f"{zh}({code})" for code, (zh, _) in HANDOFF_KINDS.items())
    raise DeskError(f"未知的交接类型 {text!r}，可选：{names}")


TRACKING_NO = re.compile(r"[A-Z0-9]{6,40}")


def normalize_tracking(text: str) -> str:
    return re.sub(r"[\s\-_]", "", text).upper()


@dataclass
class _NewCase:
    """A case about to be inserted, bound for INSERT (see :class:`BoundInsert`): its row,
    its first event and its clocks, whose ``case_id`` is filled in once it has one."""

    refund_no: str
    bound: Any
    bound_event: Any
    bound_clocks: list[Any]


@dataclass
class CaseView:
    case: Case
    clocks: list[Clock]
    urgency: Urgency


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the shipping watch reads of an order (a double-11 backlog holds tens of
    thousands: loading whole ORM rows for them made the overview take seconds)."""

    order_no: str
    buyer_nick: str | None
    status: str | None
    paid_at: datetime | None
    presale: bool
    paid_amount: Decimal | None
    total_amount: Decimal | None
    receiver_name: str | None
    address: str | None
    title: str | None


_FACTS = tuple(f for f in OrderFacts.__slots__)


@dataclass
class LateOrder:
    order: OrderFacts
    ship_by: datetime
    overdue: bool
    exposure: Decimal


class Desk:
    def __init__(self, session: Session, rs: RuleSet | None = None) -> None:
        self.s = session
        self._rs = rs
        self._inserters: dict[str, BoundInsert] = {}

    @cached_property
    def rs(self) -> RuleSet:
        return self._rs if self._rs is not None else bundled_rules()

    @cached_property
    def policy(self) -> Policy:
        return Policy.from_settings(self.rs.settings) if self._rs is not None else Policy.default()

    # --- cases from the refund report -----------------------------------------------

    def sync_refund(self, row: dict[str, Any], now: datetime | None = None) -> int:
        """Create or update the case behind a refund row; 1 if a case was opened."""
        return self.sync_refunds([row], now)

    def prepare_cases(self, rows: Sequence[dict[str, Any]], now: datetime) -> dict[str, Any]:
        """The case each new refund row would open, bound for INSERT (no query): the
        importer works this out before its write transaction begins, and passes it
        back to :meth:`sync_refunds` for the rows that turn out to be new."""
        out: dict[str, Any] = {}
        reasons: dict[str | None, RefundReason | None] = {}
        for row in rows:
            reason, state, kind = self._classify(row, reasons)
            if state is not None:
                out[row["refund_no"]] = self._new_case(row, reason, state, kind, now)
        return out

    def _classify(
        self, row: dict[str, Any], reasons: dict[str | None, RefundReason | None]
    ) -> tuple[RefundReason | None, str | None, str]:
        """A refund row's reason (``reasons`` caches them by text), state and case kind."""
        text = row.get("reason")
        if text not in reasons:
            reasons[text] = rules.match_reason(self.rs, text)
        reason = reasons[text]
        state = rules.state_from_export(row["status"], row.get("dispute_status"))
        kind = rules.kind_from_export(
            reason, bool(row.get("need_return")), row.get("after_sale_type")
        )
        return reason, state, kind

    def _inserter(self, model: type[Any], row: dict[str, Any]) -> BoundInsert:
        """A :class:`BoundInsert` of ``row``'s columns into ``model``'s table (one per table)."""
        table = model.__table__
        found = self._inserters.get(table.name)
        if found is None:
            found = self._inserters[table.name] = BoundInsert(
                self.s.get_bind().dialect, table, list(row)
            )
        return found

    def sync_refunds(
        self,
        rows: Sequence[dict[str, Any]],
        now: datetime | None = None,
        prepared: dict[str, Any] | None = None,
    ) -> int:
        """Create or update the cases behind refund rows (distinct refund numbers);
        return how many cases were opened.

        Bulk, for the importer: the chunk's cases and return entries are read in two
        queries; new cases, their clocks and first events are inserted as three
        multi-row statements. An existing case is updated through the ORM (its
        clocks keep their rows).
        """
        if not rows:
            return 0
        now = now or china_now()
        nos = [row["refund_no"] for row in rows]
        conn = self.s.connection()
        # Which rows have a case and a return entry already: a plain key lookup; the
        # ORM loads only those (none, on a first import).
        with_case = [
            no for (no,) in rows_with_keys(conn, _table(Case), "refund_no", ("refund_no",), nos)
        ]
        tracked = [row["refund_no"] for row in rows if row.get("return_tracking_no")]
        with_entry = [
            no
            for (no,) in rows_with_keys(
                conn, _table(ReturnEntry), "refund_no", ("refund_no",), tracked
            )
        ]
        cases: dict[str | None, Case] = {}
        entries: dict[str | None, ReturnEntry] = {}
        with self.s.no_autoflush:
            if with_case:
                query = select(Case).where(Case.refund_no.in_(with_case))
                cases = {
                    c.refund_no: c for c in self.s.scalars(query.options(selectinload(Case.clocks)))
                }
            if with_entry:
                found = select(ReturnEntry).where(ReturnEntry.refund_no.in_(with_entry))
                entries = {e.refund_no: e for e in self.s.scalars(found)}
        fresh: list[_NewCase] = []
        new_entries: list[dict[str, Any]] = []
        reasons: dict[str | None, RefundReason | None] = {}
        for row in rows:
            reason, state, kind = self._classify(row, reasons)
            if state is None:  # the importer rejects these rows first
                raise DeskError(f"未知的退款状态“{row['status']}”")
            case = cases.get(row["refund_no"])
            if case is None:
                ready = prepared.get(row["refund_no"]) if prepared else None
                fresh.append(ready or self._new_case(row, reason, state, kind, now))
            else:
                self._update_case(case, row, reason, state, kind, now)
            if row.get("return_tracking_no"):
                entry = entries.get(row["refund_no"])
                values = self._return_values(row, reason)
                if entry is None:
                    new_entries.append({**values, "registered_at": now, "source": "refund_report"})
                else:
                    for name, value in values.items():
                        setattr(entry, name, value)
        self._insert_cases(fresh)
        if new_entries:
            self.s.connection().execute(insert(ReturnEntry), new_entries)
        return len(fresh)

    def _case_values(
        self,
        row: dict[str, Any],
        reason: RefundReason | None,
        state: str,
        kind: str,
        now: datetime,
    ) -> dict[str, Any]:
        """The case columns a refund row decides (everything but history and clocks)."""
        return {
            "kind": kind,
            "order_no": row["order_no"],
            "buyer_nick": row.get("buyer_nick"),
            "reason": row.get("reason"),
            "reason_code": reason.code if reason else None,
            "paid_amount": row.get("paid_amount"),
            "refund_amount": row.get("refund_amount"),
            "tracking_no": row.get("return_tracking_no"),
            "advice": reason.advice.zh if reason and reason.advice else None,
            "closed_at": (row.get("completed_at") or now) if state in rules.TERMINAL else None,
            "exposure": rules.exposure(reason, state, row.get("paid_amount"), self.policy),
        }

    def _new_case(
        self,
        row: dict[str, Any],
        reason: RefundReason | None,
        state: str,
        kind: str,
        now: datetime,
    ) -> _NewCase:
        values = {
            **self._case_values(row, reason, state, kind, now),
            "state": state,
            "refund_no": row["refund_no"],
            "opened_at": row["applied_at"],
            "updated_at": now,
        }
        facts = self._facts_of(kind, state, row["applied_at"], now, row)
        clocks = rules.clocks(facts, self.policy, self.rs.settings)
        values["due_at"] = clocks[0].due_at if clocks else None
        values["due_clock"] = clocks[0].name if clocks else None
        event = {
            "case_id": None,
            "at": now,
            "actor": "import",
            "action": "import",
            "from_state": None,
            "to_state": state,
            "note": f"退款报表：{row['status']}",
        }
        running = [{"case_id": None, "clock": c.name, "due_at": c.due_at} for c in clocks]
        return _NewCase(
            row["refund_no"],
            self._inserter(Case, values).bind(values),
            self._inserter(CaseEvent, event).bind(event),
            [self._inserter(CaseClock, r).bind(r) for r in running],
        )

    def _insert_cases(self, fresh: list[_NewCase]) -> None:
        """New cases, then their first events and their clocks, one statement each."""
        if not fresh:
            return
        conn = self.s.connection()
        self._inserters["cases"].execute(conn, [c.bound for c in fresh])
        # refund_no is unique: one query finds the new ids (RETURNING in parameter
        # order would make SQLite insert row by row).
        nos = [c.refund_no for c in fresh]
        ids = dict(rows_with_keys(conn, _table(Case), "refund_no", ("refund_no", "id"), nos))
        history = self._inserters["case_events"]
        history.execute(
            conn, [history.with_value(c.bound_event, "case_id", ids[c.refund_no]) for c in fresh]
        )
        clocks = [(c.refund_no, b) for c in fresh for b in c.bound_clocks]
        if clocks:
            running = self._inserters["case_clocks"]
            running.execute(conn, [running.with_value(b, "case_id", ids[no]) for no, b in clocks])

    def _update_case(
        self,
        case: Case,
        row: dict[str, Any],
        reason: RefundReason | None,
        state: str,
        kind: str,
        now: datetime,
    ) -> None:
        if case.state != state:
            self._event(
                case, now, "import", "sync", case.state, state, f"退款报表：{row['status']}"
            )
            case.state = state
            case.updated_at = now
        for name, value in self._case_values(row, reason, state, kind, now).items():
            if name != "exposure":
                setattr(case, name, value)
        self._refresh(case, row, reason)

    @staticmethod
    def _return_values(row: dict[str, Any], reason: RefundReason | None) -> dict[str, Any]:
        return {
            "refund_no": row["refund_no"],
            "tracking_no": normalize_tracking(row["return_tracking_no"]),
            "carrier": row.get("return_carrier"),
            "buyer_nick": row.get("buyer_nick"),
            "order_no": row.get("order_no"),
            "reason": row.get("reason"),
            "postage_paid_by": reason.postage if reason else None,
            "shipped_at": row.get("buyer_returned_at"),
        }

    @staticmethod
    def _facts_of(
        kind: str,
        state: str,
        opened_at: datetime,
        state_since: datetime | None,
        refund: dict[str, Any] | Refund | None,
    ) -> CaseFacts:
        def get(name: str) -> Any:
            if refund is None:
                return None
            return refund.get(name) if isinstance(refund, dict) else getattr(refund, name)

        return CaseFacts(
            kind=kind,
            state=state,
            opened_at=opened_at,
            applied_at=get("applied_at"),
            need_return=bool(get("need_return")),
            timeout_at=get("timeout_at"),
            buyer_returned_at=get("buyer_returned_at"),
            return_carrier=get("return_carrier"),
            state_since=state_since,
        )

    def _facts(self, case: Case, refund: dict[str, Any] | Refund | None) -> CaseFacts:
        return self._facts_of(case.kind, case.state, case.opened_at, case.updated_at, refund)

    def _refresh(
        self, case: Case, refund: dict[str, Any] | Refund | None, reason: RefundReason | None
    ) -> None:
        """Recompute the case's clocks and money at stake from its current state."""
        facts = self._facts(case, refund)
        new = rules.clocks(facts, self.policy, self.rs.settings)
        # Update in place (a clock keeps its row) so the (case, clock) key never collides.
        wanted = {c.name: c.due_at for c in new}
        for row in list(case.clocks):
            if row.clock in wanted:
                row.due_at = wanted.pop(row.clock)
            else:
                case.clocks.remove(row)
        case.clocks.extend(CaseClock(clock=name, due_at=due) for name, due in wanted.items())
        case.due_at = new[0].due_at if new else None
        case.due_clock = new[0].name if new else None
        case.exposure = rules.exposure(reason, case.state, case.paid_amount, self.policy)

    def _event(
        self,
        case: Case,
        at: datetime,
        actor: str,
        action: str,
        from_state: str | None,
        to_state: str,
        note: str | None = None,
    ) -> None:
        self.s.add(
            CaseEvent(
                case_id=case.id,
                at=at,
                actor=actor,
                action=action,
                from_state=from_state,
                to_state=to_state,
                note=note,
            )
        )

    # --- cases the team opens and moves ----------------------------------------------

    def open_case(
        self,
        kind: str,
        *,
        order_no: str | None,
        actor: str,
        at: datetime,
        note: str | None = None,
        reason: str | None = None,
    ) -> Case:
        if kind not in rules.INCIDENT_KINDS:
            raise DeskError(
                f"只能手工登记这些类型：{'、'.join(f'{rules.KINDS[k][0]}({k})' for k in rules.INCIDENT_KINDS)}"
            )
        order = self.s.get(Order, order_no) if order_no else None
        matched = rules.match_reason(self.rs, reason)
        case = Case(
            kind=kind,
            state="open",
            order_no=order_no,
            buyer_nick=order.buyer_nick if order else None,
            paid_amount=order.paid_amount if order else None,
            reason=reason or rules.KINDS[kind][0],
            reason_code=matched.code if matched else None,
            advice=matched.advice.zh if matched and matched.advice else None,
            note=note,
            opened_at=at,
            updated_at=at,
        )
        self.s.add(case)
        self.s.flush()
        self._event(case, at, actor, "open", None, "open", note)
        self._refresh(case, None, matched)
        return case

    def act(self, case_id: int, action: str, given: ActionInput) -> Case:
        """Apply a team action to a case (state machine guards apply); history appended."""
        case = self.s.get(Case, case_id)
        if case is None:
            raise DeskError(f"没有编号为 {case_id} 的售后单")
        refund = self.s.get(Refund, case.refund_no) if case.refund_no else None
        target = rules.apply(self._facts(case, refund), action, given, self.policy)
        before = case.state
        case.state = target
        case.updated_at = given.at
        if given.tracking_no:
            case.tracking_no = normalize_tracking(given.tracking_no)
        if given.note:
            case.note = given.note
        case.closed_at = given.at if target in rules.TERMINAL else None
        self._event(case, given.at, given.actor, action, before, target, given.note)
        reason = self.rs.refund_reasons.get(case.reason_code or "")
        self._refresh(case, refund, reason)
        if action == "buyer_shipped" and given.tracking_no:
            self._add_return(
                given.tracking_no,
                at=given.at,
                order_no=case.order_no,
                buyer_nick=case.buyer_nick,
                reason=case.reason,
                refund_no=case.refund_no,
                postage_paid_by=reason.postage if reason else None,
                note=given.note,
                from_case=True,
            )
        return case

    def history(self, case_id: int) -> list[CaseEvent]:
        return list(
            self.s.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        )

    def view(self, case: Case, at: datetime) -> CaseView:
        """A case with its stored clocks and where it stands at ``at``."""
        cl = [Clock(c.clock, c.due_at) for c in case.clocks]
        return CaseView(case, cl, rules.urgency(cl, at))

    def open_cases(self, at: datetime, due_within: timedelta | None = None) -> list[CaseView]:
        """Open cases by urgency: overdue first (most overdue on top), then due soonest."""
        q = select(Case).where(Case.closed_at.is_(None)).options(selectinload(Case.clocks))
        if due_within is not None:
            q = q.where(Case.due_at.is_not(None), Case.due_at <= at + due_within)
        views = [self.view(case, at) for case in self.s.scalars(q)]
        far = datetime.max.replace(tzinfo=at.tzinfo)
        views.sort(
            key=lambda v: (v.urgency.sort_key()[0], v.urgency.sort_key()[1] or far, v.case.id)
        )
        return views

    # --- the late-shipment watch ------------------------------------------------------

    def late_orders(self, at: datetime, within: timedelta) -> list[LateOrder]:
        """Paid, unshipped, non-COD orders whose shipping deadline is past or within ``within``."""
        table = _table(Order)
        q = select(*(table.c[name] for name in _FACTS)).where(
            Order.status.contains(UNSHIPPED),
            Order.cod.is_(False),
            Order.paid_at.is_not(None),
            Order.shipped_at.is_(None),
            Order.paid_at <= at + within,  # the deadline is never before the payment
        )
        out = []
        for row in self.s.execute(q):
            order = OrderFacts(*row)
            assert order.paid_at is not None
            due = self.policy.ship_by(order.paid_at, "presale" if order.presale else "normal")
            if due > at + within:
                continue
            paid = order.paid_amount if order.paid_amount is not None else order.total_amount
            stake = (
                self.policy.compensation(paid, "late_shipment")
                if paid is not None
                else Decimal("0.00")
            )
            out.append(LateOrder(order, due, at > due, stake))
        out.sort(key=lambda lo: (lo.ship_by, lo.order.order_no))
        return out

    # --- the returns register ---------------------------------------------------------

    def add_return(
        self,
        tracking_no: str,
        *,
        at: datetime,
        order_no: str | None = None,
        buyer_nick: str | None = None,
        reason: str | None = None,
        refund_no: str | None = None,
        carrier: str | None = None,
        postage_paid_by: str | None = None,
        note: str | None = None,
    ) -> ReturnEntry:
        """Register a returned parcel by hand (see :meth:`_add_return`)."""
        return self._add_return(
            tracking_no,
            at=at,
            order_no=order_no,
            buyer_nick=buyer_nick,
            reason=reason,
            refund_no=refund_no,
            carrier=carrier,
            postage_paid_by=postage_paid_by,
            note=note,
            from_case=False,
        )

    def _add_return(
        self,
        tracking_no: str,
        *,
        at: datetime,
        order_no: str | None,
        buyer_nick: str | None,
        reason: str | None,
        refund_no: str | None,
        postage_paid_by: str | None,
        note: str | None,
        from_case: bool,
        carrier: str | None = None,
    ) -> ReturnEntry:
        """Register a returned parcel. By hand (the register's form, ``redline returns
        add``) a duplicate tracking number or an unknown order is refused; from a
        case's 买家已寄回 step the case's own order stands, and a parcel the warehouse
        registered first is linked to the case instead."""
        number = normalize_tracking(tracking_no)
        if len(number) < 6:
            raise DeskError(f"退货物流单号太短：{tracking_no!r}")
        if not TRACKING_NO.fullmatch(number):
            raise DeskError(
                f"退货物流单号只能包含字母和数字（6–40 位）：{tracking_no[:60]!r}"
                " (a tracking number is 6-40 letters and digits)"
            )
        if postage_paid_by not in (None, "buyer", "seller", "insurance"):
            raise DeskError("运费承担方应为 buyer（买家）、seller（卖家）或 insurance（运费险）")
        same = self.s.scalars(select(ReturnEntry).where(ReturnEntry.tracking_no == number)).first()
        if same is not None and from_case:
            same.order_no = same.order_no or order_no
            same.refund_no = same.refund_no or refund_no
            same.buyer_nick = same.buyer_nick or buyer_nick
            same.reason = same.reason or reason
            same.postage_paid_by = same.postage_paid_by or postage_paid_by
            return same
        if same is not None:
            raise DeskError(
                f"物流单号 {number} 已登记（第 {same.id} 条），不重复登记"
                f" (already registered as entry {same.id})"
            )
        if order_no:
            order = self.s.get(Order, order_no)
            if order is None and not from_case:
                raise DeskError(
                    f"没有订单 {order_no}：请核对订单号，或先导入订单报表"
                    f" (no such order: check the number or import the order report first)"
                )
            if buyer_nick is None and order is not None:
                buyer_nick = order.buyer_nick
        entry = ReturnEntry(
            tracking_no=number,
            carrier=carrier,
            buyer_nick=buyer_nick,
            order_no=order_no,
            refund_no=refund_no,
            reason=reason,
            postage_paid_by=postage_paid_by,
            registered_at=at,
            note=note,
            source="manual",
        )
        self.s.add(entry)
        self.s.flush()
        return entry

    def find_returns(self, tracking_no: str) -> list[ReturnEntry]:
        """Exact tracking number first; else, for 6+ characters, numbers ending with it
        (a warehouse reading a smudged label often has only the tail)."""
        number = normalize_tracking(tracking_no)
        if not number:
            return []
        exact = list(self.s.scalars(select(ReturnEntry).where(ReturnEntry.tracking_no == number)))
        if exact or len(number) < 6:
            return exact
        return list(
            self.s.scalars(
                select(ReturnEntry)
                .where(ReturnEntry.tracking_no.endswith(number, autoescape=True))
                .order_by(ReturnEntry.registered_at.desc())
                .limit(20)
            )
        )

    def recent_returns(self, limit: int = 50, offset: int = 0) -> list[ReturnEntry]:
        """The register's entries, newest first (the web page's list)."""
        return list(
            self.s.scalars(
                select(ReturnEntry)
                .order_by(ReturnEntry.registered_at.desc(), ReturnEntry.id.desc())
                .offset(offset)
                .limit(limit)
            )
        )

    def case_for_return(self, entry: ReturnEntry) -> Case | None:
        if entry.refund_no:
            return self.s.scalar(select(Case).where(Case.refund_no == entry.refund_no))
        return None

    # --- the handoff board ------------------------------------------------------------

    def add_handoff(
        self, kind: str, text: str, *, at: datetime, author: str | None, order_no: str | None
    ) -> HandoffNote:
        code = handoff_kind(kind)
        if not text.strip():
            raise DeskError("交接内容不能为空")
        note = HandoffNote(kind=code, text=text, author=author, order_no=order_no, created_at=at)
        self.s.add(note)
        self.s.flush()
        return note

    def handoffs(self, include_closed: bool = False) -> list[HandoffNote]:
        q = select(HandoffNote).order_by(HandoffNote.created_at, HandoffNote.id)
        if not include_closed:
            q = q.where(HandoffNote.closed_at.is_(None))
        return list(self.s.scalars(q))

    def close_handoff(
        self, note_id: int, *, at: datetime, by: str | None, resolution: str | None
    ) -> HandoffNote:
        note = self.s.get(HandoffNote, note_id)
        if note is None:
            raise DeskError(f"没有编号为 {note_id} 的交接事项")
        if note.closed_at is not None:
            raise DeskError(f"交接事项 {note_id} 已于 {note.closed_at:%Y-%m-%d %H:%M} 关闭")
        note.closed_at = at
        note.closed_by = by
        note.resolution = resolution
        return note


def case_json(v: CaseView, at: datetime) -> dict[str, Any]:
    c = v.case
    nxt = v.urgency.next
    return {
        "id": c.id,
        "kind": c.kind,
        "state": c.state,
        "order_no": c.order_no,
        "refund_no": c.refund_no,
        "buyer": mask_name(c.buyer_nick),
        "reason": c.reason,
        "opened_at": china_iso(c.opened_at),
        "overdue": v.urgency.overdue,
        "passed": [
            {"clock": k.name, "due_at": china_iso(k.due_at), "consequence": rules.CLOCKS[k.name][0]}
            for k in v.urgency.passed
        ],
        "next": None
        if nxt is None
        else {
            "clock": nxt.name,
            "due_at": china_iso(nxt.due_at),
            "consequence": rules.CLOCKS[nxt.name][0],
            "consequence_en": rules.CLOCKS[nxt.name][1],
        },
        "exposure": str(c.exposure) if c.exposure is not None else None,
        "advice": c.advice,
        "actions": rules.allowed_actions(c.state),
    }


def late_json(lo: LateOrder, at: datetime) -> dict[str, Any]:
    o = lo.order
    return {
        "order_no": o.order_no,
        "buyer": mask_name(o.buyer_nick),
        "paid_at": china_iso(o.paid_at),
        "ship_by": china_iso(lo.ship_by),
        "overdue": lo.overdue,
        "presale": o.presale,
        "paid_amount": str(o.paid_amount) if o.paid_amount is not None else None,
        "compensation_at_stake": str(lo.exposure),
    }
