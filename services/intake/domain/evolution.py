"""How a beneficiary's state evolves with each of their events: the pure fold, and the aggregate it defines."""

from __future__ import annotations

from services.intake.domain.state import Beneficiary
from shared.aggregate import Aggregate, evolved
from shared.contracts.intake import (
    BeneficiaryEnrolled,
    BeneficiaryPersonalDataErased,
    BeneficiaryTransferred,
    IntakeEvent,
    RsaRightsEnded,
)


def apply_beneficiary(state: Beneficiary | None, event: IntakeEvent) -> Beneficiary:
    """The state after one event."""
    match event:
        case BeneficiaryEnrolled() if event.is_return and state is not None:
            return evolved(
                state,
                agency_id=event.agency_id,
                commune_code=event.commune_code,
                orientation_date=event.orientation_date,
                enrolled_on=event.enrolled_on,
            )
        case BeneficiaryEnrolled() if state is None:
            return Beneficiary(
                beneficiary_id=event.beneficiary_id,
                agency_id=event.agency_id,
                commune_code=event.commune_code,
                orientation_date=event.orientation_date,
                enrolled_on=event.enrolled_on,
                version=1,
            )
        case BeneficiaryTransferred() if state is not None:
            return evolved(state, agency_id=event.to_agency_id, commune_code=event.commune_code)
        case BeneficiaryPersonalDataErased() if state is not None:
            return evolved(state, erased_on=event.erased_on)
        case RsaRightsEnded() if state is not None:
            return evolved(state, rsa_rights_ended_on=event.ended_on)
    raise ValueError(f"{type(event).__name__} cannot apply to {state!r}")


# Streams `beneficiary-<id>`, keyed by the person so that their events stay in order on the topic.
BENEFICIARY: Aggregate[Beneficiary] = Aggregate(
    "beneficiary", apply_beneficiary, partition_key=lambda s: s.beneficiary_id
)
