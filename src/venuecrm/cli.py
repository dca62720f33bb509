"""The ``venuecrm`` command: serve, migrate, manage accounts, keys and configuration, seed, call."""

from __future__ import annotations

import atexit
import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import httpx
import typer
from cryptography.fernet import Fernet
from pydantic import ValidationError

from venuecrm.config import Settings, get_settings
from venuecrm.edges.http import server
from venuecrm.edges.ivvy.signing import sign_headers
from venuecrm.errors import VenueCrmError
from venuecrm.features.account_config import service as config_service
from venuecrm.features.accounts import service as account_service
from venuecrm.features.accounts.demo import seed_demo
from venuecrm.features.collections import get_collection
from venuecrm.features.events import operator as deliveries
from venuecrm.features.events import outbox
from venuecrm.features.events.dispatcher import Dispatcher
from venuecrm.features.events.schemas import RedeliverIn
from venuecrm.platform import migrate, vault
from venuecrm.platform.datadir import DataDirNotWritable
from venuecrm.platform.embedded import EmbeddedWatch
from venuecrm.platform.engine import database_url, make_engine, make_session_factory
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.collections import ListIn

app = typer.Typer(no_args_is_help=True, help=__doc__)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
accounts_app = typer.Typer(no_args_is_help=True, help="Accounts (tenants).")
keys_app = typer.Typer(no_args_is_help=True, help="API keys.")
app.add_typer(db_app, name="db")
app.add_typer(accounts_app, name="accounts")
config_app = typer.Typer(no_args_is_help=True, help="Account configuration as a YAML file.")
app.add_typer(keys_app, name="keys")
app.add_typer(config_app, name="config")
events_app = typer.Typer(no_args_is_help=True, help="Change events delivered to subscribers.")
app.add_typer(events_app, name="events")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
AccountOption = Annotated[int, typer.Option("--account", help="Account id.")]


def _database(*, upgrade: bool) -> tuple[Settings, str, list[str]]:
    """The settings, the database URL (starting the embedded server if it is the one), and the
    migrations applied (none unless ``upgrade``)."""
    settings = get_settings()
    url = database_url(settings)
    return settings, url, migrate.upgrade(settings, url) if upgrade else []


def _unit_of_work(*, upgrade: bool) -> UnitOfWork:
    """The one set-up of every command that uses the database: settings, engine, unit of work.

    ``upgrade`` applies pending migrations first; only the commands that bring a database into
    use do (``serve``, ``db upgrade``, ``accounts create``, ``seed-demo``). The others act on rows
    that exist, so on an outdated schema they stop with a hint instead of migrating as a side
    effect of, say, revoking a key.
    """
    settings, url, _ = _database(upgrade=upgrade)
    engine = make_engine(settings, url)
    if not upgrade and not migrate.is_current(settings, engine):
        _fail("the database schema is not current; run `venuecrm db upgrade`")
    # Writes from the command line (config apply, seed-demo) queue their events too.
    outbox.install()
    return UnitOfWork(make_session_factory(engine))


def _fail(message: str) -> NoReturn:
    """An expected failure of a command: ``error: <message>`` on stderr, exit code 1."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@contextmanager
def _failing_on(*errors: type[Exception]) -> Iterator[None]:
    """Turn these exceptions (unknown account, bad time zone...) into ``_fail`` with their text."""
    try:
        yield
    except errors as exc:
        _fail(str(exc))


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default: one per CPU).")
    ] = None,
) -> None:
    """Apply pending migrations and serve the API (embedded PostgreSQL unless DATABASE_URL)."""
    settings, url, _ = _database(upgrade=True)
    if settings.database_url is None:
        # Restart the embedded postmaster if it dies. atexit runs last-registered first, so the
        # watch stops before pgserver's exit hook stops the postmaster on purpose.
        watch = EmbeddedWatch(settings.data_dir, settings.embedded_watch_seconds)
        watch.start()
        atexit.register(watch.stop)
    # Workers are separate processes that read settings from the environment: hand them the
    # database this process resolved (and keeps the embedded server alive for).
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    # uvicorn re-raises SIGTERM once it has shut down gracefully; exiting normally instead lets
    # the embedded PostgreSQL's exit hook stop the server when this process was its last user.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve(
        settings,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
    )


@app.command()
def worker() -> None:
    """Deliver change events to subscribers until stopped (besides or instead of the
    dispatcher in each `serve` worker; several may run at once)."""
    settings, url, _ = _database(upgrade=False)
    dispatcher = Dispatcher(settings.model_copy(update={"database_url": url}))
    signal.signal(signal.SIGTERM, lambda *_: dispatcher.stop())
    signal.signal(signal.SIGINT, lambda *_: dispatcher.stop())
    typer.echo("delivering change events; stop with Ctrl-C")
    try:
        dispatcher.run()
    finally:
        dispatcher.close()


@events_app.command("list")
def events_list(
    account: AccountOption,
    status: Annotated[
        str | None, typer.Option(help="Only pending, delivered or parked ones.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only those created after this (yyyy-mm-dd[ HH:mm:ss]).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many, newest first.")] = 20,
    as_json: JsonFlag = False,
) -> None:
    """List the account's deliveries, newest first, with their last attempt."""
    found: dict[str, Any] = {}
    if status is not None:
        found["status"] = status
    if since is not None:
        found["createdDate__GREATERTHAN"] = since
    uow = _unit_of_work(upgrade=False)
    uow.bind(account)
    request = ListIn(per_page=limit, filter=found or None)
    with _failing_on(VenueCrmError, ValidationError):
        reply = get_collection(
            uow, deliveries.DELIVERIES, account_id=account, request=request, problems=[]
        )
    rows = reply.model_dump(mode="json", by_alias=True)["results"]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        typer.echo(
            f"{row['id']}  {row['status']:9}  {row['subject']:24}  {row['recordId']:>8}  "
            f"attempts {row['attempts']}  {row['lastStatusCode'] or '-'}  {row['endpoint']}"
        )


