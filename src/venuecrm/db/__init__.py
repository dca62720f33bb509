"""Persistence: ORM models, engine, unit of work, repositories, embedded PostgreSQL."""
