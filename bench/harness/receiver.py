"""A webhook receiver in its own process (answers 204 to every POST), and a confirmed
subscription to it, for the benchmarks that measure event delivery."""

from __future__ import annotations

import base64
import contextlib
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import psycopg
from cryptography.fernet import Fernet
from tests.servers import free_port

from harness.server import SECRET_KEYS

# Its own process: the receiver's Python never competes for the dispatcher's GIL.
_SERVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(204)
        self.end_headers()

    def do_GET(self):
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_):
        pass

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


@contextlib.contextmanager
def running_receiver() -> Iterator[str]:
    """Start the receiver; yields its URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", _SERVER, str(port)])
    url = f"http://127.0.0.1:{port}/hook"
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(httpx.TransportError):
                httpx.get(url, timeout=1)
                break
            if time.monotonic() > deadline:
                sys.exit("the benchmark's webhook receiver did not start")
            time.sleep(0.05)  # polling interval; the probe decides
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def subscribe(libpq: str, account_id: int, url: str, topics: tuple[str, ...]) -> list[int]:
    """Confirmed subscriptions of the account to ``url``, written as the service stores them
    (secret encrypted with the run's key); their ids."""
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    stored = Fernet(SECRET_KEYS.encode()).encrypt(secret.encode()).decode()
    ids = []
    with psycopg.connect(libpq) as conn:
        for topic in topics:
            row = conn.execute(
                "INSERT INTO subscriptions (account_id, topic, endpoint, secret, token,"
                " confirmed_at) VALUES (%s, %s, %s, %s, %s, now()) RETURNING id",
                (account_id, topic, url, stored, f"{account_id}.{secrets.token_urlsafe(16)}"),
            ).fetchone()
            assert row is not None
            ids.append(int(row[0]))
    return ids
