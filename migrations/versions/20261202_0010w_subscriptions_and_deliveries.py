"""subscriptions, deliveries, delivery_attempts: change events delivered to subscribers

Revision ID: 0010w
Revises: 0009h
Create Date: 2026-12-02 05:30:00

Subscriptions are account configuration: the bump_config_version trigger (0007c) lets a write
know from its cached account snapshot whether anyone subscribes. Deliveries are the outbox the
write's transaction fills; the attempts log every try.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010w"
down_revision: str | None = "0009h"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _account() -> sa.Column[int]:
    return sa.Column("account_id", sa.Integer(), nullable=False)


def _account_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id"],
        ["accounts.id"],
        name=op.f(f"fk_{table}_account_id_accounts"),
        ondelete="CASCADE",
    )


def _clock(name: str) -> sa.Column[object]:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        server_default=sa.text("clock_timestamp()"),
        nullable=False,
    )


def upgrade() -> None:
    """Create the three tables, their indexes and the subscriptions' version trigger."""
    op.create_table(
        "subscriptions",
        _account(),
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("endpoint", sa.String(length=2000), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("format", sa.String(length=10), server_default="ivvy", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "modified_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "topic IN ('crm', 'contacts', 'companies')", name=op.f("ck_subscriptions_topic")
        ),
        sa.CheckConstraint("format IN ('ivvy', 'unified')", name=op.f("ck_subscriptions_format")),
        sa.ForeignKeyConstraint(
            ["account_id", "api_key_id"],
            ["api_keys.account_id", "api_keys.id"],
            name=op.f("fk_subscriptions_account_id_api_key_id_api_keys"),
        ),
        _account_fk("subscriptions"),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint(
            "account_id",
            "topic",
            "endpoint",
            name=op.f("uq_subscriptions_account_id_topic_endpoint"),
        ),
        sa.UniqueConstraint("account_id", "token", name=op.f("uq_subscriptions_account_id_token")),
    )
    op.execute(
        "CREATE TRIGGER bump_config_version AFTER INSERT OR UPDATE OR DELETE ON subscriptions "
        "FOR EACH ROW EXECUTE FUNCTION bump_config_version()"
    )
    op.create_table(
        "deliveries",
        _account(),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        _clock("created_at"),
        _clock("due_since"),
        _clock("next_attempt_at"),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'parked')", name=op.f("ck_deliveries_status")
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "subscription_id"],
            ["subscriptions.account_id", "subscriptions.id"],
            name=op.f("fk_deliveries_account_id_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        _account_fk("deliveries"),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_deliveries")),
    )
    op.create_index(
        op.f("ix_deliveries_account_id_subscription_id_entity_record_id_id"),
        "deliveries",
        ["account_id", "subscription_id", "entity", "record_id", "id"],
    )
    op.create_index(
        op.f("ix_deliveries_next_attempt_at"),
        "deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "delivery_attempts",
        _account(),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("delivery_id", sa.BigInteger(), nullable=False),
        _clock("attempted_at"),
        sa.Column("status_code", sa.SmallInteger(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id", "delivery_id"],
            ["deliveries.account_id", "deliveries.id"],
            name=op.f("fk_delivery_attempts_account_id_delivery_id_deliveries"),
            ondelete="CASCADE",
        ),
        _account_fk("delivery_attempts"),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_delivery_attempts")),
    )
    op.create_index(
        op.f("ix_delivery_attempts_account_id_delivery_id"),
        "delivery_attempts",
        ["account_id", "delivery_id"],
    )


def downgrade() -> None:
    """Drop the tables (the trigger goes with its table)."""
    op.drop_table("delivery_attempts")
    op.drop_table("deliveries")
    op.drop_table("subscriptions")
