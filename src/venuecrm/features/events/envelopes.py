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

import json
from dataclasses import dataclass
from datetime import datetime
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


def signed_request(event: Event, *, now: datetime, public_url: str) -> tuple[bytes, dict[str, str]]:
    """The request body and headers (SNS's and Standard Webhooks') delivering ``event``."""
    payload = envelope(event, now=now, public_url=public_url)
    data = json.dumps(payload, separators=(",", ":"))
    signature = Webhook(event.secret).sign(event.message_id, now, data)
    headers = {
        "content-type": "application/json",
        "x-amz-sns-message-type": payload["Type"],
        "x-amz-sns-message-id": event.message_id,
        "x-amz-sns-topic-arn": payload["TopicArn"],
        "webhook-id": event.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return data.encode(), headers
