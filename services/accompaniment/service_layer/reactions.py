"""Reactions to other contexts' events: enrolment opens, transfer moves, a hire or the end of the RSA right
proposes an exit, an early end withdraws it, an erasure destroys the person's key here too.

The consumer runtime calls each one as `reaction(envelope, conn)` inside its transaction (which also records
the event as processed); the reaction joins that transaction with a unit of work. Each is idempotent on its
own: the accompaniment id derives from the enrolment, a transfer to the current agency, an already
proposed hire and an already withdrawn proposal change nothing. A transfer, a hire or an early end of a person
whose enrolment has not arrived yet is parked (`Parked`) and applied when the enrolment arrives (`satisfied_keys`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import structlog

from services.accompaniment.domain.decisions import lifecycle
from services.accompaniment.domain.errors import AlreadyFollowed, UnknownEarlierAccompaniment
from services.accompaniment.domain.evolution import ACCOMPANIMENT, accompaniment_id_for
from services.accompaniment.domain.state import Accompaniment
from services.accompaniment.service_layer.dependencies import Dependencies
from services.accompaniment.service_layer.handlers import load
from shared.contracts.intake import (
    BeneficiaryEnrolled,
    BeneficiaryPersonalDataErased,
    BeneficiaryTransferred,
    RsaRightsEnded,
)
from shared.contracts.placement import HireEndedEarly, HireRecorded
from shared.envelope import Envelope
from shared.errors import Parked
from shared.eventstore import Tracing
from shared.private_text import Owner

log = structlog.get_logger(__name__)


def beneficiary_key(beneficiary_id: object) -> str:
    """Parking key of the reactions that wait for a person's enrolment."""
    return f"beneficiary:{beneficiary_id}"


def satisfied_keys(envelope: Envelope) -> list[str]:
    """An enrolment satisfies its person's key: the reactions parked on it are applied after it."""
    return [beneficiary_key(envelope.data["beneficiary_id"])]


async def _no_current(conn: Any, deps: Dependencies, beneficiary_id, what: str) -> None:
    """Park the reaction if the person's enrolment never arrived; else (accompaniment closed) it changes nothing."""
    if not await deps.accompaniments.has_any(conn, beneficiary_id):
        raise Parked(beneficiary_key(beneficiary_id), f"{what}: no accompaniment yet (enrolment missing or late)")
    log.warning(f"{what}.no_current_accompaniment", beneficiary_id=str(beneficiary_id))


async def on_beneficiary_enrolled(envelope: Envelope, conn: Any, *, deps: Dependencies) -> None:
    """An enrolment in intake opens an accompaniment: the first one, or a new one after a closed one (a return).

    An enrolment of a person whose accompaniment is still open is refused (`AlreadyFollowed`: the consumer
    dead-letters it with the reason) rather than opening a second one.
    """
    uow = deps.store.join(conn, Tracing.caused_by(envelope))
    enrolled = uow.decode(envelope)
    assert isinstance(enrolled, BeneficiaryEnrolled)
    accompaniment_id = accompaniment_id_for(envelope.id)
    if await uow.load(ACCOMPANIMENT, accompaniment_id) is not None:
        return  # already opened by an earlier delivery
    if current := await deps.accompaniments.current_of(conn, enrolled.beneficiary_id):
        raise AlreadyFollowed(
            f"enrolment {envelope.id} of person {enrolled.beneficiary_id}: their accompaniment {current[0]} is not"
            " closed; a new accompaniment opens only after it is"
        )
    if (earlier := enrolled.previous_accompaniment_id) is not None:
        owner = await deps.accompaniments.owner_of(conn, earlier)
        if owner is None or owner != (enrolled.beneficiary_id, "closed"):
            what = "unknown" if owner is None else "not theirs" if owner[0] != enrolled.beneficiary_id else "not closed"
            raise UnknownEarlierAccompaniment(
                f"enrolment {envelope.id} is the return of person {enrolled.beneficiary_id} after accompaniment"
                f" {earlier}, which is {what}"
            )
    await uow.save(ACCOMPANIMENT, None, lifecycle.open_for(enrolled, accompaniment_id, deps.rules))


