"""Request bodies above a route's limit are answered 413 before they are read whole, let alone parsed.

A declared `Content-Length` above the limit is refused before the application runs; a body sent without one (or
lying about it) is counted as it arrives and refused as soon as it goes past. The limit is the route's (a router
of file imports takes larger files), else the service's default. Starlette's own limiter answers in plain text
whatever the route would have said, hence this one, which answers a `Problem` like every other error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.errors import problem


class BodyTooLarge(HTTPException):
    """The body went past the route's limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"le corps de la requête dépasse {limit} octets, la limite de cette adresse")
        self.limit = limit


class BodyLimit:
    """ASGI middleware refusing bodies above the limit of the route they are sent to."""

    def __init__(self, app: ASGIApp, *, default: int, limits: Sequence[tuple[re.Pattern[str], int]] = ()) -> None:
        self.app = app
        self.default = default
        self.limits = limits

    def limit_for(self, scope: Scope) -> int:
        """The limit of the route the request goes to (its path's pattern), else the default."""
        path = scope.get("path", "")
        return next((limit for pattern, limit in self.limits if pattern.match(path)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            error = BodyTooLarge(limit)
            await problem(413, "body_too_large", error.detail)(scope, receive, send)
            return
        received = 0
        started = False

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting, sending)
        except BodyTooLarge as e:
            if started:
                raise
            await problem(413, "body_too_large", e.detail)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
