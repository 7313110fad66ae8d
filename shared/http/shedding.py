"""Overload shedding: a cap on the requests a process runs at once, and no work for a client that has gone.

Above `ALI_HTTP_MAX_CONCURRENT_REQUESTS` requests in progress, a new one is answered at once `503` with a
`Retry-After` header (`ALI_HTTP_RETRY_AFTER_SECONDS`) instead of queueing behind the others: a client is told to come
back rather than left to time out while its request still runs. A request whose client disconnected while it waited
for the process (the server reports `http.disconnect` as its first message) is not run at all: nothing is written for
an answer nobody will read. Health and metrics are never capped, so that a busy process is not taken for a dead one.
A batch (`POST /batch`, shared/http/batch.py) counts as one request: its sub-requests are not capped again.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.errors import problem

# Marks the scope of a request run inside a batch (shared/http/batch.py), which was counted as one request.
SUB_REQUEST = "ali.batch.sub_request"

log = structlog.get_logger(__name__)

UNCAPPED_PREFIXES = ("/health/", "/metrics")


class LoadShedding:
    """ASGI middleware: at most `limit` requests in progress (0: no cap); requests of gone clients dropped."""

    def __init__(
        self, app: ASGIApp, *, limit: int, retry_after: int, uncapped: Sequence[str] = UNCAPPED_PREFIXES
    ) -> None:
        self.app = app
        self.limit = limit
        self.retry_after = retry_after
        self.uncapped = tuple(uncapped)
        self.in_progress = 0
        self.shed = 0
        self.abandoned = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or SUB_REQUEST in scope or scope.get("path", "").startswith(self.uncapped):
            await self.app(scope, receive, send)
            return
        if self.limit and self.in_progress >= self.limit:
            self.shed += 1
            answer = problem(
                503,
                "overloaded",
                f"le service traite déjà {self.limit} requêtes : réessayez dans {self.retry_after} s",
                headers={"Retry-After": str(self.retry_after)},
            )
            await answer(scope, receive, send)
            return
        self.in_progress += 1
        try:
            # The first message tells whether the client is still there (a body already received is kept for the
            # application; a request whose client left while it waited says `http.disconnect`).
            first = await receive()
            if first["type"] == "http.disconnect":
                self.abandoned += 1
                log.info("http.abandoned", path=scope.get("path"), method=scope.get("method"))
                return
            await self.app(scope, _replaying(first, receive), send)
        finally:
            self.in_progress -= 1


def _replaying(first: Message, receive: Receive) -> Receive:
    """`receive` giving `first` back once, then the server's messages."""
    pending: list[Message] = [first]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay
