"""What a delivery POSTs: the SNS-shaped envelope iVvy receivers parse, signed per Standard
Webhooks.

A subscription's first delivery is a ``SubscriptionConfirmation`` carrying the SubscribeURL;
then each event is a ``Notification`` whose ``Message`` is a JSON string of iVvy's message,
whose ``Body`` is in turn a JSON string of the event's body (``data``, ``previousData``...).
Every request also carries ``webhook-id`` (stable across retries of one event, so a receiver
can drop duplicates), ``webhook-timestamp`` and ``webhook-signature`` made with the
subscription's secret by the ``standardwebhooks`` package.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from standardwebhooks import Webhook

from venuecrm.features.events.subscriptions import CONFIRMATION, topic_arn


@dataclass(frozen=True, slots=True)
class Event:
    """One claimed delivery and what signing it needs."""

    account_id: int
    id: int
    subscription_id: int
    topic: str
    subject: str
    body: dict[str, Any]
    secret: str
    entity: str = ""
    record_id: int = 0
    format: str = "ivvy"
    created_at: datetime | None = None
    attempt: int = 1  # this one, counting from 1

    @property
    def message_id(self) -> str:
        """The same for every attempt at this event."""
        return f"msg_{self.account_id}_{self.id}"


def _timestamp(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def envelope(event: Event, *, now: datetime, public_url: str) -> dict[str, Any]:
    """The SNS-shaped JSON the receiver gets for ``event``."""
    common = {
        "MessageId": event.message_id,
        "TopicArn": topic_arn(event.account_id, event.topic, event.subscription_id),
        "Timestamp": _timestamp(now),
        "SignatureVersion": "1",
    }
    if event.subject == CONFIRMATION:
        token = event.body["token"]
        url = f"{public_url.rstrip('/')}/notifications/confirm?{urlencode({'token': token})}"
        return {
            "Type": CONFIRMATION,
            **common,
            "Token": token,
            "Message": "You have chosen to subscribe to the topic "
            f"{common['TopicArn']}. To confirm the subscription, visit the SubscribeURL.",
            "SubscribeURL": url,
        }
    message = {
        "TxnId": event.message_id,
        "Region": "local",
        "Timestamp": int(now.timestamp()),
        "AccountId": str(event.account_id),
        "Subject": event.subject,
        "Body": json.dumps(event.body, separators=(",", ":")),
        "SourceType": 1,
        "SourceInfo": "API",
    }
    return {
        "Type": "Notification",
        **common,
        "Subject": event.subject,
        "Message": json.dumps(message, separators=(",", ":")),
    }


# Apideck's event names, by entity and our action word (the subject's ending).
_UNIFIED_VERBS = {"Added": "created", "Updated": "updated", "Deleted": "deleted"}
_UNIFIED_PATHS = {"opportunity": "opportunities", "contact": "contacts", "company": "companies"}


def unified(event: Event, *, public_url: str) -> tuple[dict[str, Any], str]:
    """Apideck's webhook body for ``event`` (docs/unified.md) and its event type."""
    verb = next(v for k, v in _UNIFIED_VERBS.items() if event.subject.endswith(k))
    event_type = f"crm.{event.entity}.{verb}"
    occurred = event.created_at or datetime.now(UTC)
    payload = {
        "event_type": event_type,
        "unified_api": "crm",
        "service_id": "venuecrm",
        "consumer_id": str(event.account_id),
        "event_id": event.message_id,
        "entity_id": str(event.record_id),
        "entity_type": event.entity,
        "entity_url": f"{public_url.rstrip('/')}/crm/{_UNIFIED_PATHS[event.entity]}/"
        f"{event.record_id}",
        "occurred_at": occurred.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "execution_attempt": event.attempt,
    }
    return {"payload": payload}, event_type


def apideck_signature(secret: str, data: bytes) -> str:
    """Apideck's x-apideck-signature: base64 HMAC-SHA256 of the body, keyed by the secret's
    text as shown (whsec_... included)."""
    digest = hmac.new(secret.encode(), data, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_request(event: Event, *, now: datetime, public_url: str) -> tuple[bytes, dict[str, str]]:
    """The request body and headers delivering ``event``: SNS's (or Apideck's for a unified
    subscription's events) and Standard Webhooks'."""
    headers = {"content-type": "application/json"}
    if event.format == "unified" and event.subject != CONFIRMATION:
        payload, event_type = unified(event, public_url=public_url)
        data = json.dumps(payload, separators=(",", ":"))
        headers |= {
            "x-apideck-event-type": event_type,
            "x-apideck-idempotency-key": event.message_id,
            "x-apideck-signature": apideck_signature(event.secret, data.encode()),
        }
    else:
        payload = envelope(event, now=now, public_url=public_url)
        data = json.dumps(payload, separators=(",", ":"))
        headers |= {
            "x-amz-sns-message-type": payload["Type"],
            "x-amz-sns-message-id": event.message_id,
            "x-amz-sns-topic-arn": payload["TopicArn"],
        }
    headers |= {
        "webhook-id": event.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(event.secret).sign(event.message_id, now, data),
    }
    return data.encode(), headers
