"""The sandbox's HTTP server: one thread per connection, standard library only.

Every request goes through the same steps: read the body (413 above the limit), resolve the
route (404 / 405), inject a fault if one is armed or asked for, check the bearer token (401),
replay or run an idempotent POST, answer JSON, and log one line to stderr.
"""

from __future__ import annotations

import hmac
import logging
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qsl, unquote, urlsplit

from integrations.sandbox import bank, erp, event_inbox, hooks
from integrations.sandbox.clock import iso_z, utc_now
from integrations.sandbox.config import SandboxOptions
from integrations.sandbox.exchange import HttpError, Request, Response, dump_json, json_response
from integrations.sandbox.faults import MALFORMED_BODY, PAGE_KINDS, REQUEST_KINDS, Fault, header_fault
from integrations.sandbox.routing import Route, Router
from integrations.sandbox.state import Record, SandboxState

logger = logging.getLogger("integrations.sandbox")

ROUTER: Final = Router((*hooks.ROUTES, *erp.ROUTES, *bank.ROUTES, *event_inbox.ROUTES))
HOOK_PREFIX: Final = "/_sandbox"
FAULT_HEADER: Final = "X-Sandbox-Fault"
DRAIN_LIMIT: Final = 64 * 1024 * 1024  # an oversize body up to this is read and dropped, so the client sees the 413
LOGGED_BODY_LIMIT: Final = 64 * 1024
IDLE_CONNECTION_SECONDS: Final = 120


class SandboxHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that owns the sandbox state.

    Handler threads are daemons and are not joined on close: a request held by the `timeout`
    fault must never keep a test run or Ctrl-C waiting.
    """

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: SandboxState) -> None:
        self.state = state
        super().__init__(address, SandboxRequestHandler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        host = str(host)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def stop(self) -> None:
        """Release held requests, stop serve_forever (call from another thread) and close the socket."""
        self.state.stopping.set()
        self.shutdown()
        self.server_close()


def build_server(host: str = "127.0.0.1", port: int = 0, options: SandboxOptions | None = None) -> SandboxHTTPServer:
    """A seeded sandbox bound to host:port (0 = any free port), not yet serving."""
    return SandboxHTTPServer((host, port), SandboxState(options or SandboxOptions()))


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so that connection pools behave as against a real API
    server_version = "FCTSandbox/1.0"
    timeout = IDLE_CONNECTION_SECONDS
    server: SandboxHTTPServer

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    # Methods no endpoint takes still get the JSON 405 with an Allow header.
    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_OPTIONS(self) -> None:
        self._handle()

    # --- the pipeline ---------------------------------------------------------------------------

    def _handle(self) -> None:
        started = time.monotonic()
        entry: Record | None = None
        try:
            split = urlsplit(self.path)
            path = unquote(split.path)
            request = Request(
                method=self.command,
                path=path,
                query=dict(parse_qsl(split.query, keep_blank_values=True)),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=b"",
            )
            request.body = self._read_body()
            if not path.startswith(HOOK_PREFIX):
                entry = self._log_entry(request, split.query)
            response = self._answer(request, entry)
        except HttpError as exc:
            self.close_connection = True  # the body may not have been read: the stream is not reusable
            response = exc.response()
        if entry is not None:
            entry["status"] = response.status if response else None
        # Logged before the answer goes out, so that a client that has its answer finds it logged.
        status = response.status if response else "dropped"
        fault = f" fault={entry['fault']}" if entry and entry.get("fault") else ""
        elapsed = (time.monotonic() - started) * 1000
        logger.info("%s %s %s -> %s %.0fms%s", self.client_address[0], self.command, self.path, status, elapsed, fault)
        if response is None:
            self.close_connection = True  # the timeout fault: drop the connection without a word
        else:
            self._send(response)

    def _answer(self, request: Request, entry: Record | None) -> Response | None:
        state = self.server.state
        try:
            route, request.params = ROUTER.resolve(request.method, request.path)
            if route.is_business:
                fault = self._fault(route, request)
                if fault is not None:
                    if entry is not None:
                        entry["fault"] = fault.kind
                    if fault.wait_seconds and state.stopping.wait(fault.wait_seconds):
                        return None
                    if fault.kind in PAGE_KINDS:
                        request.fault = fault.kind
                    elif fault.kind != "latency":
                        return self._fault_response(fault)
                self._authorize(request)
            if route.is_idempotent:
                with state.lock:
                    return state.idempotency.run(request, lambda: route.handler(state, request))
            return route.handler(state, request)
        except HttpError as exc:
            return exc.response()
        except Exception:  # a bug in one handler must answer 500, not drop the connection
            logger.exception("sandbox handler failed on %s %s", request.method, request.path)
            return json_response(500, {"error": "internal sandbox error (a bug: see the sandbox log)"})

    def _fault(self, route: Route, request: Request) -> Fault | None:
        applicable = REQUEST_KINDS | PAGE_KINDS if route.is_paged else REQUEST_KINDS
        asked = header_fault(request.header(FAULT_HEADER), applicable)
        return asked or self.server.state.faults.take(request.path, applicable)

    def _fault_response(self, fault: Fault) -> Response | None:
        if fault.kind == "timeout":
            # Hold longer than any sane client timeout, then drop; shutdown releases at once.
            self.server.state.stopping.wait(self.server.state.options.timeout_hold_seconds)
            return None
        if fault.kind == "malformed":
            return Response(200, MALFORMED_BODY)
        retry = [("Retry-After", str(fault.retry_after))]
        if fault.kind == "429":
            return json_response(429, {"error": "rate limit exceeded"}, headers=retry)
        if fault.kind == "503":
            return json_response(503, {"error": "service unavailable (injected)"}, headers=retry)
        return json_response(500, {"error": "internal server error (injected)"})

    def _authorize(self, request: Request) -> None:
        scheme, _, token = request.header("Authorization").partition(" ")
        expected = self.server.state.options.token
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
            raise HttpError(
                401, "missing or wrong bearer token", headers=[("WWW-Authenticate", 'Bearer realm="sandbox"')]
            )

    # --- bytes in and out -----------------------------------------------------------------------

    def _read_body(self) -> bytes:
        limit = self.server.state.options.max_body_bytes
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(limit)
        raw_length = self.headers.get("Content-Length")
        if not raw_length:
            return b""
        try:
            length = int(raw_length)
        except ValueError:
            raise HttpError(400, f"Content-Length {raw_length!r} is not a number") from None
        if length < 0:
            raise HttpError(400, f"Content-Length {raw_length!r} is not a number")
        if length > limit:
            if length <= DRAIN_LIMIT:
                self._drain(length)
            raise HttpError(413, f"the body is {length} bytes, above the limit of {limit}", limit=limit)
        return self.rfile.read(length)

    def _read_chunked(self, limit: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(65537)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise HttpError(400, "malformed chunked body") from None
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > limit:
                raise HttpError(413, f"the body is above the limit of {limit} bytes", limit=limit)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _drain(self, length: int) -> None:
        left = length
        while left > 0:
            chunk = self.rfile.read(min(left, 1024 * 1024))
            if not chunk:
                return
            left -= len(chunk)

    def _send(self, response: Response) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers:
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _log_entry(self, request: Request, query: str) -> Record:
        body = request.body[:LOGGED_BODY_LIMIT].decode("utf-8", errors="replace")
        entry: Record = {
            "method": request.method,
            "path": request.path,
            "query": query,
            "headers": dict(self.headers.items()),
            "body": body,
            "body_truncated": len(request.body) > LOGGED_BODY_LIMIT,
            "received_at": iso_z(utc_now()),
            "status": None,
            "fault": None,
        }
        with self.server.state.lock:
            self.server.state.requests.append(entry)
        return entry

    # --- what BaseHTTPRequestHandler says on its own -------------------------------------------

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level errors (a garbled request line, an unknown method) answer JSON too."""
        body = dump_json({"error": message or explain or self.responses.get(code, ("error",))[0]})
        self.close_connection = True
        self.send_response(code, message)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # _handle logs one line per request itself, with the time taken and the fault

    def log_message(self, format: str, *args: Any) -> None:
        logger.warning("%s %s", self.address_string(), format % args)
