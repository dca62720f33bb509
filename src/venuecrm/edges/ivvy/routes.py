"""``POST /api/1.0/{namespace}?action=...``: read, authenticate, run one action, reply."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from venuecrm.edges.http import idempotency
from venuecrm.edges.http.deps import (
    Runtime,
    authenticate_request,
    bind_caller,
    read_body,
    runtime,
    signed_request,
    write_slot,
)
from venuecrm.edges.ivvy.action import Action, ActionContext, read_input
from venuecrm.errors import UnknownAction
from venuecrm.platform.uow import UnitOfWork

API_VERSION = "1.0"
router = APIRouter()


def _find_action(request: Request, namespace: str) -> Action | None:
    actions: dict[tuple[str, str], Action] = request.app.state.actions
    return actions.get((namespace.lower(), request.query_params.get("action", "").lower()))


def _unknown_action(request: Request, namespace: str) -> UnknownAction:
    name = request.query_params.get("action", "")
    if not name:
        return UnknownAction("The 'action' query parameter is required")
    return UnknownAction(f"Unknown action '{name}' in namespace '{namespace}'")


def _run(
    rt: Runtime, request: Request, version: str, namespace: str, body: bytes, found: Action | None
) -> idempotency.Outcome:
    return rt.in_transaction(
        lambda uow: _authenticated(rt, uow, request, version, namespace, body, found)
    )


def _authenticated(
    rt: Runtime,
    uow: UnitOfWork,
    request: Request,
    version: str,
    namespace: str,
    body: bytes,
    found: Action | None,
) -> idempotency.Outcome:
    signed = authenticate_request(request, uow, signed_request(request, body, version))
    who = signed.credentials
    if found is None:
        raise _unknown_action(request, namespace)
    action = found
    now = rt.clock()
    bind_caller(uow, request, who)

    def work(uow: UnitOfWork) -> tuple[int, bytes]:
        # Inside the guards: a replayed or reused-key request is answered as before any parse.
        model, problems = read_input(action, body)
        ctx = ActionContext(
            account_id=who.account_id,
            api_key_id=who.key_id,
            input=model,
            problems=problems,
            now=now,
            uow=lambda: uow,
        )
        reply = action.handler(ctx)
        # By alias: wire names are camelCase. Nulls stay, as in iVvy's replies ("defaultType":
        # null). Serialised by pydantic-core straight to JSON: a 100-row page costs a fraction
        # of a dict dump followed by json.dumps.
        return 200, reply.model_dump_json(by_alias=True).encode()

    if not action.writes:
        # Reads change nothing, so a retry or a replay simply reads again.
        return idempotency.Outcome(*work(uow))
    # iVvy's scheme has no nonce: every accepted signature is remembered while it is fresh.
    guards = [idempotency.signature_guard(who.key_id, signed.signature, signed.fresh_until)]
    names = (idempotency.IVVY_IDEMPOTENCY_KEY, idempotency.IDEMPOTENCY_KEY)
    key = idempotency.idempotency_key(request.headers, names)
    if key is not None:
        guards.append(idempotency.key_guard(key, now, rt.settings.idempotency_ttl_seconds))
    return idempotency.run_once(
        uow,
        account_id=who.account_id,
        guards=guards,
        fingerprint=idempotency.fingerprint(request, body),
        now=now,
        work=work,
    )


@router.post("/api/{version}/{namespace}", include_in_schema=False)
async def call_action(request: Request, version: str, namespace: str) -> Response:
    """Every iVvy call: the body is read raw because the signature covers its exact bytes."""
    if version != API_VERSION:
        raise UnknownAction(f"Unknown API version '{version}'; this server speaks {API_VERSION}")
    rt = runtime(request)
    body = await read_body(request, rt.settings.max_body_bytes)
    # Key lookup and actions use the synchronous database stack: one hop to the threadpool.
    # A write takes a write slot first; an unknown action is refused inside, after the key.
    action = _find_action(request, namespace)
    if action is None or not action.writes:
        outcome = await run_in_threadpool(_run, rt, request, version, namespace, body, action)
    else:
        async with write_slot(request):
            outcome = await run_in_threadpool(_run, rt, request, version, namespace, body, action)
    return outcome.response()
