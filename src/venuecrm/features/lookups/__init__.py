"""The CRM lookups: sources, types, stages, channels and qualities, listed and written."""
