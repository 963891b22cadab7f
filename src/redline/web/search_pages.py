"""``/search`` (admin, supervisor): the header's search box.

An order by its number or last digits, a refund, a case, a return parcel, a buyer's
orders: :func:`redline.store.search.search` finds them. The page goes straight to
the record when there is one; the API answers the list.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import RedirectResponse, Response

from redline.desk import cases as rules
from redline.store.search import Hit, search
from redline.web.render import dumps, render
from redline.web.views import SHOP, reading, require


def _find(request: Request, q: str) -> list[Hit]:
    with reading(request) as s:
        return search(s, q)


def _hit_json(hit: Hit) -> dict[str, Any]:
    out = hit.to_json()
    if hit.kind == "case":
        out["state_name"] = rules.STATES.get(hit.status, (hit.status, hit.status))
    return out


def register(app: FastAPI) -> None:
    @app.get(
        "/api/search",
        tags=["search"],
        summary="按订单号（或末 6 位以上）、退款号、售后编号、退货运单号、买家查找 (find a record)",
    )
    def search_api(request: Request, q: str = Query(..., max_length=120)) -> Response:
        require(request, SHOP)
        hits = _find(request, q)
        return Response(
            dumps({"hits": [_hit_json(h) for h in hits]}), media_type="application/json"
        )

    @app.get("/search", include_in_schema=False)
    def search_page(request: Request, q: str = Query("", max_length=120)) -> Response:
        require(request, SHOP)
        hits = _find(request, q) if q.strip() else []
        if len(hits) == 1:  # one record: go to it
            return RedirectResponse(hits[0].url, status_code=303)
        return render(
            request,
            "search.html",
            {"q": q, "hits": [_hit_json(h) for h in hits], "active": None},
        )
