"""A real webhook receiver for the event tests: an http.server in a thread.

It answers every POST with ``status`` (503 plays a receiver that is down), after ``delay``
seconds, records each request it answered 2xx, confirms a SubscriptionConfirmation by GETting its
SubscribeURL, and notes how many deliveries of one ``webhook-id`` were ever in flight at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


@dataclass(frozen=True)
class Received:
    """One delivery the receiver accepted."""

    headers: dict[str, str]
    body: bytes

    @property
    def envelope(self) -> dict[str, Any]:
        """The SNS-shaped envelope."""
        value: dict[str, Any] = json.loads(self.body)
        return value

    @property
    def message(self) -> dict[str, Any]:
        """A Notification's iVvy message, its Body decoded too."""
        message: dict[str, Any] = json.loads(self.envelope["Message"])
        message["Body"] = json.loads(message["Body"])
        return message


class Receiver:
    """Start with ``with Receiver() as receiver:``; POST to ``receiver.url``."""

    def __init__(self) -> None:
        self.status = 200
        self.delay = 0.0
        self.received: list[Received] = []
        self.attempts = 0
        self.max_in_flight = 0  # of one webhook-id
        self._in_flight: Counter[str] = Counter()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                outer.handle(self, body)

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        """Answer one POST."""
        headers = {key.lower(): value for key, value in handler.headers.items()}
        webhook_id = headers.get("webhook-id", "")
        with self._lock:
            self.attempts += 1
            self._in_flight[webhook_id] += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight[webhook_id])
            status = self.status
        try:
            if self.delay:
                time.sleep(self.delay)  # plays a slow receiver; not synchronisation
            if status == 200:
                envelope = json.loads(body)
                if envelope.get("Type") == "SubscriptionConfirmation":
                    httpx.get(envelope["SubscribeURL"], timeout=10).raise_for_status()
                with self._lock:
                    self.received.append(Received(headers, body))
        finally:
            with self._lock:
                self._in_flight[webhook_id] -= 1
        handler.send_response(status)
        handler.send_header("content-length", "0")
        handler.end_headers()

    def notifications(self) -> list[Received]:
        """The Notifications accepted, in arrival order."""
        with self._lock:
            return [r for r in self.received if r.envelope["Type"] == "Notification"]

    def wait_for(self, done: Callable[[Receiver], bool], timeout: float = 20) -> None:
        """Poll until ``done(self)``, failing after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not done(self):
            assert time.monotonic() < deadline, f"receiver: gave up after {len(self.received)}"
            time.sleep(0.02)  # polling interval; the condition decides

    def __enter__(self) -> Receiver:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
