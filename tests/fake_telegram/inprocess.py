"""The fake Bot API in process: a python-telegram-bot ``BaseRequest`` that answers from the fake's
state instead of over a socket (the idiom of python-telegram-bot's own test suite).

PTB builds the same URLs and ``RequestData`` as for Telegram; :class:`FakeRequest` hands them to
:meth:`FakeTelegram.respond`, the entry point the HTTP server uses too, so both ways in behave
alike: same parameter decoding, same answers, same status codes. A call that may wait (a long poll,
a delay injected with ``slow_next``) runs on a worker thread, so the bot's event loop never blocks,
and PTB's read timeout applies to it as it would to a slow server.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from .params import decode_request_data
from .records import Disconnect

if TYPE_CHECKING:
    from .fake import FakeTelegram

READ_TIMEOUT = 5.0
"""Seconds, as ``HTTPXRequest``'s default read timeout."""


class FakeRequest(BaseRequest):
    """Sends the bot's requests to ``fake`` without a socket. Get one from
    :meth:`FakeTelegram.request`."""

    def __init__(self, fake: FakeTelegram) -> None:
        self._fake = fake
        self._pool: ThreadPoolExecutor | None = None
        self._retired: list[ThreadPoolExecutor] = []

    @property
    def read_timeout(self) -> float:
        return READ_TIMEOUT

    async def initialize(self) -> None:
        """Nothing to open: the fake is in this process."""

    async def shutdown(self) -> None:
        """Wake this request's long poll and let its worker threads end; :meth:`close` (run by
        the fake when it stops) joins them, so a delay still running never blocks the bot."""
        if self._pool is not None:
            self._fake.abandon_polls()
            self._pool.shutdown(wait=False)
            self._retired.append(self._pool)
            self._pool = None

    def close(self) -> None:
        """Join every worker thread; the fake has woken its waits first."""
        if self._pool is not None:
            self._retired.append(self._pool)
            self._pool = None
        for pool in self._retired:
            pool.shutdown(wait=True)
        self._retired.clear()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Return (HTTP status, body) as the fake answers ``url``; raise ``NetworkError`` when the
        fake drops the connection and ``TimedOut`` when it answers later than ``read_timeout``."""
        path = urllib.parse.urlsplit(url).path
        params = decode_request_data(request_data)
        try:
            if not self._fake.blocks(path):
                status, _, body = self._fake.respond(path, lambda: params)
                return status, body
            timeout = read_timeout if isinstance(read_timeout, int | float) else READ_TIMEOUT
            if self._pool is None:
                self._pool = ThreadPoolExecutor(thread_name_prefix="FakeTelegram-request")
            loop = asyncio.get_running_loop()
            answer = loop.run_in_executor(self._pool, self._fake.respond, path, lambda: params)
            try:
                status, _, body = await asyncio.wait_for(answer, timeout)
            except TimeoutError:
                raise TimedOut(f"the fake did not answer {path} within {timeout} s") from None
            except asyncio.CancelledError:
                self._fake.abandon_polls()  # like a closed connection: the poll ends
                raise
            return status, body
        except Disconnect:
            raise NetworkError("the fake dropped the connection without an answer") from None
