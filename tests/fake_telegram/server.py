"""The fake Bot API served over real HTTP on 127.0.0.1 (standard library only).

``ThreadingHTTPServer`` runs in a background thread; each request is decoded
(:func:`~fake_telegram.params.decode_http`) and answered by :meth:`FakeTelegram.respond`, the same
entry point the in-process request uses.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .params import decode_http
from .records import Disconnect

if TYPE_CHECKING:
    from .state import FakeTelegram

_LOGGER = logging.getLogger("fake_telegram")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out separately: avoid 40 ms stalls
    server: _Server

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        _LOGGER.debug("fake telegram: " + format, *args)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        fake = self.server.fake
        split = urllib.parse.urlsplit(self.path)
        content_type = self.headers.get("Content-Type", "")
        try:
            body = self._read_body()
            status, content_type, payload = fake.respond(
                split.path, lambda: decode_http(split.query, content_type, body)
            )
        except Disconnect:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:  # the client went away (e.g. PTB cancelled a long poll)
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    request_queue_size = 128  # a bot with many connections open at once is not refused

    def __init__(self, address: tuple[str, int], fake: FakeTelegram) -> None:
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        # Shut only the reading side: an idle keep-alive handler sees end-of-file and ends, while a
        # handler that was just woken (a long poll answering at stop) can still write its answer.
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RD)

    def join_handlers(self, timeout: float) -> list[threading.Thread]:
        deadline = time.monotonic() + timeout
        tracked = getattr(self, "_threads", None)  # a list once a request was handled
        threads = list(tracked) if isinstance(tracked, list) else []
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return [t for t in threads if t.is_alive()]

    def server_close(self) -> None:
        # Like ThreadingMixIn.server_close, but joining handler threads with a timeout.
        socketserver.TCPServer.server_close(self)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        _LOGGER.exception("fake telegram: unexpected error")
        if exc is not None:
            self.fake.server_errors.append(exc)


class HttpServer:
    """Serves ``fake`` on 127.0.0.1 (a free port) until :meth:`stop`."""

    def __init__(self, fake: FakeTelegram) -> None:
        self._server = _Server(("127.0.0.1", 0), fake)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeTelegram:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float) -> None:
        """Stop serving, close connections and join every thread (the fake has woken its long
        polls already); raise RuntimeError if a handler thread is still running."""
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        alive = self._server.join_handlers(timeout)
        self._thread.join(timeout)
        if alive:
            raise RuntimeError(f"FakeTelegram handler threads still running: {alive}")
