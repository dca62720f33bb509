"""What an operator does with deliveries: list them, and make some due again (redeliver).

Both act on one account, from the command line (``venuecrm events``) and as the account
namespace's getNotificationDeliveryList and redeliverNotifications (our extensions).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Select, and_, select, true

from venuecrm.errors import InvalidParameter, MissingParameter
from venuecrm.features.collections import Collection
from venuecrm.features.events.schemas import DeliveryList, RedeliverIn, RedeliverReply
from venuecrm.platform.collections import ListQuery
from venuecrm.platform.models import Delivery, DeliveryAttempt, Subscription
from venuecrm.platform.uow import UnitOfWork


@lru_cache(maxsize=1024)
def delivery_list(account_id: int) -> ListQuery:
    """The account's deliveries with their subscription and last attempt, newest first."""
    d, s, a = Delivery, Subscription, DeliveryAttempt
    last = (
        select(a.status_code, a.error)
        .where(a.account_id == d.account_id, a.delivery_id == d.id)
        .order_by(a.id.desc())
        .limit(1)
        .lateral()
    )
    rows = (
        select(
            d.id.label("id"),
            d.subscription_id.label("subscriptionId"),
            s.topic.label("topic"),
            s.endpoint.label("endpoint"),
            d.subject.label("subject"),
            d.entity.label("entity"),
            d.record_id.label("recordId"),
            d.status.label("status"),
            d.attempts.label("attempts"),
            d.created_at.label("createdDate"),
            d.next_attempt_at.label("nextAttemptDate"),
            d.delivered_at.label("deliveredDate"),
            last.c.status_code.label("lastStatusCode"),
            last.c.error.label("lastError"),
        )
        .select_from(d)
        .join(s, and_(s.account_id == d.account_id, s.id == d.subscription_id))
        .outerjoin(last, true())
        .where(d.account_id == account_id)
    )
    return ListQuery(cast(Select[Any], rows), newest_first=True)


DELIVERIES = Collection(lambda lists: delivery_list(lists.account_id), DeliveryList)

_AGAIN = (
    "UPDATE deliveries SET status = 'pending', next_attempt_at = clock_timestamp(),"
    " due_since = clock_timestamp() WHERE account_id = %(a)s"
)
_ONE = _AGAIN + " AND id = %(d)s"
_SINCE = (
    _AGAIN + " AND created_at >= %(t)s AND subject <> 'SubscriptionConfirmation'"
    " AND (%(s)s::int IS NULL OR subscription_id = %(s)s)"
)


def redeliver(uow: UnitOfWork, request: RedeliverIn) -> RedeliverReply:
    """Make one delivery, or every event since a time, due again now (with a fresh retry
    window); a delivered one goes out again under the same webhook-id."""
    if request.delivery_id is None and request.since is None:
        raise MissingParameter(
            "'deliveryId' or 'since' is required", ["deliveryId: is required (or since)"]
        )
    with uow:
        params = {
            "a": uow.account_id,
            "d": request.delivery_id,
            "t": request.since,
            "s": request.subscription_id,
        }
        cursor = uow.sql.execute(_ONE if request.delivery_id is not None else _SINCE, params)
        count = cursor.rowcount
        if request.delivery_id is not None and count == 0:
            raise InvalidParameter(
                f"Delivery {request.delivery_id} does not exist",
                [f"deliveryId: delivery {request.delivery_id} does not exist"],
            )
        uow.commit()
    return RedeliverReply(count=count)
