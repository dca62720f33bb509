"""Account reference data: industries, users, venues, pipelines, custom field definitions."""
