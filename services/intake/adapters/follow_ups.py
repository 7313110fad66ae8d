"""Where each person's latest enrolment stands, and the people to check as possible duplicates (intake's tables)."""

from __future__ import annotations

from services.intake.domain.decisions import FollowUp
from services.intake.service_layer.ports import FollowUps
from shared.contracts.intake import BeneficiaryEnrolled


class PostgresFollowUps(FollowUps):
    """In intake's schema: the event store's enrolments and the accompaniments learnt from accompaniment."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def of(self, conn, beneficiary_ids):
        streams = {f"beneficiary-{b}": b for b in beneficiary_ids}
        if not streams:
            return {}
        rows = await conn.fetch(
            f"""WITH latest AS (
                    SELECT DISTINCT ON (stream_id) stream_id, event_id FROM {self.schema}.events
                    WHERE stream_id = ANY($1::text[]) AND type = $2 ORDER BY stream_id, version DESC)
                SELECT l.stream_id, a.accompaniment_id, a.closed_on FROM latest l
                JOIN {self.schema}.accompaniments a ON a.enrolment_event_id = l.event_id
                WHERE a.closed_on IS NOT NULL""",
            list(streams),
            BeneficiaryEnrolled.event_type(),
        )
        return {streams[r["stream_id"]]: FollowUp(r["accompaniment_id"], r["closed_on"]) for r in rows}

    async def add_possible_duplicates(self, conn, pairs, found_on):
        if pairs:
            await conn.execute(
                f"""INSERT INTO {self.schema}.possible_duplicates (beneficiary_id, candidate_id, found_on)
                    SELECT a, b, $3 FROM unnest($1::uuid[], $2::uuid[]) AS p(a, b) ON CONFLICT DO NOTHING""",
                [a for a, _ in pairs],
                [b for _, b in pairs],
                found_on,
            )

    async def possible_duplicates(self, conn, beneficiary_id):
        rows = await conn.fetch(
            f"""SELECT candidate_id AS other FROM {self.schema}.possible_duplicates WHERE beneficiary_id = $1
                UNION SELECT beneficiary_id FROM {self.schema}.possible_duplicates WHERE candidate_id = $1""",
            beneficiary_id,
        )
        return sorted(r["other"] for r in rows)
