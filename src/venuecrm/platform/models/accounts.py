"""The account (tenant), its API keys and defaults, and the responses kept for retries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from venuecrm.platform.base import Base, Tenant, Timestamped
from venuecrm.platform.base import same_account_fk as _fk
from venuecrm.platform.vault import EncryptedSecret


class Account(Timestamped, Base):
    """A tenant: one venue operator's CRM."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Bumped by a trigger on every change to the account's CONFIG_TABLES (migration 0007c): a
    # process's cached copy of them is current exactly when its version matches.
    config_version: Mapped[int] = mapped_column(BigInteger, server_default="0")


class ApiKey(Tenant):
    """An iVvy-style key and secret. HMAC needs the secret itself, so it is stored encrypted
    (``platform.vault``), not hashed."""

    __tablename__ = "api_keys"

    # Unique on its own (not led by account): the key is how a request finds its account.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    secret: Mapped[str] = mapped_column(EncryptedSecret())
    label: Mapped[str] = mapped_column(String(200), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Opt-in for clients that send IVVY-Date as PHP's date('Y-m-d hh:mm:ss') (README: PHP SDK
    # compatibility); such dates are read in ``time_zone``.
    php_dates: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")


class AccountSettings(Timestamped, Base):
    """Per-account defaults for clients that leave fields out."""

    __tablename__ = "account_settings"
    __table_args__ = (
        _fk("default_stage_id", "lead_stages"),
        _fk("default_venue_id", "venues"),
        _fk("default_type_id", "lead_types"),
        _fk("default_source_id", "lead_sources"),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    default_stage_id: Mapped[int | None] = mapped_column(Integer)
    default_venue_id: Mapped[int | None] = mapped_column(Integer)
    default_type_id: Mapped[int | None] = mapped_column(Integer)
    default_source_id: Mapped[int | None] = mapped_column(Integer)


class StoredResponse(Base):
    """A write's response, kept so that a retry or a replay is answered without running again.

    ``kind`` says what identifies the request: ``key`` an Idempotency-Key (``key`` is its value),
    ``signature`` an accepted iVvy signature (``key`` is "{api key id}:{signature}").
    """

    __tablename__ = "stored_responses"
    __table_args__ = (
        CheckConstraint("kind IN ('key', 'signature')", name="kind"),
        # The opportunistic clean-up deletes expired rows of every account, oldest first.
        Index(None, "expires_at"),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(SmallInteger)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


__all__ = [
    "Account",
    "AccountSettings",
    "ApiKey",
    "StoredResponse",
]
