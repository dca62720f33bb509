"""The API documentation: a valid OpenAPI document and a ``/docs`` page that works offline.

Every assertion iterates the action registry, so an action added later is checked without
touching this file.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openapi_spec_validator import validate
from pydantic import BaseModel, Field

from tests.factories import Clock, Tenant, ivvy_uri, json_body, sign_js
from venuecrm.app import create_app
from venuecrm.config import Settings
from venuecrm.edges.ivvy.registry import Action
from venuecrm.errors import UnknownAction
from venuecrm.wire.ivvy import ErrorEnvelope

ERROR_ENVELOPE_REF = f"#/components/schemas/{ErrorEnvelope.__name__}"
# Not a loopback name: Swagger UI special-cases localhost, and the page must work for real hosts.
DOCS_HOST = "venuecrm.test"
# Elements that make the browser fetch something, and the attribute naming what.
RESOURCE_ATTR = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src"}


class _Page(HTMLParser):
    """What a docs page loads and which operations Swagger UI rendered."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.resources: list[str] = []
        self.operation_paths: set[str] = set()
        self.operation_summaries: set[str] = set()
        self._in_summary = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        resource = values.get(RESOURCE_ATTR.get(tag, ""))
        if resource:
            self.resources.append(resource)
        classes = (values.get("class") or "").split()
        if "opblock-summary-path" in classes and values.get("data-path"):
            self.operation_paths.add(values["data-path"] or "")
        self._in_summary = "opblock-summary-description" in classes

    def handle_data(self, data: str) -> None:
        if self._in_summary:
            self.operation_summaries.add(data.strip())

    def handle_endtag(self, tag: str) -> None:
        self._in_summary = False


def _actions(app: FastAPI) -> list[Action]:
    found: list[Action] = list(app.state.actions.values())
    assert found, "the registry is empty, so these tests would check nothing"
    return found


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    assert isinstance(node, dict)
    return node


def _operation(document: dict[str, Any], action: Action) -> dict[str, Any]:
    path = ivvy_uri(action.namespace, action.name)
    assert path in document["paths"], f"{action.namespace}.{action.name} is not documented"
    operation: dict[str, Any] = document["paths"][path]["post"]
    return operation


def _has_example(media: dict[str, Any], schema: dict[str, Any]) -> bool:
    return any(key in holder for holder in (media, schema) for key in ("example", "examples"))


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.netloc and parts.scheme in ("", "data")


def test_openapi_document_validates(client: TestClient) -> None:
    response = client.get("/openapi.json")

    assert response.status_code == 200
    validate(response.json())


def test_every_action_is_its_own_operation_with_request_and_reply_schemas(
    client: TestClient, app: FastAPI
) -> None:
    document = client.get("/openapi.json").json()
    operation_ids = []

    for action in _actions(app):
        operation = _operation(document, action)
        operation_ids.append(operation["operationId"])
        assert operation["summary"] == action.summary

        request = operation["requestBody"]["content"]["application/json"]
        request_schema = _resolve(document, request["schema"])
        if action.request_model is None:
            assert request_schema["type"] == "object"
        else:
            assert request["schema"]["$ref"].endswith(f"/{action.request_model.__name__}")
            assert _has_example(request, request_schema), f"{action.name}: no request example"

        reply = operation["responses"]["200"]["content"]["application/json"]
        assert reply["schema"]["$ref"].endswith(f"/{action.reply_model.__name__}")
        assert _has_example(reply, _resolve(document, reply["schema"])), (
            f"{action.namespace}.{action.name}: the reply model has no example"
        )

    assert len(set(operation_ids)) == len(operation_ids)


def test_every_action_documents_its_errors_as_the_error_envelope(
    client: TestClient, app: FastAPI
) -> None:
    document = client.get("/openapi.json").json()
    envelope = _resolve(document, {"$ref": ERROR_ENVELOPE_REF})
    assert "example" in envelope

    for action in _actions(app):
        responses = _operation(document, action)["responses"]
        errors = {code: value for code, value in responses.items() if not code.startswith("2")}
        # Every action can be called unsigned or under a mistyped name.
        assert {"401", "404"} <= errors.keys()
        for code, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_ENVELOPE_REF}, f"{action.name} {code}"