async def on_beneficiaries_enrolled(envelopes: Sequence[Envelope], conn: Any, *, deps: Dependencies) -> None:
    """A run of enrolments, as `on_beneficiary_enrolled` applied to each in turn, set-based: one read of the rows of
    their people and accompaniments, one append of every opening, one write of their rows.

    Raises when one of them would not simply open (its person followed, an unknown earlier accompaniment, a person
    enrolled twice in the run): the consumer runtime then applies them one at a time.
    """
    uow = deps.store.join(conn, Tracing.new())
    enrolments = [(envelope, uow.decode(envelope)) for envelope in envelopes]
    people = [enrolled.beneficiary_id for _, enrolled in enrolments]
    if len(set(people)) != len(people):
        raise AlreadyFollowed("a person enrolled twice in one run: their enrolments are decided one after the other")
    ids = [accompaniment_id_for(envelope.id) for envelope in envelopes]
    earlier = [e.previous_accompaniment_id for _, e in enrolments if e.previous_accompaniment_id is not None]
    rows = await deps.accompaniments.enrolment_rows(conn, people, [*ids, *earlier])
    owners = {accompaniment: (person, status) for accompaniment, person, status in rows}
    followed = {person for _, person, status in rows if status != "closed"}
    changes, tracings = [], []
    for (envelope, enrolled), accompaniment_id in zip(enrolments, ids, strict=True):
        assert isinstance(enrolled, BeneficiaryEnrolled)
        if accompaniment_id in owners:
            continue  # already opened by an earlier delivery
        if enrolled.beneficiary_id in followed:
            raise AlreadyFollowed(f"enrolment {envelope.id}: person {enrolled.beneficiary_id} is followed")
        previous = enrolled.previous_accompaniment_id
        if previous is not None and owners.get(previous) != (enrolled.beneficiary_id, "closed"):
            raise UnknownEarlierAccompaniment(f"enrolment {envelope.id}: earlier accompaniment {previous}")
        changes.append((None, lifecycle.open_for(enrolled, accompaniment_id, deps.rules)))
        tracings.append(Tracing.caused_by(envelope))
    await uow.save_all(ACCOMPANIMENT, changes, tracings=tracings)


async def _on_current(
    envelope: Envelope,
    conn: Any,
    deps: Dependencies,
    expected: type[Any],
    what: str,
    decide: Callable[[Accompaniment, Any], list],
) -> None:
    """Apply a decision about a person to their current accompaniment (parked while their enrolment is missing; a
    closed accompaniment is left as recorded)."""
    uow = deps.store.join(conn, Tracing.caused_by(envelope))
    event = uow.decode(envelope)
    assert isinstance(event, expected)
    current = await deps.accompaniments.current_of(conn, event.beneficiary_id)
    if not current:
        await _no_current(conn, deps, event.beneficiary_id, what)
    for accompaniment_id in current:
        state = await load(uow, deps, accompaniment_id)
        await uow.save(ACCOMPANIMENT, state, decide(state, event))


async def on_beneficiary_transferred(envelope: Envelope, conn: Any, *, deps: Dependencies) -> None:
    """The person moved: their current accompaniment follows them to the new agency."""
    await _on_current(envelope, conn, deps, BeneficiaryTransferred, "transfer", lifecycle.transfer)


async def on_hire_recorded(envelope: Envelope, conn: Any, *, deps: Dependencies) -> None:
    """A hire recorded by placement proposes the exit its contract implies on the current accompaniment."""
    on = envelope.time.date()
    await _on_current(
        envelope, conn, deps, HireRecorded, "hire", lambda state, hire: lifecycle.propose_exit(state, hire, on)
    )


async def on_rsa_rights_ended(envelope: Envelope, conn: Any, *, deps: Dependencies) -> None:
    """The CAF/MSA flow reported the end of the person's RSA right: `end_of_rsa_rights` is proposed on the current
    accompaniment (a running hire's proposal outranks it; a recorded exit stays)."""
    on = envelope.time.date()

    def decide(state: Accompaniment, ended: RsaRightsEnded) -> list:
        return lifecycle.propose_end_of_rights(state, ended, proposed_on=on)

    await _on_current(envelope, conn, deps, RsaRightsEnded, "rsa_rights_ended", decide)


async def on_hire_ended_early(envelope: Envelope, conn: Any, *, deps: Dependencies) -> None:
    """A hire ended early: the exit it proposed on the current accompaniment is withdrawn (a recorded exit stays)."""
    on = envelope.time.date()

    def decide(state: Accompaniment, ended: HireEndedEarly) -> list:
        return lifecycle.withdraw_exit(state, ended, withdrawn_on=on)

    await _on_current(envelope, conn, deps, HireEndedEarly, "early_end", decide)


async def on_personal_data_erased(envelope: Envelope, conn: Any, *, deps: Dependencies) -> None:
    """Intake erased the person: destroy their key here, so the free text written about them is unreadable."""
    uow = deps.store.join(conn, Tracing.caused_by(envelope))
    erased = uow.decode(envelope)
    assert isinstance(erased, BeneficiaryPersonalDataErased)
    if await deps.texts.erase(uow.connection, Owner.person(erased.beneficiary_id), erased.erased_on):
        log.info("personal_data.erased", beneficiary_id=str(erased.beneficiary_id))
