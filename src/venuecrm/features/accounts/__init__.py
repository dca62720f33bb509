"""Accounts (tenants), their API keys, and the demo accounts.

``service``: accounts and keys (create, update, revoke, rotate, look up credentials); ``keys``:
key material and time-zone checks; ``demo``: the idempotent demo accounts of ``seed-demo``.
"""
