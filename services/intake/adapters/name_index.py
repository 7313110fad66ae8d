"""Re-index of the name keys: persons indexed with the first version's ASCII-only key get the keys of every script.

Stored digests cannot be converted (they are one-way): each person's identity is decrypted with their own key,
the new name keys are computed and their digests replace the old entry, in batches, under the de-duplication
lock (no referral is matched against a half-done person). Intake runs it at start-up, before it serves, with
progress in the log; a person written meanwhile by an older process is caught up by the next referral's
transaction (`catch_up`), so the de-duplication never misses anyone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog

from services.intake.adapters.crypto import BlindIndexer, PersonalDataUnreadable, PersonalDataVault
from services.intake.domain.dedup import LEGACY_NAME_BIRTH, name_keys

log = structlog.get_logger(__name__)

CURRENT = 2


async def lock_dedup(conn: Any, schema: str) -> None:
    """The lock every de-duplication takes (the same as `PostgresPersons.lock_dedup`)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"ali-intake-dedup-{schema}")


async def reindex_batch(
    conn: Any, schema: str, vault: PersonalDataVault, indexer: BlindIndexer, limit: int | None
) -> int:
    """Re-index up to `limit` persons (all when None) in the caller's transaction, which holds the dedup lock."""
    rows = await conn.fetch(
        f"""SELECT p.beneficiary_id, p.identity, k.wrapped_key, p.erased_on FROM {schema}.persons p
            LEFT JOIN {schema}.person_keys k USING (beneficiary_id)
            WHERE p.name_index_version < {CURRENT} ORDER BY p.beneficiary_id LIMIT $1""",
        limit,
    )
    if not rows:
        return 0
    kinds, digests, owners = [], [], []
    for row in rows:
        if row["erased_on"] is not None:
            continue  # an erased person has no index entries, and never will
        try:
            identity = vault.open(row["beneficiary_id"], row["wrapped_key"], row["identity"])
        except PersonalDataUnreadable:
            log.error("dedup.reindex.unreadable", beneficiary_id=str(row["beneficiary_id"]))
            continue
        for kind, digest in indexer.digests(
            name_keys(identity.first_name, identity.last_name, identity.birth_date)
        ).items():
            kinds.append(str(kind))
            digests.append(digest)
            owners.append(row["beneficiary_id"])
    ids = [r["beneficiary_id"] for r in rows]
    await conn.execute(
        f"DELETE FROM {schema}.dedup_index WHERE kind = $1 AND beneficiary_id = ANY($2::uuid[])", LEGACY_NAME_BIRTH, ids
    )
    await conn.execute(
        f"""INSERT INTO {schema}.dedup_index (kind, digest, beneficiary_id)
            SELECT * FROM unnest($1::text[], $2::bytea[], $3::uuid[]) ON CONFLICT DO NOTHING""",
        kinds,
        digests,
        owners,
    )
    await conn.execute(
        f"UPDATE {schema}.persons SET name_index_version = {CURRENT} WHERE beneficiary_id = ANY($1::uuid[])", ids
    )
    return len(rows)


async def catch_up(conn: Any, schema: str, vault: PersonalDataVault, indexer: BlindIndexer) -> int:
    """In a referral's transaction (dedup lock held): re-index anyone still on the old key (normally nobody)."""
    stale = await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {schema}.persons WHERE name_index_version < {CURRENT})")
    return await reindex_batch(conn, schema, vault, indexer, None) if stale else 0


async def reindex(
    pool: Any,
    schema: str,
    vault: PersonalDataVault,
    indexer: BlindIndexer,
    *,
    batch: int = 500,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Re-index every person still on the old name key, batch by batch; returns how many were re-indexed."""
    async with pool.acquire() as conn:
        total = await conn.fetchval(f"SELECT count(*) FROM {schema}.persons WHERE name_index_version < {CURRENT}")
        if not total:
            return 0
        log.info("dedup.reindex.start", persons=total)
        done = 0
        while True:
            async with conn.transaction():
                await lock_dedup(conn, schema)
                count = await reindex_batch(conn, schema, vault, indexer, batch)
            if not count:
                break
            done += count
            log.info("dedup.reindex.progress", done=done, total=total)
            if on_progress:
                on_progress(done, total)
        log.info("dedup.reindex.done", persons=done)
        return done
