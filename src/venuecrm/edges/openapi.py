"""The OpenAPI document: FastAPI's routes plus one operation per registered iVvy action."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from venuecrm.edges.http.envelope import envelope
from venuecrm.edges.ivvy.action import Action
from venuecrm.errors import (
    DatabaseUnavailable,
    IdempotencyKeyReused,
    InternalError,
    InvalidParameter,
    KeyRevoked,
    MethodNotAllowed,
    RateLimited,
    RequestInProgress,
    RequestTooLarge,
    StaleRequest,
    UnknownAction,
    VenueCrmError,
)
from venuecrm.features.notes.unified_schemas import NoteInput
from venuecrm.features.opportunities.unified_schemas import OpportunityInput
from venuecrm.features.parties.unified_schemas import CompanyInput, ContactInput
from venuecrm.wire.ivvy import ErrorEnvelope

_REF = "#/components/schemas/{model}"
# Each error status, what it means, and the error an example envelope is drawn from.
_ERRORS: dict[str, tuple[str, VenueCrmError]] = {
    "400": ("Invalid request.", InvalidParameter("'id' does not validate", ["id: must be an id"])),
    "401": ("Missing, malformed, unknown or wrong signature, or stale.", StaleRequest()),
    "404": ("Unknown namespace or action.", UnknownAction("Unknown action 'x' in 'venue'")),
    "405": ("Only POST is allowed.", MethodNotAllowed()),
    "413": ("Body over the configured limit.", RequestTooLarge()),
    "463": ("The API key was revoked.", KeyRevoked()),
    "429": ("Too many requests: the key's limit, or the address's failed-authentication limit "
            "(Retry-After and RateLimit-* headers say when to retry); or 24299, a race condition: "
            "a row lock or statement outlasted its timeout, nothing was written, retry after "
            "Retry-After.", RateLimited("Too many requests; retry later", {})),
    "500": ("Unexpected failure; the message has the request id.", InternalError()),
    "503": ("The database is unavailable or busy; nothing was written. Retry after Retry-After.",
            DatabaseUnavailable()),
}  # fmt: skip
_SIGNING_HEADERS = [
    ("Content-MD5", True, "Lowercase hex MD5 of the body (also for an empty body)."),
    ("IVVY-Date", False, "yyyy-mm-dd HH:mm:ss [UTC]; when sent, the Date slot is not signed."),
    ("Date", False, "RFC 7231 date, signed and checked when no IVVY-* header is sent."),
]
_IDEMPOTENCY_HEADERS = [
    ("IVVY-Idempotency-Key", False, "A retry with this key gets the first response instead of "
     "running again, for 24 h (signed, like every IVVY-* header)."),
    ("Idempotency-Key", False, "The same, unsigned."),
]  # fmt: skip
_WRITE_ERRORS: dict[str, tuple[str, VenueCrmError]] = {
    "409": ("A request with this idempotency key (or signature) is still running.",
            RequestInProgress()),
    "422": ("This idempotency key came with another request.", IdempotencyKeyReused()),
}  # fmt: skip


def _schema_ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template=_REF)
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": _REF.format(model=model.__name__)}


def _operation(action: Action, components: dict[str, Any]) -> dict[str, Any]:
    body_schema = (
        _schema_ref(action.request_model, components)
        if action.request_model
        else {"type": "object", "description": "No parameters: send an empty body, {} or []."}
    )
    body: dict[str, Any] = {"schema": body_schema}
    if action.request_example is not None:
        body["example"] = dict(action.request_example)
    envelope_ref = _schema_ref(ErrorEnvelope, components)
    specific = action.error_codes
    responses: dict[str, Any] = {}
    errors = {**_ERRORS, **_WRITE_ERRORS} if action.writes else _ERRORS
    for status, (text, error) in errors.items():
        example = action.codes.example() if status == "400" and specific else error
        if status == "400" and specific:
            text += " Specific codes: " + "; ".join(
                f"{e.specific_code} {e.default_message.lower()}" for e in specific
            )
        responses[status] = {
            "description": text,
            "content": {"application/json": {"schema": envelope_ref, "example": envelope(example)}},
        }
    return {
        "tags": [action.namespace],
        "summary": action.summary,
        "operationId": f"{action.namespace}.{action.name}",
        "parameters": [
            {
                "name": name,
                "in": "header",
                "required": required,
                "description": text,
                "schema": {"type": "string"},
            }
            for name, required, text in (
                _SIGNING_HEADERS + _IDEMPOTENCY_HEADERS if action.writes else _SIGNING_HEADERS
            )
        ],
        "requestBody": {"required": False, "content": {"application/json": body}},
        "responses": {
            "200": {
                "description": "Success",
                "content": {
                    "application/json": {"schema": _schema_ref(action.reply_model, components)}
                },
            },
            **responses,
        },
        "security": [{"iVvySignature": []}],
    }


def build_openapi(app: FastAPI, actions: Iterable[Action]) -> dict[str, Any]:
    """The whole document; iVvy operations are keyed by path plus ``?action=``."""
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    paths: dict[str, Any] = document.setdefault("paths", {})
    for body in (
        OpportunityInput,
        NoteInput,
        CompanyInput,
        ContactInput,
    ):  # the /crm request bodies refer to them
        _schema_ref(body, components)
    for action in sorted(actions, key=lambda a: (a.namespace, a.name)):
        path = f"/api/1.0/{action.namespace}?action={action.name}"
        paths[path] = {"post": _operation(action, components)}
    document["components"]["securitySchemes"] = {
        "iVvySignature": {
            "type": "apiKey",
            "in": "header",
            "name": "X-Api-Authorization",
            "description": "IWS {apiKey}:{hex HMAC-SHA1 of the string to sign}; "
            "see the README or use `venuecrm call`, which signs for you.",
        }
    }
    return document