@events_app.command("redeliver")
def events_redeliver(
    account: AccountOption,
    delivery: Annotated[
        int | None, typer.Option("--id", help="The delivery to send again.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Every event created since (yyyy-mm-dd[ HH:mm:ss]).")
    ] = None,
) -> None:
    """Make one delivery, or every event since a time, due again now."""
    uow = _unit_of_work(upgrade=False)
    uow.bind(account)
    with _failing_on(VenueCrmError, ValidationError):
        request = RedeliverIn.model_validate({"deliveryId": delivery, "since": since})
        reply = deliveries.redeliver(uow, request)
    typer.echo(f"{reply.count} due again")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations and print each one applied."""
    _, _, applied = _database(upgrade=True)
    for revision in applied:
        typer.echo(f"applied {revision}")
    typer.echo(f"database is at the latest revision ({len(applied)} applied)")


@accounts_app.command("create")
def accounts_create(name: str, as_json: JsonFlag = False) -> None:
    """Create an account."""
    account_id = account_service.create_account(_unit_of_work(upgrade=True), name)
    _print_json({"accountId": account_id}) if as_json else typer.echo(f"account {account_id}")


TimeZoneOption = Annotated[
    str | None,
    typer.Option("--time-zone", help="IANA zone the key's PHP dates are in (default UTC)."),
]


@keys_app.command("create")
def keys_create(
    account: Annotated[int, typer.Option(help="Account id.")],
    label: Annotated[str, typer.Option(help="What the key is for.")] = "",
    php_dates: Annotated[
        bool, typer.Option("--php-dates", help="Accept PHP's date('Y-m-d hh:mm:ss') (README).")
    ] = False,
    time_zone: TimeZoneOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an API key and print its key and secret (the secret is shown only here)."""
    uow = _unit_of_work(upgrade=False)
    with _failing_on(LookupError, ValueError):
        key, secret = account_service.create_key(
            uow, account_id=account, label=label, php_dates=php_dates, time_zone=time_zone or "UTC"
        )
    if as_json:
        _print_json({"accountId": account, "apiKey": key, "apiSecret": secret})
    else:
        typer.echo(f"key:    {key}\nsecret: {secret}")


@keys_app.command("update")
def keys_update(
    key: str,
    php_dates: Annotated[
        bool | None,
        typer.Option("--php-dates/--no-php-dates", help="PHP date compatibility (README)."),
    ] = None,
    time_zone: TimeZoneOption = None,
) -> None:
    """Change a key's settings; options left out stay as they are."""
    uow = _unit_of_work(upgrade=False)
    with _failing_on(LookupError, ValueError):
        account_service.update_key(uow, key, php_dates=php_dates, time_zone=time_zone)
    typer.echo(f"updated {key}")


@keys_app.command("generate-secret-key")
def keys_generate_secret_key() -> None:
    """Print a new key for VENUECRM_SECRET_KEYS (API secrets are encrypted with the first)."""
    typer.echo(Fernet.generate_key().decode())


