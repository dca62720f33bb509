"""Accounts (tenants), their API keys, and the demo accounts."""
