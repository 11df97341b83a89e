"""A tiny HTTP server on 127.0.0.1 for feed tests: serves documents the test puts in it.

    with FeedServer() as server:
        server.put("/news.rss", RSS, "application/rss+xml")
        url = server.url("/news.rss")

Each document may carry an ETag (a request with a matching ``If-None-Match`` gets 304), and a path
can be made to answer an HTTP error with ``fail``. ``requests`` lists the paths asked for.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


class FeedServer:
    """Serves in-memory documents over real HTTP in a background thread."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[bytes, str, str | None]] = {}
        self.failures: dict[str, int] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                if self.path in server.failures:
                    self.send_error(server.failures[self.path])
                    return
                doc = server.documents.get(self.path)
                if doc is None:
                    self.send_error(404)
                    return
                body, content_type, etag = doc
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # Not daemon threads: server_close() then joins every request thread, so none outlives
        # the test (the fake Telegram tests check that no request thread is left running).
        self.httpd.daemon_threads = False
        # A short poll interval: shutdown() waits up to one interval.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str) -> str:
        """Return the full URL of ``path`` on this server."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def put(
        self, path: str, body: str | bytes, content_type: str, *, etag: str | None = None
    ) -> None:
        """Serve ``body`` at ``path`` (replacing what was there) and stop failing it."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.documents[path] = (data, content_type, etag)
        self.failures.pop(path, None)

    def fail(self, path: str, status: int) -> None:
        """Answer every request for ``path`` with HTTP ``status`` until ``put`` is called again."""
        self.failures[path] = status

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
