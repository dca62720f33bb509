"""GET /notifications/confirm: the SubscribeURL a receiver calls to confirm its subscription."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from venuecrm.edges.http.deps import runtime
from venuecrm.features.events.subscriptions import confirm

router = APIRouter(tags=["notifications"])


@router.get(
    "/notifications/confirm",
    summary="Confirm a notification subscription (the SubscribeURL of its confirmation "
    "request); events are delivered from then on.",
    responses={404: {"description": "No subscription has this token"}},
)
def confirm_subscription(request: Request, token: str = "") -> JSONResponse:
    """200 when the token names a subscription (confirming again is harmless), else 404."""
    if token and confirm(runtime(request).uow(), token):
        return JSONResponse({"confirmed": True})
    return JSONResponse({"confirmed": False, "message": "unknown token"}, status_code=404)
