"""What intake learns from accompaniment's events: which accompaniment each enrolment opened, and when it closed.

A person's next referral is a return only once the accompaniment opened by their latest enrolment is known to be
closed. The handlers run in the consumer's transaction (which records the event as processed) and are
idempotent on their own: an opening is an upsert by accompaniment id, a closure sets the date it carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.consumer import BatchedHandler
from shared.contracts import REGISTRY
from shared.contracts.accompaniment import AccompanimentClosed, AccompanimentOpened
from shared.envelope import Envelope


class AccompanimentsSeen:
    """Intake's table of accompaniments (id, person, enrolment that opened it, dates)."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def on_opened(self, envelope: Envelope, conn: Any) -> None:
        """An accompaniment opened; its causation is the enrolment event that opened it."""
        await self.on_many_opened([envelope], conn)

    async def on_many_opened(self, envelopes: Sequence[Envelope], conn: Any) -> None:
        """A run of openings, in one pipelined statement."""
        rows = []
        for envelope in envelopes:
            opened = REGISTRY.decode(envelope.type, envelope.schema_version, envelope.data)
            assert isinstance(opened, AccompanimentOpened)
            rows.append((opened.accompaniment_id, opened.beneficiary_id, envelope.causation_id, opened.start_date))
        await conn.executemany(
            f"""INSERT INTO {self.schema}.accompaniments
                    (accompaniment_id, beneficiary_id, enrolment_event_id, opened_on)
                VALUES ($1, $2, $3, $4)
                ON CONFLICT (accompaniment_id) DO UPDATE
                SET enrolment_event_id = coalesce(EXCLUDED.enrolment_event_id,
                                                  {self.schema}.accompaniments.enrolment_event_id),
                    opened_on = EXCLUDED.opened_on""",
            rows,
        )

    async def on_closed(self, envelope: Envelope, conn: Any) -> None:
        """An accompaniment closed."""
        closed = REGISTRY.decode(envelope.type, envelope.schema_version, envelope.data)
        assert isinstance(closed, AccompanimentClosed)
        await conn.execute(
            f"""INSERT INTO {self.schema}.accompaniments (accompaniment_id, beneficiary_id, closed_on)
                VALUES ($1, $2, $3)
                ON CONFLICT (accompaniment_id) DO UPDATE SET closed_on = EXCLUDED.closed_on""",
            closed.accompaniment_id,
            closed.beneficiary_id,
            closed.closed_on,
        )

    def handlers(self) -> dict[str, Any]:
        """The consumer's handlers, by event type."""
        return {
            AccompanimentOpened.event_type(): BatchedHandler(self.on_opened, self.on_many_opened),
            AccompanimentClosed.event_type(): self.on_closed,
        }