def test_documented_operation_url_reaches_its_action(
    client: TestClient, app: FastAPI, tenant: Tenant, clock: Clock
) -> None:
    # "Try it out" posts to the path key as written, query string included.
    document = client.get("/openapi.json").json()

    for action in _actions(app):
        path = ivvy_uri(action.namespace, action.name)
        operation = document["paths"][path]["post"]
        example = operation["requestBody"]["content"]["application/json"].get("example", {})
        body = json_body(example)
        headers = sign_js(tenant, path, body, clock.now)

        response = client.post(path, content=body, headers=headers)

        # Past the signature check, only the action lookup can answer "unknown action".
        assert response.status_code != 401, response.text
        reply = response.json()  # an object, or a bare array for the definition calls
        assert (
            not isinstance(reply, dict) or reply.get("specificCode") != UnknownAction.specific_code
        ), response.text


class _Greeting(BaseModel):
    name: str = Field(description="Who to greet.")


def test_action_with_parameters_documents_its_request_schema_and_example(
    settings: Settings,
) -> None:
    greet = Action(
        namespace="demo",
        name="greet",
        summary="Say hello.",
        handler=lambda _ctx: _Greeting(name="x"),
        reply_model=_Greeting,
        request_model=_Greeting,
        request_example={"name": "Ada"},
    )

    document = create_app(settings, actions=(greet,)).openapi()

    validate(document)
    request = document["paths"]["/api/1.0/demo?action=greet"]["post"]["requestBody"]
    media = request["content"]["application/json"]
    assert media["example"] == {"name": "Ada"}
    assert _resolve(document, media["schema"])["properties"]["name"]["type"] == "string"


def test_docs_page_loads_only_assets_the_app_serves(client: TestClient) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    page = _Page(response.text)
    assert page.resources, "the docs page loads no scripts or styles"
    for url in page.resources:
        assert _is_local(url), f"/docs references an external resource: {url}"
        assert client.get(url).status_code == 200, f"{url} is not served by the app"


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(
            "chromium is not installed: the docs page test needs Debian's `chromium` package "
            "(`./dev test` installs it; or `apt-get install chromium`)"
        )
    return found


def _render(url: str, profile: Path) -> str:
    """The DOM Chromium builds for ``url`` with every host but ``DOCS_HOST`` unresolvable."""
    port = urlsplit(url).port
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--no-proxy-server",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        # First match wins: only our host resolves, as if there were no internet.
        f"--host-resolver-rules=MAP {DOCS_HOST} 127.0.0.1, MAP * ~NOTFOUND",
        # Virtual time runs until the page is idle (scripts, fetches), capped at 15 s.
        "--virtual-time-budget=15000",
        "--dump-dom",
        f"http://{DOCS_HOST}:{port}/docs",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_docs_page_renders_every_action_offline_in_chromium(
    live_server: str, app: FastAPI, tmp_path: Path
) -> None:
    page = _Page(_render(live_server, tmp_path / "profile"))

    for action in _actions(app):
        path = ivvy_uri(action.namespace, action.name)
        assert path in page.operation_paths, f"{path} not rendered; got {page.operation_paths}"
        assert action.summary in page.operation_summaries
    external = [url for url in page.resources if not _is_local(url)]
    assert not external, f"the rendered page references external resources: {external}"


def test_every_crm_operation_documents_its_body_and_reply_with_examples(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    crm = {path: item for path, item in document["paths"].items() if path.startswith("/crm/")}
    assert {"/crm/companies", "/crm/contacts/{contact_id}", "/crm/users", "/crm/pipelines",
            "/crm/notes/{note_id}", "/crm/opportunities"} <= set(crm)  # fmt: skip
    for path, item in crm.items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            body = operation.get("requestBody")
            if body is not None:
                media = body["content"]["application/json"]
                assert _has_example(media, _resolve(document, media["schema"])), where
            replies = [v for k, v in operation["responses"].items() if k.startswith("2")]
            if not replies:  # writing users and pipelines: 501 only
                assert "501" in operation["responses"], where
                continue
            schema = _resolve(document, replies[0]["content"]["application/json"]["schema"])
            data = schema["properties"]["data"]
            target = data.get("items", data)
            assert "$ref" in target, where
            assert _has_example({}, _resolve(document, target)), f"{where}: no reply example"
