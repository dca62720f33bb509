"""Logs carry ids and codes, never request bodies or SQL parameters (issue 15, item 6)."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import text

from tests.factories import Clock, Tenant, ivvy_uri, sign_js
from venuecrm.app import create_app
from venuecrm.config import Settings
from venuecrm.edges.ivvy.registry import ACTIONS, Action, ActionContext
from venuecrm.logs import JsonFormatter
from venuecrm.wire.ivvy import Pong

EMAIL = "zelda.quixote-7731@example.org"


class _Nothing(BaseModel):
    pass


class _Person(BaseModel):
    email: str
    name: str


def _cast_the_email(ctx: ActionContext) -> Pong:
    # A real database error whose driver message quotes the value it choked on:
    # invalid input syntax for type integer: "zelda...".
    email = ctx.input.email
    with ctx.uow() as uow:
        uow.session.execute(text("SELECT CAST(:value AS integer)"), {"value": email})
    raise AssertionError("the cast must fail")


def test_a_database_error_is_logged_with_codes_not_values(
    settings: Settings, clock: Clock, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    failing = Action(
        namespace="test",
        name="castEmail",
        summary="Fails in the database.",
        handler=_cast_the_email,
        reply_model=_Nothing,
        request_model=_Person,
    )
    app = create_app(settings, clock=clock, actions=(*ACTIONS, failing))
    uri = ivvy_uri("test", "castEmail")
    body = json.dumps({"email": EMAIL, "name": "Zelda Quixote"}).encode()
    with (
        TestClient(app, raise_server_exceptions=False) as client,
        caplog.at_level(logging.DEBUG),
    ):
        response = client.post(uri, content=body, headers=sign_js(tenant, uri, body, clock.now))
    assert response.status_code == 500
    assert response.json()["specificCode"] == 90500
    lines = [JsonFormatter().format(record) for record in caplog.records]
    errors = [json.loads(line) for line in lines if '"level": "ERROR"' in line]
    assert len(errors) == 1
    error = errors[0]
    assert error["request_id"] == response.headers["x-request-id"]
    assert error["error_type"] == "sqlalchemy.exc.DataError"
    # 22P02: invalid_text_representation, enough to find the statement in the frames.
    assert {entry.get("sqlstate") for entry in error["error_chain"]} >= {"22P02"}
    assert any("_cast_the_email" in frame for frame in error["error_chain"][0]["frames"])
    for line in lines:
        assert EMAIL not in line
        assert "Zelda" not in line


def test_sql_errors_hide_their_parameters(settings: Settings) -> None:
    from sqlalchemy.exc import DataError

    from venuecrm.platform.engine import make_engine

    engine = make_engine(settings)
    try:
        with engine.connect() as conn, pytest.raises(DataError) as caught:
            conn.execute(text("SELECT CAST(:value AS integer)"), {"value": "not-a-number"})
    finally:
        engine.dispose()
    # SQLAlchemy's message would list "[parameters: {'value': ...}]" without hide_parameters.
    assert "SQL parameters hidden" in str(caught.value)
