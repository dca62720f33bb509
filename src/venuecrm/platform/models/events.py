"""Change events: an account's subscriptions and the outbox of deliveries made to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from venuecrm.platform.base import Base, Tenant
from venuecrm.platform.base import same_account_fk as _fk
from venuecrm.platform.vault import EncryptedSecret


class Subscription(Tenant):
    """A receiver of one topic's events (crm, contacts, companies), made by an API key or by
    the account configuration file.

    Account configuration (``models.CONFIG_TABLES``): a write learns whether anyone subscribes
    from the cached account snapshot, without a query.
    """

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("topic IN ('crm', 'contacts', 'companies')", name="topic"),
        CheckConstraint("format IN ('ivvy', 'unified')", name="format"),
        UniqueConstraint("account_id", "topic", "endpoint"),
        UniqueConstraint("account_id", "token"),
        _fk("api_key_id", "api_keys"),
    )

    topic: Mapped[str] = mapped_column(String(20))
    endpoint: Mapped[str] = mapped_column(String(2000))
    # The key that subscribed: only it may unsubscribe (result 5 "incorrect source" otherwise).
    # None when the account configuration file made it: then any key of the account may.
    api_key_id: Mapped[int | None] = mapped_column(Integer)
    # Standard Webhooks signing secret ("whsec_" + base64), shown once, stored encrypted.
    secret: Mapped[str] = mapped_column(EncryptedSecret())
    # The SubscribeURL's token, "{account id}.{random}"; nothing but the confirmation is
    # delivered before the receiver has used it.
    token: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What its events look like: iVvy's SNS-shaped notifications, or Apideck's unified webhooks.
    format: Mapped[str] = mapped_column(String(10), default="ivvy", server_default="ivvy")


class Delivery(Base):
    """One event (or a subscription's confirmation request) for one subscription: the outbox.

    Written in the transaction of the change it announces, so it exists exactly when the change
    committed. One subscription's events of one record are delivered in ``id`` order.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'parked')", name="status"),
        # Unsubscribing drops what was still to be delivered to the receiver.
        ForeignKeyConstraint(
            ["account_id", "subscription_id"],
            ["subscriptions.account_id", "subscriptions.id"],
            ondelete="CASCADE",
        ),
        Index(None, "account_id", "subscription_id", "entity", "record_id", "id"),
        Index(None, "next_attempt_at", postgresql_where=text("status = 'pending'")),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(Integer)
    # "subscription" for the confirmation request, else the changed record's entity.
    entity: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(40))
    # iVvy's notification body: {data}, {data, previousData}, or the deleted record's ids.
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )
    # Start of the current retry window: the event, or the operator's redelivery.
    due_since: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DeliveryAttempt(Base):
    """One attempt to deliver an event: when, the receiver's status code, latency, error."""

    __tablename__ = "delivery_attempts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "delivery_id"],
            ["deliveries.account_id", "deliveries.id"],
            ondelete="CASCADE",
        ),
        Index(None, "account_id", "delivery_id"),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    delivery_id: Mapped[int] = mapped_column(BigInteger)
    attempted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))


__all__ = ["Delivery", "DeliveryAttempt", "Subscription"]
