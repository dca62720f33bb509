"""Settings from the environment (``VENUECRM_*`` plus ``DATABASE_URL``); nothing else reads env."""

from __future__ import annotations

import math
import os
from functools import lru_cache
from pathlib import Path

from limits import parse as parse_limit
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO_ROOT = Path(__file__).resolve().parents[2]


_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def usable_cpus() -> int:
    """The CPUs this process may use: its affinity mask, capped by a container's CPU quota."""
    # As os.process_cpu_count() (Python 3.13+) counts, which is blind to quotas.
    mask = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpus, quota = mask or 1, cpu_quota(_CPU_MAX)
    return min(cpus, quota) if quota else cpus


def cpu_quota(cpu_max: Path) -> int | None:
    """A cgroup v2 ``cpu.max`` quota in whole CPUs, rounded up; None when unlimited or unknown.

    ``docker run --cpus 2`` and Kubernetes ``limits.cpu: 2`` write ``200000 100000`` there, and
    the container still sees every CPU of its host.
    """
    try:
        quota, period = cpu_max.read_text().split()
        return None if quota == "max" else math.ceil(int(quota) / int(period))
    except (OSError, ValueError):
        return None


class Settings(BaseSettings):
    """Typed service settings with safe local defaults."""

    model_config = SettingsConfigDict(env_prefix="VENUECRM_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "VENUECRM_DATABASE_URL"),
        description="PostgreSQL URL; unset means the embedded server under data_dir.",
    )
    data_dir: Path = Path(".venuecrm")
    migrations_dir: Path = _REPO_ROOT / "migrations"
    host: str = "127.0.0.1"
    port: int = 8000
    # One process per CPU: each worker's Python runs on one core at a time (the GIL).
    workers: int = Field(default_factory=usable_cpus, ge=1)
    max_body_bytes: int = 1024 * 1024
    stale_window_seconds: float = 300.0
    # How long an Idempotency-Key's response is kept (Stripe and the IETF draft: 24 hours).
    idempotency_ttl_seconds: float = 24 * 3600.0
    # Connections per worker; also caps its threadpool (write_slots + 2 threads, app.py).
    pool_size: int = 16
    pool_max_overflow: int = 4
    # Bounded waits (README "Guarantees"): no request waits long on a row lock, a slow statement,
    # an unreachable database or a busy pool; each ends in a 429 or 503 with Retry-After.
    lock_timeout_ms: int = Field(default=2000, ge=1)
    statement_timeout_ms: int = Field(default=10000, ge=1)
    # libpq counts whole seconds and treats anything under 2 as 2.
    connect_timeout_seconds: int = Field(default=2, ge=2)
    pool_timeout_seconds: float = Field(default=2.0, gt=0)
    # Writes that may run at once per worker; the rest of the pool's threads stay free for reads
    # (and pings) while writers wait on a lock. A write waits at most pool_timeout_seconds for one.
    write_slots: int = Field(default=8, ge=1)
    # Seconds between checks that the embedded PostgreSQL's postmaster is alive (serve only).
    embedded_watch_seconds: float = Field(default=0.5, gt=0)
    # Off behind PgBouncer in transaction-pooling mode: a statement prepared on one server
    # connection is unknown on the next one the pooler hands out (docs/deployment.md).
    prepared_statements: bool = True
    log_level: str = "INFO"
    # README "Limits": a request's headers are due within this many seconds of the connection
    # opening (or of the previous response); an idle keep-alive connection closes after the other.
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    keep_alive_seconds: int = Field(default=5, ge=1)
    # Fernet keys for API secrets at rest, comma-separated, newest first (README "Limits");
    # unset: the data directory's secret.key.
    secret_keys: SecretStr | None = None
    # README "Limits", per process: requests per API key, off unless set (one integrator's bulk
    # import is legitimate traffic), and failed authentications per source address (after which
    # the address gets 429 until the window passes).
    rate_limit: str | None = None
    failed_auth_limit: str | None = "30/minute"
    # Client side, for `venuecrm call`.
    api_url: str = "http://127.0.0.1:8000"
    api_key: str | None = None
    api_secret: SecretStr | None = None

    @field_validator("rate_limit", "failed_auth_limit")
    @classmethod
    def _rate_limit(cls, value: str | None) -> str | None:
        """A rate limit in the ``limits`` notation: ``600/minute``, ``30 per 5 minutes``."""
        if value is None or not value.strip():
            return None
        try:
            parse_limit(value)
        except ValueError:
            raise ValueError(f"not a rate limit: {value!r} (e.g. 600/minute)") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _use_psycopg3(cls, value: str | None) -> str | None:
        """Hosted PostgreSQL hands out postgres:// URLs; SQLAlchemy needs the psycopg 3 driver."""
        if value is None or not value.strip():
            return None
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
