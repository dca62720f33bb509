"""Subscribing to and unsubscribing from notifications, confirming, and who subscribes.

A subscription starts unconfirmed, with a Standard Webhooks secret shown once and a
``SubscriptionConfirmation`` queued for its receiver; events are written for it only once the
receiver has GET its SubscribeURL (``confirm``). Subscriptions are account configuration, so
``subscribers`` answers from the process's cache while the account's version is unchanged.
"""

from __future__ import annotations

import base64
import secrets

from psycopg.types.json import Jsonb
from sqlalchemy import select

from venuecrm.features.events.schemas import (
    SERVED,
    NotificationsIn,
    SubscribeReply,
    UnsubscribeReply,
)
from venuecrm.platform.models import Subscription
from venuecrm.platform.uow import UnitOfWork

CONFIRMATION = "SubscriptionConfirmation"
# unsubscribeFromNotifications' result codes (docs/ivvy.md §3.9).
SUCCESS, NOT_REQUESTED, NOT_FOUND, INCORRECT_SOURCE, NOT_CONFIRMED = 1, 2, 4, 5, 6


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def topic_arn(account_id: int, topic: str, subscription_id: int) -> str:
    """The subscription's topic id, shaped like the SNS ARN iVvy answers with."""
    return f"arn:venuecrm:sns:local:{account_id}:{topic}-{subscription_id}"


def subscribe(uow: UnitOfWork, request: NotificationsIn, *, api_key_id: int) -> SubscribeReply:
    """Subscribe each served topic given an endpoint; subscribing an endpoint again replaces
    its secret and asks for confirmation again."""
    reply = SubscribeReply()
    with uow:
        account_id = uow.account_id
        for topic in SERVED:
            endpoint = request.endpoint(topic)
            if endpoint is None:
                continue
            sub = start(
                uow,
                _find(uow, topic, endpoint),
                account_id=account_id,
                topic=topic,
                endpoint=endpoint,
                format=request.format or "ivvy",
                api_key_id=api_key_id,
            )
            setattr(reply, f"{topic}_success", True)
            setattr(reply, f"{topic}_topic_id", topic_arn(account_id, topic, sub.id))
            setattr(reply, f"{topic}_secret", sub.secret)
        uow.commit()
    return reply


def _find(uow: UnitOfWork, topic: str, endpoint: str) -> Subscription | None:
    """The account's subscription of ``endpoint`` to ``topic``, locked.

    The account's configuration lock comes first: with no row yet there is nothing to lock,
    and two requests subscribing one new endpoint would both insert it.
    """
    uow.accounts.lock_config(uow.account_id)
    return uow.session.scalars(
        select(Subscription)
        .where(Subscription.account_id == uow.account_id, Subscription.topic == topic)
        .where(Subscription.endpoint == endpoint)
        .with_for_update()
    ).one_or_none()


def start(
    uow: UnitOfWork,
    sub: Subscription | None,
    *,
    account_id: int,
    topic: str,
    endpoint: str,
    format: str,
    api_key_id: int | None,
) -> Subscription:
    """Subscribe ``endpoint`` to ``topic`` (``sub`` when it already is): a new secret and token,
    unconfirmed, and its confirmation request queued. The caller commits.

    ``api_key_id`` None (the configuration file's) lets any key of the account unsubscribe it.
    """
    if sub is None:
        sub = Subscription(account_id=account_id, topic=topic, endpoint=endpoint)
        uow.session.add(sub)
    sub.api_key_id = api_key_id
    sub.format = format
    sub.secret = new_secret()
    sub.token = f"{account_id}.{secrets.token_urlsafe(32)}"
    sub.confirmed_at = None
    uow.session.flush()
    # A confirmation still on its way carries the old token: only the new one goes.
    uow.sql.defer(_STALE, [account_id, sub.id])
    uow.sql.defer(_CONFIRM, [account_id, sub.id, Jsonb({"token": sub.token})])
    return sub


def end(uow: UnitOfWork, sub: Subscription) -> None:
    """Unsubscribe: the subscription goes, and with it whatever was still to be delivered."""
    uow.session.delete(sub)


_STALE = (
    "DELETE FROM deliveries WHERE account_id = %s AND subscription_id = %s"
    " AND subject = 'SubscriptionConfirmation' AND status <> 'delivered'"
)
_CONFIRM = (
    "INSERT INTO deliveries (account_id, subscription_id, entity, record_id, subject, body)"
    " VALUES (%s, %s, 'subscription', 0, 'SubscriptionConfirmation', %s)"
)


def unsubscribe(uow: UnitOfWork, request: NotificationsIn, *, api_key_id: int) -> UnsubscribeReply:
    """Remove each served topic's subscription to the endpoint given, if this key (or the
    configuration file, which names no key) made it and its receiver confirmed it."""
    reply = UnsubscribeReply()
    with uow:
        for topic in SERVED:
            endpoint = request.endpoint(topic)
            if endpoint is None:
                continue
            sub = _find(uow, topic, endpoint)
            if sub is None:
                result = NOT_FOUND
            elif sub.api_key_id not in (None, api_key_id):
                result = INCORRECT_SOURCE
            elif sub.confirmed_at is None:
                result = NOT_CONFIRMED
            else:
                end(uow, sub)
                result = SUCCESS
            setattr(reply, f"{topic}_result", result)
        uow.commit()
    return reply


def confirm(uow: UnitOfWork, token: str) -> bool:
    """Confirm the subscription ``token`` names (again is fine); whether one does."""
    account, _, _ = token.partition(".")
    if not account.isdigit() or len(account) > 9:
        return False
    with uow:
        # The token's account: one account's rows (and, under Citus, one worker).
        cursor = uow.sql.execute(
            "UPDATE subscriptions SET confirmed_at = coalesce(confirmed_at, now())"
            " WHERE account_id = %s AND token = %s RETURNING id",
            [int(account), token],
        )
        found = cursor.fetchone() is not None
        uow.commit()
    return found


def subscribers(uow: UnitOfWork, account_id: int) -> dict[str, tuple[int, ...]]:
    """The account's confirmed subscription ids by topic, cached at its configuration version."""
    version = uow.config_version(account_id)
    if version is None:
        return {}
    return uow.cache.get(("subscribers", account_id), version, lambda: _load(uow, account_id))


def _load(uow: UnitOfWork, account_id: int) -> dict[str, tuple[int, ...]]:
    cursor = uow.sql.execute(
        "SELECT topic, id FROM subscriptions WHERE account_id = %s AND confirmed_at IS NOT NULL"
        " ORDER BY id",
        [account_id],
    )
    found: dict[str, list[int]] = {}
    for topic, sub_id in cursor.fetchall():
        found.setdefault(topic, []).append(sub_id)
    return {topic: tuple(ids) for topic, ids in found.items()}
