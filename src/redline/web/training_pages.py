"""Training pages: ``/templates`` (the 话术 library with search and copy), ``/exam``
(take a paper or a red line's practice in the browser, with a timer), ``/exam/results/{id}``
and ``/exam/team`` (supervisors: who passed, levels, weak red lines, drills from QA).

The same library, bank and grading as ``redline templates`` / ``redline exam``; results
go to the same table, marked ``via=web``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from redline.desk.policy import Policy
from redline.store import training as results
from redline.training.bank import Bank, Drill, load_bank
from redline.training.grading import Paper, answer_item, draw_paper, score
from redline.training.library import Library, load_library
from redline.training.search import TemplateIndex
from redline.training.source import CATEGORIES
from redline.web.render import render
from redline.web.views import EVERYONE, ID_MAX, SHOP, form_guard, require
from redline.yamlsrc import PackError

PAPER_MINUTES = 30  # a full paper; a practice paper gets a third of it


@dataclass
class Training:
    library: Library
    bank: Bank
    index: TemplateIndex


def training(request: Request) -> Training:
    """The library and the bank, loaded once per app on first use."""
    state = request.app.state
    found = getattr(state, "training", None)
    if found is None:
        try:
            library = load_library()
            found = Training(library, load_bank(library=library), TemplateIndex(library))
        except PackError as exc:
            raise HTTPException(
                503, f"培训数据有误，请联系管理员 (training data is broken): {exc.message}"
            ) from exc
        state.training = found
    assert isinstance(found, Training)
    return found


def _who(request: Request) -> str:
    user = require(request, EVERYONE)
    return user.agent_account or user.name


def _paper(bank: Bank, category: str | None, seed: int) -> Paper:
    return draw_paper(bank, seed=seed, category=category)


def register(app: FastAPI) -> None:
    @app.get("/templates", include_in_schema=False)
    def templates_page(
        request: Request,
        q: str = Query("", max_length=500),
        scenario: str = Query("", max_length=40),
        category: str = Query("", max_length=30),
    ) -> HTMLResponse:
        require(request, EVERYONE)
        tr = training(request)
        if q.strip():
            rows = [h.template for h in tr.index.search(q, k=8, category=category or None)]
        else:
            rows = [
                t
                for t in tr.library.templates.values()
                if (not scenario or t.scenario == scenario)
                and (not category or t.category == category)
            ]
        return render(
            request,
            "templates.html",
            {
                "active": "templates",
                "q": q,
                "scenario": scenario,
                "category": category,
                "scenarios": tr.library.scenarios,
                "categories": {
                    k: (c.name_zh, c.name_en) for k, c in request.app.state.rules.categories.items()
                },
                "rows": [
                    {**t.to_dict(), "rendered": t.render(), "rendered_en": t.render(lang="en")}
                    for t in rows
                ],
            },
        )

    @app.get(
        "/api/templates", tags=["training"], summary="按买家的话检索话术 (search reply templates)"
    )
    def templates_api(
        request: Request,
        q: str = Query("", max_length=500),
        category: str | None = Query(None, max_length=30),
        k: int = Query(5, ge=1, le=50),
    ) -> JSONResponse:
        require(request, EVERYONE)
        tr = training(request)
        if q.strip():
            hits = [
                {**h.template.to_dict(), "score": round(h.score, 3)}
                for h in tr.index.search(q, k=k, category=category)
            ]
        else:
            hits = [
                t.to_dict()
                for t in tr.library.templates.values()
                if not category or t.category == category
            ]
        return JSONResponse(hits)

    @app.get("/exam", include_in_schema=False)
    def exam_home(request: Request) -> HTMLResponse:
        agent = _who(request)
        engine = request.app.state.engine
        return render(
            request,
            "exam.html",
            {
                "active": "exam",
                "agent": agent,
                "history": [
                    results.result_dict(r) for r in results.history(engine, agent, limit=20)
                ],
                "assigned": results.assigned_drills(engine, agent),
                "categories": {
                    k: (c.name_zh, c.name_en) for k, c in request.app.state.rules.categories.items()
                },
            },
        )

    @app.get("/exam/paper", include_in_schema=False)
    def exam_paper(
        request: Request,
        category: str = Query("", max_length=30),
        seed: int = Query(0, ge=0, le=ID_MAX),
    ) -> Response:
        require(request, EVERYONE)
        if category and category not in CATEGORIES:
            raise HTTPException(404, "没有这个红线类别 (no such category)")
        tr = training(request)
        if not seed:
            import secrets

            return RedirectResponse(
                f"/exam/paper?seed={secrets.randbelow(ID_MAX - 1) + 1}"
                + (f"&category={category}" if category else ""),
                status_code=303,
            )
        paper = _paper(tr.bank, category or None, seed)
        items = []
        for item in paper.items:
            d = item.to_dict(answers=False)
            d["section_name"] = (
                tr.bank.sections[item.section].zh,
                tr.bank.sections[item.section].en,
            )
            if isinstance(item, Drill):
                d["messages"] = item.context["messages"]
            items.append(d)
        minutes = PAPER_MINUTES if not category else max(5, PAPER_MINUTES // 3)
        return render(
            request,
            "exam_paper.html",
            {
                "active": "exam",
                "items": items,
                "seed": seed,
                "category": category,
                "minutes": minutes,
            },
        )

    @app.post("/exam/submit", include_in_schema=False)
    async def exam_submit(request: Request) -> Response:
        form = await request.form()
        user = form_guard(request, EVERYONE, str(form.get("csrf_token") or ""))
        try:
            seed = int(str(form.get("seed") or "0"))
        except ValueError:
            raise HTTPException(400, "试卷编号无效 (bad paper)") from None
        category = str(form.get("category") or "") or None
        if category and category not in CATEGORIES:
            raise HTTPException(400, "没有这个红线类别 (no such category)")
        tr = training(request)
        paper = _paper(tr.bank, category, seed)
        guard = request.app.state.guard
        answers = []
        for item in paper.items:
            if isinstance(item, Drill) or item.type != "multiple":
                given = str(form.get(f"a.{item.id}") or "")[:2000]
            else:  # checkboxes: one value per ticked option
                given = "".join(str(v) for v in form.getlist(f"a.{item.id}"))[:20]
            answers.append(answer_item(item, given, guard))
        result = score(tr.bank, paper, answers)
        rid = results.record_result(
            request.app.state.engine,
            user.agent_account or user.name,
            result,
            Policy.default().china_now(),
            via="web",
        )
        return RedirectResponse(f"/exam/results/{rid}", status_code=303)

    @app.get("/exam/results/{result_id}", include_in_schema=False)
    def exam_result(request: Request, result_id: int = Path(ge=1, le=ID_MAX)) -> HTMLResponse:
        user = require(request, EVERYONE)
        row = results.get_result(request.app.state.engine, result_id)
        if row is None or (user.role == "agent" and row.agent != (user.agent_account or user.name)):
            raise HTTPException(404, "没有这份成绩 (no such result)")
        tr = training(request)
        data = results.result_dict(row)
        for a in data["answers"]:
            try:
                item = tr.bank.item(a["item"])
            except KeyError:
                continue
            a["text"] = item.task if isinstance(item, Drill) else item.zh
            a["explain"] = "" if isinstance(item, Drill) else item.explain
        return render(
            request,
            "exam_result.html",
            {
                "active": "exam",
                "r": data,
                "sections": tr.bank.sections,
                "pass_mark": tr.bank.pass_mark,
            },
        )

    @app.get("/exam/team", include_in_schema=False)
    def exam_team(request: Request) -> HTMLResponse:
        require(request, SHOP)
        engine = request.app.state.engine
        standings, weak = results.team(engine)
        rows: list[dict[str, Any]] = [
            {**s.to_dict(), "assigned": [c for c, _ in results.assigned_drills(engine, s.agent)]}
            for s in standings
        ]
        return render(
            request,
            "exam_team.html",
            {
                "active": "exam",
                "rows": rows,
                "team_weak": weak,
                "categories": {
                    k: (c.name_zh, c.name_en) for k, c in request.app.state.rules.categories.items()
                },
            },
        )
