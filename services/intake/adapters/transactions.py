"""The transaction port: handlers run their reads and writes in one database transaction."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import asyncpg


class Transactions(abc.ABC):
    """Opens a transaction and hands out its connection."""

    @abc.abstractmethod
    def begin(self) -> AbstractAsyncContextManager[Any]:
        """`async with transactions.begin() as conn:` commits at the end, rolls back on an error."""


class PostgresTransactions(Transactions):
    """Transactions on a connection of the pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn
