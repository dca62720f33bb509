"""venuecrm: an iVvy-compatible venue CRM API on PostgreSQL."""
