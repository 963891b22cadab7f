"""The reply checker: an agent types a reply and sees findings as they type.

The page itself only holds the form; ``static/app.js`` posts the conversation to
``POST /api/check`` (the same pre-send check integrations call) and draws the
findings with the evidence highlighted and a copy button on the suggestion.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from redline.web.render import render
from redline.web.views import EVERYONE, require


def register(app: FastAPI) -> None:
    @app.get("/checker", include_in_schema=False)
    def checker(request: Request) -> HTMLResponse:
        user = require(request, EVERYONE)
        return render(
            request,
            "checker.html",
            {
                "active": "checker",
                "account": user.agent_account or user.name,
                "category_names": {
                    k: (c.name_zh, c.name_en) for k, c in request.app.state.rules.categories.items()
                },
            },
        )
