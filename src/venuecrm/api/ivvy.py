"""``POST /api/1.0/{namespace}?action=...``: read, authenticate, run one action, reply."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from venuecrm.api.actions import Action, ActionContext
from venuecrm.api.deps import Runtime, authenticate, read_body, runtime, signed_request
from venuecrm.errors import UnknownAction

API_VERSION = "1.0"
router = APIRouter()


def _find_action(request: Request, namespace: str) -> Action:
    name = request.query_params.get("action", "")
    actions: dict[tuple[str, str], Action] = request.app.state.actions
    found = actions.get((namespace.lower(), name.lower()))
    if found is None:
        if not name:
            raise UnknownAction("The 'action' query parameter is required")
        raise UnknownAction(f"Unknown action '{name}' in namespace '{namespace}'")
    return found


def _run(rt: Runtime, request: Request, version: str, namespace: str, body: bytes) -> bytes:
    credentials = authenticate(rt, signed_request(request, body, version))
    request.state.account_id = credentials.account_id
    action = _find_action(request, namespace)
    context = ActionContext(credentials.account_id, credentials.key_id, body, rt.clock(), rt.uow)
    reply = action.handler(context)
    # By alias: wire names are camelCase. Nulls stay, as in iVvy's replies ("defaultType": null).
    # Serialised by pydantic-core straight to JSON: a 100-row page costs a fraction of a dict
    # dump followed by json.dumps.
    return reply.model_dump_json(by_alias=True).encode()


@router.post("/api/{version}/{namespace}", include_in_schema=False)
async def call_action(request: Request, version: str, namespace: str) -> Response:
    """Every iVvy call: the body is read raw because the signature covers its exact bytes."""
    if version != API_VERSION:
        raise UnknownAction(f"Unknown API version '{version}'; this server speaks {API_VERSION}")
    rt = runtime(request)
    body = await read_body(request, rt.settings.max_body_bytes)
    # Key lookup and actions use the synchronous database stack: one hop to the threadpool.
    reply = await run_in_threadpool(_run, rt, request, version, namespace, body)
    return Response(reply, media_type="application/json")
