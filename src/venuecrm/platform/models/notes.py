"""Notes on opportunities."""

from __future__ import annotations

from sqlalchemy import (
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from venuecrm.platform.base import Tenant
from venuecrm.platform.base import same_account_fk as _fk


class OpportunityNote(Tenant):
    """A note on an opportunity (docs/ivvy.md §3.3, 3.5); ``note`` is kept as sent, HTML included.

    Notes are written by API keys, not users: the keys that created and last changed one are
    kept, and iVvy's ``createdByUserId`` has nothing to show.
    """

    __tablename__ = "opportunity_notes"
    __table_args__ = (
        _fk("opportunity_id", "opportunities"),
        _fk("created_by_key_id", "api_keys"),
        _fk("modified_by_key_id", "api_keys"),
        _fk("owner_user_id", "users"),
        # getOpportunityNoteList pages one opportunity's notes by id.
        Index(None, "account_id", "opportunity_id", "id"),
    )

    opportunity_id: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)
    # The unified CRM note's title and owner; iVvy's note has neither.
    title: Mapped[str | None] = mapped_column(String(255))
    owner_user_id: Mapped[int | None] = mapped_column(Integer)
    created_by_key_id: Mapped[int] = mapped_column(Integer)
    modified_by_key_id: Mapped[int] = mapped_column(Integer)


__all__ = [
    "OpportunityNote",
]
