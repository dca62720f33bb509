"""The unified (Apideck-style) /crm routes: query parsing and Apideck envelopes."""
