"""Free text encrypted per owner in a service's PostgreSQL schema (`private_keys`, `private_texts`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from uuid import UUID

import asyncpg

from shared import crypto
from shared.eventstore import Beside
from shared.private_text import (
    ERASED,
    MISSING,
    Owner,
    PersonalDataErased,
    PrivateTexts,
    Revealed,
    TextRefTaken,
    TextState,
    TextView,
)


def _key_aad(owner: Owner) -> bytes:
    return b"text-key:" + str(owner).encode()


def _text_aad(owner: Owner, ref: UUID) -> bytes:
    return b"text:" + str(owner).encode() + b"|" + ref.bytes


class PostgresPrivateTexts(PrivateTexts):
    """The `private_keys` and `private_texts` tables of one schema, keys wrapped by the service's master key."""

    def __init__(self, schema: str, master_key: bytes) -> None:
        self.schema = schema
        self._keys = crypto.KeyWrapper(master_key)

    async def _data_key(self, conn: asyncpg.Connection, owner: Owner) -> bytes:
        await conn.execute(
            f"INSERT INTO {self.schema}.private_keys (owner, wrapped_key) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            str(owner),
            self._keys.wrap(crypto.new_data_key(), _key_aad(owner)),
        )
        # FOR SHARE: an erasure of this owner waits for this transaction (and this one sees it if it came first).
        wrapped = await conn.fetchval(
            f"SELECT wrapped_key FROM {self.schema}.private_keys WHERE owner = $1 FOR SHARE", str(owner)
        )
        if wrapped is None:
            raise PersonalDataErased("this person's personal data was erased: no free text can be recorded any more")
        return self._keys.unwrap(wrapped, _key_aad(owner))

    async def seal(self, conn: asyncpg.Connection, owner: Owner, texts: Mapping[UUID, str]) -> None:
        if not texts:
            return
        key = await self._data_key(conn, owner)
        refs = list(texts)
        stored = await conn.fetch(
            f"""INSERT INTO {self.schema}.private_texts (ref, owner, sealed)
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[])
                ON CONFLICT (ref) DO UPDATE SET sealed = excluded.sealed, recorded_at = now()
                WHERE {self.schema}.private_texts.owner = excluded.owner
                RETURNING ref""",
            refs,
            [str(owner)] * len(refs),
            [crypto.seal(key, texts[ref].encode(), _text_aad(owner, ref)) for ref in refs],
        )
        if len(stored) != len(refs):
            raise TextRefTaken("this id is already used elsewhere; leave it out to get a new one")

    async def reveal(self, conn: asyncpg.Connection, refs: Iterable[UUID]) -> dict[UUID, Revealed]:
        wanted = list(dict.fromkeys(refs))
        found: dict[UUID, Revealed] = dict.fromkeys(wanted, MISSING)
        if not wanted:
            return found
        rows = await conn.fetch(
            f"""SELECT t.ref, t.owner, t.sealed, k.wrapped_key FROM {self.schema}.private_texts t
                JOIN {self.schema}.private_keys k USING (owner) WHERE t.ref = ANY($1::uuid[])""",
            wanted,
        )
        return self._opened(rows, found)

    async def view(self, conn: asyncpg.Connection, owner: Owner, refs: Iterable[UUID]) -> TextView:
        """Whether the owner was erased and each text, in one statement (one round trip instead of two)."""
        read = self.view_beside(owner, refs)
        return self.view_of(await conn.fetch(read.query(1), *read.args), refs)

    def view_beside(self, owner: Owner, refs: Iterable[UUID]) -> Beside:
        """The read `view` makes, to be made beside another (a stream's: `EventStore.load_stored_beside`)."""
        wanted = list(dict.fromkeys(r for r in refs if r is not None))
        schema = self.schema

        def query(first: int) -> str:
            # One row for the owner (`erased`), joined with a row per text found (none: one row of NULLs).
            return f"""SELECT coalesce(o.erased_on IS NOT NULL, false) AS erased,
                       t.ref, t.owner, t.sealed, k.wrapped_key
                FROM (SELECT 1) AS one
                LEFT JOIN {schema}.private_keys o ON o.owner = ${first}
                LEFT JOIN ({schema}.private_texts t JOIN {schema}.private_keys k USING (owner))
                       ON t.ref = ANY(${first + 1}::uuid[])"""

        return Beside(query, (str(owner), wanted))

    def view_of(self, rows: Sequence[asyncpg.Record], refs: Iterable[UUID]) -> TextView:
        """The texts of `refs` from the rows of a `view_beside` read."""
        wanted = list(dict.fromkeys(r for r in refs if r is not None))
        if rows[0]["erased"]:
            return TextView(erased=True, texts=dict.fromkeys(wanted, ERASED))
        found: dict[UUID, Revealed] = dict.fromkeys(wanted, MISSING)
        shown = set(wanted)
        return TextView(erased=False, texts=self._opened([r for r in rows if r["ref"] in shown], found))

    def _opened(self, rows: Iterable[asyncpg.Record], found: dict[UUID, Revealed]) -> dict[UUID, Revealed]:
        """`found` with the texts of these rows (ref, owner, sealed, wrapped_key) decrypted, or ERASED."""
        keys: dict[str, bytes] = {}
        for row in rows:
            if row["wrapped_key"] is None or row["sealed"] is None:
                found[row["ref"]] = ERASED
                continue
            owner = Owner.parse(row["owner"])
            if row["owner"] not in keys:
                keys[row["owner"]] = self._keys.unwrap(row["wrapped_key"], _key_aad(owner))
            text = crypto.unseal(keys[row["owner"]], row["sealed"], _text_aad(owner, row["ref"])).decode()
            found[row["ref"]] = Revealed(TextState.AVAILABLE, text)
        return found

    async def erase(self, conn: asyncpg.Connection, owner: Owner, erased_on: date) -> bool:
        previous = await conn.fetchrow(
            f"SELECT erased_on FROM {self.schema}.private_keys WHERE owner = $1 FOR UPDATE", str(owner)
        )
        if previous is not None and previous["erased_on"] is not None:
            return False
        await conn.execute(
            f"""INSERT INTO {self.schema}.private_keys (owner, wrapped_key, erased_on) VALUES ($1, NULL, $2)
                ON CONFLICT (owner) DO UPDATE SET wrapped_key = NULL, erased_on = excluded.erased_on""",
            str(owner),
            erased_on,
        )
        await conn.execute(f"UPDATE {self.schema}.private_texts SET sealed = NULL WHERE owner = $1", str(owner))
        return True

    async def erased_among(self, conn: asyncpg.Connection, owners: Iterable[Owner]) -> set[Owner]:
        wanted = {str(o): o for o in owners}
        if not wanted:
            return set()
        rows = await conn.fetch(
            f"""SELECT owner FROM {self.schema}.private_keys
                WHERE owner = ANY($1::text[]) AND erased_on IS NOT NULL""",
            list(wanted),
        )
        return {wanted[r["owner"]] for r in rows}
