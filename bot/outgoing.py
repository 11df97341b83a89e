"""The HTTP transport of the bot's requests, which marks each journalled message in the update
journal the moment its request has left for Telegram (issue 16).

Why here and not after Telegram's reply: the Bot API has no idempotency key, so a bot that dies
after Telegram accepted a message and before it read the reply cannot ask whether the message
went out. Two marks bracket the write of the request's body: ``UpdateJournal.going`` just before
it and ``UpdateJournal.left`` inside the socket write that hands over its last byte, with no turn
of the event loop after either (under load a turn lasts tens of milliseconds: long enough for a
crash to fall in). After a crash a message that had left is taken as delivered; one that was
going and had not left (a crash in the instant between the two) gets a note in its place, which
asks the user to ask again if the answer is not there: neither a second copy nor silence. A reply
that is not 200 removes the marks (``UpdateJournal.refused``): Telegram did not deliver it.

The hook reaches into two private attributes (httpx's connection pool, anyio's asyncio
transport); if a release renames them, the mark falls back to httpcore's ``trace`` event after the
write, one event-loop turn later, and ``JournalTransport.hooked`` stays 0.
"""

from __future__ import annotations

import logging
import urllib.parse
import urllib.request
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpcore
import httpx

from bot.state.journal import SENDING, UpdateJournal
from retrieval.delivery.feeds import tls_context

logger = logging.getLogger(__name__)


@dataclass
class _Leaving:
    """The journalled message whose request this task is making."""

    journal: UpdateJournal
    update_id: int
    seq: int
    chat_id: int
    armed: bool = False
    """True while its body is being written: the next socket write is its last byte."""

    def mark(self) -> None:
        if self.armed:
            self.armed = False
            self.journal.left(self.update_id, self.seq, self.chat_id)


LEAVING: ContextVar[_Leaving | None] = ContextVar("briefbot_leaving", default=None)


class _MarkingWrites:
    """An asyncio transport whose ``write`` marks the message being sent once its bytes are
    handed to the socket; everything else is the wrapped transport's."""

    def __init__(self, transport: Any):
        self._transport = transport

    def write(self, data: bytes) -> None:
        self._transport.write(data)
        leaving = LEAVING.get()
        if leaving is not None:
            leaving.mark()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _MarkingBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, with each new connection's socket writes hooked."""

    def __init__(self, owner: JournalTransport):
        self._inner = httpcore.AnyIOBackend()
        self._owner = owner

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return self._owner.hook(await self._inner.connect_tcp(*args, **kwargs))

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return self._owner.hook(await self._inner.connect_unix_socket(*args, **kwargs))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class JournalTransport(httpx.AsyncHTTPTransport):
    """The bot's HTTP/1.1 transport: requests go out as with httpx's own, and a message sent for
    an update is marked in the journal as it leaves (``UpdateJournal.left``) and unmarked when
    Telegram refuses it (``UpdateJournal.refused``).

    Args:
        journal: where the marks go.
        limits: the connection pool's limits.
    """

    def __init__(self, journal: UpdateJournal, *, limits: httpx.Limits):
        super().__init__(limits=limits, verify=tls_context())
        self._journal = journal
        self.hooked = 0
        """Connections whose socket writes mark messages (0: the trace fallback is used)."""
        # httpx builds its pool with httpcore's default backend and has no option for another.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls_context(),  # one per process: reading the CA bundle costs ~0.1 s
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=_MarkingBackend(self),
        )

    def hook(self, stream: httpcore.AsyncNetworkStream) -> httpcore.AsyncNetworkStream:
        """Return ``stream`` with its socket writes marking messages, when its insides are the
        ones known (httpcore's anyio stream over an asyncio transport)."""
        inner = getattr(stream, "_stream", None)
        transport = getattr(inner, "_transport", None)
        if transport is None or not callable(getattr(transport, "write", None)):
            if not self.hooked:
                logger.info("Socket writes cannot be hooked; messages are marked after the write")
            return stream
        inner._transport = _MarkingWrites(transport)  # type: ignore[union-attr]
        self.hooked += 1
        return stream

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; a message being sent for an update is marked as it leaves."""
        sending = SENDING.get()
        if sending is None:
            return await super().handle_async_request(request)
        leaving = _Leaving(self._journal, *sending)
        request.extensions = {**request.extensions, "trace": partial(self._trace, leaving)}
        token = LEAVING.set(leaving)
        try:
            return await super().handle_async_request(request)
        finally:
            LEAVING.reset(token)

    async def _trace(self, leaving: _Leaving, event: str, info: dict[str, Any]) -> None:
        step = event.split(".", 1)[-1]  # "http11.send_request_body.started" -> step
        if step == "send_request_body.started":
            # Recorded before the body's write (no event-loop turn in between): a crash from here
            # until the mark of its last byte leaves the message uncertain, not unknown.
            leaving.journal.going(leaving.update_id, leaving.seq, leaving.chat_id)
            leaving.armed = True  # the body is one write: the next socket write is its last byte
        elif step == "send_request_body.complete":
            leaving.mark()  # only if no hooked write marked it
        elif step == "receive_response_headers.complete":
            returned: tuple[Any, ...] = info.get("return_value") or (None, None)
            # HTTP/1.1 returns (version, status, reason, headers); HTTP/2 (status, headers).
            status = returned[1] if event.startswith("http11") else returned[0]
            if status != 200:
                leaving.journal.refused(leaving.update_id, leaving.seq)


def uses_env_proxy(base_url: str) -> bool:
    """Return whether the environment (``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY`` …) sends
    requests to ``base_url`` through a proxy, as httpx would with its own transport."""
    parts = urllib.parse.urlsplit(base_url)
    proxies = urllib.request.getproxies()
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")
