"""One failing chat or source must not stop the others: ``guarded`` awaits a job's work and logs
its failure with the traceback instead of raising."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

logger = logging.getLogger(__name__)


async def guarded(work: Awaitable[Any], what: str) -> None:
    """Await ``work``; log a failure with its traceback (``what`` names the work), never raise."""
    try:
        await work
    except Exception:
        logger.exception("Background job: %s failed", what)
