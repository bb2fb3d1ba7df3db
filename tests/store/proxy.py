"""An HTTP proxy in the test process that passes requests to a server or fails them on purpose.

Tests put it between a store and the live server and say, request by request,
what goes wrong: the connection is dropped without an answer (the server went
away), the request reaches the server but its answer is lost, the proxy answers
429 itself (the cluster is overloaded), it answers a bulk request with every
document refused as 429 (the write queue is full), or it holds the request
unanswered until the test releases it (a search the cluster is still working on).
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import urlsplit

import orjson

Fault = Literal["drop", "lost", "busy", "bulk-busy", "hang"] | None
"""What to do with one request; None passes it on."""


@dataclass
class Seen:
    method: str
    path: str
    fault: Fault
    body: bytes


@dataclass
class FaultPlan:
    """Decides each request's fate; by default everything passes."""

    decide: Callable[[Seen], Fault] = lambda _: None
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)
    """Lets every held ("hang") request go; the proxy sets it when it shuts down."""

    def __call__(self, request: Seen) -> Fault:
        with self.lock:
            request.fault = self.decide(request)
            self.seen.append(request)
            return request.fault

    def bulk_requests(self) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.path.split("?")[0].endswith("/_bulk")]


def first(n: int, fault: Fault, *, bulk_only: bool = True) -> Callable[[Seen], Fault]:
    """``fault`` for the first ``n`` (bulk) requests, then pass."""
    count = 0
    lock = threading.Lock()

    def decide(request: Seen) -> Fault:
        nonlocal count
        if bulk_only and not request.path.split("?")[0].endswith("/_bulk"):
            return None
        with lock:
            count += 1
            return fault if count <= n else None

    return decide


def after(n: int, fault: Fault) -> Callable[[Seen], Fault]:
    """Pass the first ``n`` bulk requests; from then on every request gets ``fault``."""
    bulks = 0
    lock = threading.Lock()

    def decide(request: Seen) -> Fault:
        nonlocal bulks
        with lock:
            if bulks >= n:
                return fault
            if request.path.split("?")[0].endswith("/_bulk"):
                bulks += 1
            return None

    return decide


def _handler(upstream: str, plan: FaultPlan) -> type[BaseHTTPRequestHandler]:
    target = urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            fault = plan(Seen(self.command, self.path, None, body))
            if fault in ("drop", "lost"):
                if fault == "lost":
                    self._forward(body, answer=False)
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault == "busy":
                self._answer(429, _error(429, "es_rejected_execution_exception", "queue full"))
                return
            if fault == "bulk-busy":
                self._answer(200, _all_busy(body))
                return
            if fault == "hang":
                plan.release.wait()
                self.close_connection = True
                return
            self._forward(body)

        def _forward(self, body: bytes, *, answer: bool = True) -> None:
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            try:
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "connection", "content-length")
                }
                conn.request(self.command, self.path, body=body or None, headers=headers)
                response = conn.getresponse()
                data = response.read()
                if not answer:
                    return
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
            finally:
                conn.close()

        def _answer(self, status: int, payload: dict[str, object]) -> None:
            data = orjson.dumps(payload)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    return Handler


def _error(status: int, kind: str, reason: str) -> dict[str, object]:
    return {"error": {"type": kind, "reason": reason}, "status": status}


def _all_busy(body: bytes) -> dict[str, object]:
    """A bulk answer refusing every document with 429, as a cluster with a full queue does."""
    lines = [orjson.loads(line) for line in body.splitlines() if line.strip()]
    items = []
    for action in lines[::2]:
        (op, meta), *_ = action.items()
        items.append(
            {
                op: {
                    "_index": meta.get("_index"),
                    "_id": meta.get("_id"),
                    "status": 429,
                    "error": {
                        "type": "es_rejected_execution_exception",
                        "reason": "rejected execution of coordinating operation",
                    },
                }
            }
        )
    return {"took": 1, "errors": True, "items": items}


@contextmanager
def fault_proxy(upstream: str, plan: FaultPlan) -> Iterator[str]:
    """A proxy to ``upstream`` on a free local port; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(upstream, plan))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        plan.release.set()
        server.shutdown()
        server.server_close()
        thread.join()
