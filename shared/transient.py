"""Which failures are transient (wait and retry) rather than a property of the message (dead letter)."""

from __future__ import annotations

import asyncpg
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError, RequestTimedOutError

# PostgreSQL restarting, overloaded or cancelling a statement, and the network between: none says anything about the
# event, so the event is tried again until they pass.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # class 08: connection lost or refused
    asyncpg.InterfaceError,  # the connection was closed under the client
    asyncpg.exceptions.OperatorInterventionError,  # 57: QueryCanceled, AdminShutdown, CrashShutdown, CannotConnectNow
    asyncpg.exceptions.InsufficientResourcesError,  # 53: TooManyConnections, OutOfMemory, DiskFull
    asyncpg.exceptions.TransactionRollbackError,  # 40: serialization failure, deadlock
    asyncpg.exceptions.LockNotAvailableError,
    KafkaConnectionError,
    KafkaTimeoutError,
    NodeNotReadyError,
    RequestTimedOutError,
    ConnectionError,
    TimeoutError,
    OSError,
)


def is_transient(error: BaseException) -> bool:
    """True for an infrastructure failure that is waited out, also when re-raised as another error (`from e`)."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, TRANSIENT_ERRORS):
            return True
        error = error.__cause__
        seen += 1
    return False
