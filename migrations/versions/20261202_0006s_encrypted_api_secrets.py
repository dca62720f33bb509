"""API secrets encrypted at rest (Fernet tokens; keys from VENUECRM_SECRET_KEYS or secret.key)

Revision ID: 0006s
Revises: 0005r
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from venuecrm.platform import vault

revision: str = "0006s"
down_revision: str | None = "0005r"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = sa.table("api_keys", sa.column("id", sa.Integer), sa.column("secret", sa.Text))


def _rewrite(convert: Callable[[str], str], *, encrypted: bool) -> None:
    """Apply ``convert`` to every secret stored (or not) as a token, in this transaction."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(_KEYS.c.id, _KEYS.c.secret)).all()
    for row_id, secret in rows:
        if vault.is_encrypted(secret) == encrypted:
            # Ids come from one identity for the table: unique on their own.
            update = _KEYS.update().where(_KEYS.c.id == row_id).values(secret=convert(secret))
            connection.execute(update)


def upgrade() -> None:
    """Widen the column to hold tokens and encrypt every plaintext secret."""
    op.alter_column("api_keys", "secret", type_=sa.Text(), existing_nullable=False)
    _rewrite(vault.encrypt, encrypted=False)


def downgrade() -> None:
    """Decrypt every secret and narrow the column back."""
    _rewrite(vault.decrypt, encrypted=True)
    op.alter_column("api_keys", "secret", type_=sa.String(length=128), existing_nullable=False)