@keys_app.command("rotate-encryption")
def keys_rotate_encryption() -> None:
    """Re-encrypt every stored API secret with the first of VENUECRM_SECRET_KEYS.

    Put the new key first and keep the old ones after it, run this, then drop the old ones.
    """
    with _failing_on(vault.SecretKeyError):
        count = account_service.rotate_secret_encryption(_unit_of_work(upgrade=False))
    typer.echo(f"re-encrypted {count} API secrets with the first key")


@keys_app.command("revoke")
def keys_revoke(key: str) -> None:
    """Revoke an API key; calls signed with it then get errorCode 463."""
    if not account_service.revoke_key(_unit_of_work(upgrade=False), key):
        _fail(f"no active key {key}")
    typer.echo(f"revoked {key}")


@config_app.command("export")
def config_export(account: AccountOption) -> None:
    """Print the account's whole configuration as YAML (every list sorted by id)."""
    with _failing_on(LookupError):
        text = config_service.export_config(_unit_of_work(upgrade=False), account_id=account)
    typer.echo(text, nl=False)


@config_app.command("apply")
def config_apply(
    file: Annotated[Path, typer.Argument(help="The YAML file.", exists=True, dir_okay=False)],
    account: AccountOption,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan only.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Make the account match FILE: print the plan (added, changed, deactivated, removed), then
    apply it; a subscription it adds has its secret printed, this once.

    An invalid file changes nothing: every problem is printed and the exit code is 1.
    """
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _fail(f"{file} is not UTF-8 text")
    uow = _unit_of_work(upgrade=False)
    try:
        with _failing_on(LookupError):
            plan = config_service.apply_config(uow, account_id=account, text=text, dry_run=dry_run)
    except config_service.InvalidConfiguration as exc:
        if as_json:
            _print_json({"accountId": account, "applied": False, "problems": exc.problems})
        else:
            typer.echo(f"error: {file} is invalid, nothing was changed:", err=True)
            for problem in exc.problems:
                typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1) from exc
    if as_json:
        _print_json(plan.as_dict())
    else:
        typer.echo("\n".join(plan.lines()))


@app.command("seed-demo")
def seed_demo_command(as_json: JsonFlag = False) -> None:
    """Create two demo accounts (idempotent) and print their ids, keys and custom fields."""
    seeded = seed_demo(_unit_of_work(upgrade=True))
    if as_json:
        _print_json({"accounts": seeded})
        return
    for account in seeded:
        typer.echo(
            f"account {account['accountId']}: venue {account['venueId']}, "
            f"key {account['apiKey']}, secret {account['apiSecret']}"
        )
    typer.echo("try: VENUECRM_API_KEY=<key> VENUECRM_API_SECRET=<secret> venuecrm call test ping")


@app.command()
def call(
    namespace: str,
    action: str,
    body: Annotated[str, typer.Argument(help="JSON body, or @file to read it from a file.")] = "",
    key: Annotated[str | None, typer.Option(help="API key [VENUECRM_API_KEY].")] = None,
    secret: Annotated[str | None, typer.Option(help="API secret [VENUECRM_API_SECRET].")] = None,
    url: Annotated[str | None, typer.Option(help="Server [VENUECRM_API_URL].")] = None,
) -> None:
    """Sign and send one iVvy call; print the JSON reply; exit 1 on an error envelope."""
    settings = get_settings()
    key = key or settings.api_key
    secret = secret or (settings.api_secret.get_secret_value() if settings.api_secret else None)
    if not key or not secret:
        typer.echo("error: give --key and --secret (or VENUECRM_API_KEY/SECRET)", err=True)
        raise typer.Exit(2)
    payload = Path(body[1:]).read_bytes() if body.startswith("@") else body.encode()
    request_string = f"/api/1.0/{namespace}?action={action}"
    headers = sign_headers(
        key=key,
        secret=secret,
        request_string=request_string,
        body=payload,
        now=datetime.now(UTC),
    )
    with _failing_on(httpx.HTTPError):
        response = httpx.post(
            (url or settings.api_url).rstrip("/") + request_string,
            content=payload,
            headers=headers,
            timeout=30,
        )
    try:
        reply = response.json()
    except ValueError:
        typer.echo(response.text)
        raise typer.Exit(1) from None
    _print_json(reply)
    if response.is_error or (isinstance(reply, dict) and "errorCode" in reply):
        raise typer.Exit(1)


def main() -> None:
    """Console entry point."""
    try:
        app(prog_name="venuecrm")
    except DataDirNotWritable as exc:
        # An operator's mistake with a known fix: one line saying what to do, no traceback.
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
    sys.exit(0)
