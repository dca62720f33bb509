"""account?action=subscribeToNotifications / unsubscribeFromNotifications: body and replies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from venuecrm.wire.collections import ListReply, example_config, list_example
from venuecrm.wire.ivvy import Id, IvvyModel, ReplyModel, parse_timestamp_span

# iVvy's topics, as the body's ``{topic}Endpoint`` keys name them; we serve the first three.
Topic = Literal["crm", "contacts", "companies"]
SERVED: tuple[str, ...] = get_args(Topic)
TOPICS = (*SERVED, "events", "venues", "payments", "ari")
# What a subscription's events look like: iVvy's notifications or Apideck's unified webhooks.
Format = Literal["ivvy", "unified"]
_ENDPOINT = "An http(s) URL events of this topic are POSTed to."


def check_endpoint(value: str | None) -> str | None:
    """An absolute http(s) URL of at most 2000 characters (the API's and the config file's)."""
    if value is None:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:  # an unbalanced IPv6 bracket: no URL at all
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname or len(value) > 2000:
        raise PydanticCustomError(
            "endpoint", "must be an http or https URL of at most 2000 characters"
        )
    return value


Endpoint = Annotated[str | None, AfterValidator(check_endpoint)]


class NotificationsIn(IvvyModel):
    """The endpoints to (un)subscribe, by topic; a topic left out is not requested."""

    crm_endpoint: Endpoint = Field(None, description=_ENDPOINT)
    contacts_endpoint: Endpoint = Field(None, description=_ENDPOINT)
    companies_endpoint: Endpoint = Field(None, description=_ENDPOINT)
    events_endpoint: str | None = Field(None, description="Not served: answers as not requested.")
    venues_endpoint: str | None = Field(None, description="Not served: answers as not requested.")
    payments_endpoint: str | None = Field(None, description="Not served: answers as not requested.")
    ari_endpoint: str | None = Field(None, description="Not served: answers as not requested.")
    format: Format | None = Field(
        None,
        description="venuecrm extension, subscribe only: ivvy (default) for iVvy's SNS-shaped "
        "notifications, unified for Apideck's crm.* webhook events.",
    )

    def endpoint(self, topic: str) -> str | None:
        """The endpoint given for ``topic``, if any."""
        value: str | None = getattr(self, f"{topic}_endpoint")
        return value


_SHOWN_ONCE = (
    "venuecrm extension: the subscription's Standard Webhooks signing secret (whsec_...), "
    "shown only in this reply."
)


class SubscribeReply(ReplyModel):
    """Each topic's success and topic id (null when not subscribed), and our secrets."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "crmSuccess": True,
                "crmTopicId": "arn:venuecrm:sns:local:14:crm-3",
                "crmSecret": "whsec_ZXhhbXBsZS1zZWNyZXQtbm90LXJlYWw=",
                "contactsSuccess": False,
                "contactsTopicId": None,
                "contactsSecret": None,
                "companiesSuccess": False,
                "companiesTopicId": None,
                "companiesSecret": None,
                "eventsSuccess": False,
                "eventsTopicId": None,
                "venuesSuccess": False,
                "venuesTopicId": None,
                "paymentsSuccess": False,
                "paymentsTopicId": None,
            }
        }
    )

    crm_success: bool = False
    crm_topic_id: str | None = None
    crm_secret: str | None = Field(None, description=_SHOWN_ONCE)
    contacts_success: bool = False
    contacts_topic_id: str | None = None
    contacts_secret: str | None = Field(None, description=_SHOWN_ONCE)
    companies_success: bool = False
    companies_topic_id: str | None = None
    companies_secret: str | None = Field(None, description=_SHOWN_ONCE)
    events_success: bool = False
    events_topic_id: str | None = None
    venues_success: bool = False
    venues_topic_id: str | None = None
    payments_success: bool = False
    payments_topic_id: str | None = None


_RESULT = (
    "1 success, 2 not requested, 3 unknown error, 4 not found, 5 incorrect source (another API "
    "key subscribed), 6 status not confirmed."
)


class UnsubscribeReply(ReplyModel):
    """Each topic's result code."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "crmResult": 1,
                "contactsResult": 2,
                "companiesResult": 2,
                "eventsResult": 2,
                "venuesResult": 2,
                "paymentsResult": 2,
                "ariResult": 2,
            }
        }
    )

    crm_result: int = Field(2, description=_RESULT)
    contacts_result: int = Field(2, description=_RESULT)
    companies_result: int = Field(2, description=_RESULT)
    events_result: int = Field(2, description=_RESULT)
    venues_result: int = Field(2, description=_RESULT)
    payments_result: int = Field(2, description=_RESULT)
    ari_result: int = Field(2, description=_RESULT)


class DeliveryItem(ReplyModel):
    """One event (or confirmation request) for one subscription, and how delivering it went."""

    id: int = Field(description="The delivery's id; its webhook-id is msg_{accountId}_{id}.")
    subscription_id: int
    topic: str
    endpoint: str
    subject: str = Field(description="OpportunityAdded..., or SubscriptionConfirmation.")
    entity: str
    record_id: int
    status: str = Field(description="pending, delivered or parked (retries given up).")
    attempts: int
    created_date: str
    next_attempt_date: str
    delivered_date: str | None
    last_status_code: int | None = Field(description="The receiver's last answer, if any.")
    last_error: str | None


_DELIVERY: dict[str, Any] = {
    "id": 812, "subscriptionId": 3, "topic": "crm", "endpoint": "https://hooks.example.com/ivvy",
    "subject": "OpportunityUpdated", "entity": "opportunity", "recordId": 755,
    "status": "parked", "attempts": 19, "createdDate": "2026-12-01 04:31:07 UTC",
    "nextAttemptDate": "2026-12-02 04:20:00 UTC", "deliveredDate": None,
    "lastStatusCode": 503, "lastError": "HTTP 503",
}  # fmt: skip


class DeliveryList(ListReply[DeliveryItem]):
    """getNotificationDeliveryList's reply, newest first."""

    model_config = example_config(list_example(_DELIVERY))


def _start(value: Any) -> datetime:
    return parse_timestamp_span(value)[0]


Since = Annotated[datetime, BeforeValidator(_start)]


class RedeliverIn(IvvyModel):
    """One delivery by id, or every event since a time (of one subscription, if given)."""

    delivery_id: Id | None = Field(default=None, description="The delivery to send again.")
    since: Since | None = Field(
        default=None, description="Every event created at or after this time (yyyy-mm-dd "
        "HH:mm:ss UTC, or a date)."
    )  # fmt: skip
    subscription_id: Id | None = Field(default=None, description="With since: only these.")


class RedeliverReply(ReplyModel):
    """How many deliveries are due again."""

    model_config = example_config({"success": True, "count": 3})

    success: bool = True
    count: int
