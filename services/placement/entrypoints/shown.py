"""What the routes show: rows of the read models with their free text decrypted (or null once erased), for the routes.

The read models keep no free text; each text is found in the private store by its reference, derived from the
item's id (`text_ref(item_id, field)`), the same the events carry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

from services.placement.domain.state import Need
from services.placement.entrypoints.responses import need_out
from services.placement.service_layer.dependencies import Dependencies
from shared.audit import Audit
from shared.auth import Principal
from shared.contracts.placement import ImmersionHost
from shared.private_text import Owner, TextView, text_ref

Row = dict[str, Any]
Show = Callable[[Dependencies, Any, Sequence[Row]], Awaitable[list[Row]]]


async def one_about_a_person(
    kind: str,
    item_id: UUID,
    get: Callable[[Any, UUID], Awaitable[Row | None]],
    show: Show,
    missing: Exception,
    user: Principal,
    deps: Dependencies,
) -> Row:
    """One row about a person, if the caller may see its agency's: shown, its reading audited (else `missing`)."""
    async with deps.store.connection() as conn:
        row = await get(conn, item_id)
        if row is None:
            raise missing
        user.scope(row["agency_id"])
        [row] = await show(deps, conn, [row])
    await Audit(deps.audit, user).read(
        kind, agency_id=row["agency_id"], resource_id=item_id, beneficiary_id=row["beneficiary_id"]
    )
    return row


async def many_about_people(
    kind: str, fetch: Callable[[Any], Awaitable[list[Row]]], show: Show, user: Principal, deps: Dependencies
) -> list[Row]:
    """Rows about people: shown, their reading audited."""
    async with deps.store.connection() as conn:
        rows = await show(deps, conn, await fetch(conn))
    await Audit(deps.audit, user).read_people(kind, [(r["beneficiary_id"], r["agency_id"]) for r in rows])
    return rows


async def employers(deps: Dependencies, conn: Any, rows: Sequence[Row]) -> list[Row]:
    """Employers with their names."""
    erased = await deps.texts.erased_among(conn, [Owner.employer(r["employer_id"]) for r in rows])
    names = await deps.texts.reveal(conn, [text_ref(r["employer_id"], "name") for r in rows])
    return [
        {
            **r,
            "name": names[text_ref(r["employer_id"], "name")].text,
            "personal_data_erased": Owner.employer(r["employer_id"]) in erased,
        }
        for r in rows
    ]


async def employer_detail(deps: Dependencies, conn: Any, row: Row) -> Row:
    """An employer with its name, and its contacts with the person met and the notes."""
    [employer] = await employers(deps, conn, [row])
    contacts = row["contact_history"]
    erased = await deps.texts.erased_among(conn, [Owner.contact(c["contact_id"]) for c in contacts])
    texts = await deps.texts.reveal(
        conn, [text_ref(c["contact_id"], f) for c in contacts for f in ("contact_name", "notes")]
    )
    employer["contact_history"] = [
        {
            **c,
            "contact_name": texts[text_ref(c["contact_id"], "contact_name")].text,
            "notes": texts[text_ref(c["contact_id"], "notes")].text,
            "personal_data_erased": Owner.contact(c["contact_id"]) in erased,
        }
        for c in contacts
    ]
    return employer


async def needs(deps: Dependencies, conn: Any, found: Sequence[Need]) -> list[Row]:
    """Needs with their titles and tasks (the employer's texts)."""
    erased = await deps.texts.erased_among(conn, [Owner.employer(n.employer_id) for n in found])
    texts = await deps.texts.reveal(conn, [ref for n in found for ref in (n.title_ref, n.tasks_ref)])
    return [need_out(n, TextView(Owner.employer(n.employer_id) in erased, texts)) for n in found]


async def hires(deps: Dependencies, conn: Any, rows: Sequence[Row]) -> list[Row]:
    """Hires with the notes of their check-ins (the person's texts)."""
    erased = await deps.texts.erased_among(conn, [Owner.person(r["beneficiary_id"]) for r in rows])
    refs = {(r["hire_id"], m): text_ref(r["hire_id"], f"check_in_{m}_notes") for r in rows for m in r["check_ins"]}
    texts = await deps.texts.reveal(conn, refs.values())
    return [
        {
            **r,
            "check_in_notes": {m: texts[refs[(r["hire_id"], m)]].text for m in r["check_ins"]},
            "personal_data_erased": Owner.person(r["beneficiary_id"]) in erased,
        }
        for r in rows
    ]


def _host_ref(row: Row) -> UUID | None:
    if row["host_kind"] == ImmersionHost.EMPLOYER and row["employer_id"] is not None:
        return text_ref(row["employer_id"], "name")
    return text_ref(row["immersion_id"], "host_name")


async def immersions(deps: Dependencies, conn: Any, rows: Sequence[Row]) -> list[Row]:
    """Immersions with their host's name: the employer's, or the training centre's (the person's texts)."""
    erased = await deps.texts.erased_among(conn, [Owner.person(r["beneficiary_id"]) for r in rows])
    texts = await deps.texts.reveal(conn, [ref for r in rows if (ref := _host_ref(r)) is not None])
    return [
        {
            **r,
            "host_name": texts[ref].text if (ref := _host_ref(r)) is not None else None,
            "personal_data_erased": Owner.person(r["beneficiary_id"]) in erased,
        }
        for r in rows
    ]
