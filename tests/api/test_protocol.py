"""The protocol edge: routing, methods, body limit, request ids, logs, unexpected failures."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from tests.factories import Clock, Tenant, ivvy_uri, sign_js
from venuecrm.app import create_app
from venuecrm.config import Settings
from venuecrm.edges.ivvy.registry import ACTIONS, Action, ActionContext
from venuecrm.logs import JsonFormatter
from venuecrm.wire.ivvy import Pong

# Also through PgBouncer in transaction-pooling mode, as replicas run (tests/conftest.py).
pytestmark = pytest.mark.pgbouncer


def test_ping_answers_with_the_server_time(
    client: TestClient, tenant: Tenant, clock: Clock
) -> None:
    uri = ivvy_uri("test", "ping")
    response = client.post(uri, headers=sign_js(tenant, uri, b"", clock.now))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"ack": clock.now.strftime("%Y-%m-%d %H:%M:%S UTC")}


def test_action_names_match_case_insensitively(
    client: TestClient, tenant: Tenant, clock: Clock
) -> None:
    uri = ivvy_uri("Test", "PING")
    response = client.post(uri, headers=sign_js(tenant, uri, b"", clock.now))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("uri", "named"),
    [
        ("/api/1.0/test?action=nope", "nope"),
        ("/api/1.0/nowhere?action=ping", "nowhere"),
        ("/api/2.0/test?action=ping", "2.0"),
        ("/api/1.0/test", "action"),
    ],
    ids=["action", "namespace", "version", "no-action"],
)
def test_unknown_action_is_a_404_envelope_naming_it(
    client: TestClient, tenant: Tenant, clock: Clock, uri: str, named: str
) -> None:
    response = client.post(uri, headers=sign_js(tenant, uri, b"", clock.now))
    assert response.status_code == 404
    body = response.json()
    assert body["errorCode"] == 404
    assert body["specificCode"] == 90404
    assert named in body["message"]


def test_unknown_path_under_api_is_a_404_envelope(client: TestClient) -> None:
    response = client.post("/api/1.0/venue/extra?action=x")
    assert response.status_code == 404
    assert response.json()["specificCode"] == 90404


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_methods_other_than_post_are_405(client: TestClient, method: str) -> None:
    response = client.request(method, "/api/1.0/test?action=ping")
    assert response.status_code == 405
    assert response.json() == {
        "errorCode": 405,
        "message": "Method Not Allowed: iVvy API calls are POST requests",
        "specificCode": 90405,
        "additionalMessages": [],
    }


def test_declared_oversize_body_is_413_before_reading_it(
    client: TestClient, tenant: Tenant, clock: Clock, settings: Settings
) -> None:
    uri = ivvy_uri("test", "ping")
    body = b"x" * (settings.max_body_bytes + 1)
    response = client.post(uri, content=body, headers=sign_js(tenant, uri, body, clock.now))
    assert response.status_code == 413
    assert response.json()["specificCode"] == 90413


def test_streamed_oversize_body_without_length_is_413(
    client: TestClient, tenant: Tenant, clock: Clock, settings: Settings
) -> None:
    uri = ivvy_uri("test", "ping")
    chunk = b"x" * 65536
    chunks = settings.max_body_bytes // len(chunk) + 2

    def stream() -> Iterator[bytes]:
        for _ in range(chunks):
            yield chunk

    headers = sign_js(tenant, uri, b"", clock.now)
    response = client.post(uri, content=stream(), headers=headers)
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 413
    assert response.json()["errorCode"] == 413


def test_body_at_the_limit_is_accepted(
    client: TestClient, tenant: Tenant, clock: Clock, settings: Settings
) -> None:
    uri = ivvy_uri("test", "ping")
    body = b" " * settings.max_body_bytes
    response = client.post(uri, content=body, headers=sign_js(tenant, uri, body, clock.now))
    assert response.status_code == 200


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    echoed = client.get("/health", headers={"X-Request-Id": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = client.get("/health", headers={"X-Request-Id": "bad id\r\nX-Evil: 1"})
    assert generated.headers["x-request-id"] != "abc-123"
    assert len(generated.headers["x-request-id"]) == 32
    assert "x-evil" not in generated.headers


def test_every_request_is_logged_once_with_its_context(
    client: TestClient, tenant: Tenant, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    uri = ivvy_uri("test", "ping")
    with caplog.at_level(logging.INFO, logger="venuecrm.request"):
        response = client.post(
            uri, headers={**sign_js(tenant, uri, b"", clock.now), "X-Request-Id": "log-me"}
        )
    records = [r for r in caplog.records if getattr(r, "request_id", None) == "log-me"]
    assert len(records) == 1
    record = records[0].__dict__
    assert record["method"] == "POST"
    assert record["path"] == "/api/1.0/test"
    assert record["action"] == "ping"
    assert record["account_id"] == tenant.account_id
    assert record["status"] == response.status_code == 200
    assert record["duration_ms"] >= 0


def test_passing_probes_are_logged_at_debug_not_info(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Orchestrators probe every few seconds; at INFO that would bury the requests that matter.
    with caplog.at_level(logging.DEBUG, logger="venuecrm.request"):
        for path in ("/health", "/ready"):
            response = client.get(path, headers={"X-Request-Id": f"probe{path.replace('/', '-')}"})
            assert response.status_code == 200
    levels = {
        r.__dict__["path"]: r.levelno
        for r in caplog.records
        if str(getattr(r, "request_id", "")).startswith("probe-")
    }
    assert levels == {"/health": logging.DEBUG, "/ready": logging.DEBUG}


class _Nothing(BaseModel):
    pass


def _explode(_: ActionContext) -> Pong:
    raise RuntimeError("secret internal detail")


def test_unexpected_failure_is_a_clean_500_with_request_id(
    settings: Settings, clock: Clock, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    exploding = Action(
        namespace="test",
        name="explode",
        summary="Always fails.",
        handler=_explode,
        reply_model=_Nothing,
    )
    app = create_app(settings, clock=clock, actions=(*ACTIONS, exploding))
    uri = ivvy_uri("test", "explode")
    with (
        TestClient(app, raise_server_exceptions=False) as client,
        caplog.at_level(logging.INFO, logger="venuecrm"),
    ):
        response = client.post(uri, headers=sign_js(tenant, uri, b"", clock.now))
    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    body = response.json()
    assert body["errorCode"] == 500
    assert body["specificCode"] == 90500
    assert request_id in body["message"]
    assert body["additionalMessages"] == [f"requestId: {request_id}"]
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].__dict__["request_id"] == request_id
    # The type and the frames say where it failed; the message, which can quote data, is not kept.
    assert errors[0].__dict__["error_type"] == "builtins.RuntimeError"
    assert any("_explode" in frame for frame in errors[0].__dict__["error_chain"][0]["frames"])
    assert errors[0].exc_info is None
    assert "secret internal detail" not in JsonFormatter().format(errors[0])
    logged = [r for r in caplog.records if r.name == "venuecrm.request" and r.msg == "request"]
    assert [r.__dict__["status"] for r in logged] == [500]


def test_log_lines_are_json_with_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    from venuecrm.logs import configure_logging

    configure_logging("INFO")
    logger = logging.getLogger("venuecrm.test")
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed", extra={"request_id": "r1"})
    finally:
        logging.getLogger("venuecrm").handlers.clear()
        logging.getLogger("venuecrm").propagate = True
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "failed"
    assert line["request_id"] == "r1"
    assert line["level"] == "ERROR"
    assert "ValueError: boom" in line["traceback"]
