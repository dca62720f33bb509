"""The action registry is the one source of each iVvy action's example and documented codes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from venuecrm.edges.ivvy.registry import ACTIONS


def _operations(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document, document["paths"]


def test_each_request_example_is_the_declared_one_and_stands_only_there(
    client: TestClient,
) -> None:
    document, paths = _operations(client)
    schemas = document["components"]["schemas"]
    for action in ACTIONS:
        media = paths[f"/api/1.0/{action.namespace}?action={action.name}"]["post"]
        media = media["requestBody"]["content"]["application/json"]
        if action.request_model is None:
            assert "example" not in media, action.name
            continue
        assert media["example"] == action.request_example, action.name
        # A second copy on the model's schema is what drifted before: there is none.
        assert "example" not in schemas[action.request_model.__name__], action.name


def test_each_operation_documents_exactly_the_declared_codes(client: TestClient) -> None:
    _, paths = _operations(client)
    for action in ACTIONS:
        operation = paths[f"/api/1.0/{action.namespace}?action={action.name}"]["post"]
        bad_request = operation["responses"]["400"]
        _, _, listed = bad_request["description"].partition("Specific codes: ")
        codes = [int(entry.split(" ", 1)[0]) for entry in listed.split("; ")] if listed else []
        assert codes == [error.specific_code for error in action.error_codes], action.name
        if codes:
            example = bad_request["content"]["application/json"]["example"]
            assert example["specificCode"] == action.codes.example.specific_code, action.name
