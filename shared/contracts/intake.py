"""Events published by intake on `ali.intake.events`. Pseudonymous ids and non-identifying attributes only."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from shared.events import DomainEvent


class AgeBand(StrEnum):
    """Age bands used instead of birth dates outside intake."""

    UNDER_26 = "under_26"
    FROM_26_TO_34 = "26_34"
    FROM_35_TO_44 = "35_44"
    FROM_45_TO_54 = "45_54"
    FROM_55 = "55_plus"


class HouseholdType(StrEnum):
    """Household composition, without names."""

    SINGLE = "single"
    SINGLE_PARENT = "single_parent"
    COUPLE = "couple"
    COUPLE_WITH_CHILDREN = "couple_with_children"


class IntakeEvent(DomainEvent):
    """Base of intake's events."""

    context: ClassVar[str] = "intake"


class BeneficiaryEnrolled(IntakeEvent):
    """A referred RSA beneficiary was enrolled in the ALI covering their commune: a first enrolment, or a return.

    A return is the enrolment again of a person whose earlier accompaniment was closed: the same pseudonymous
    `beneficiary_id`, `is_return` true and the accompaniment that ended; it opens a new accompaniment (an entry).
    """

    schema_version: ClassVar[int] = 2

    beneficiary_id: UUID = Field(description="Pseudonymous id of the person; the key of their events.")
    agency_id: str = Field(description="ALI the person is enrolled in.", examples=["ali-la-courneuve"])
    commune_code: str = Field(pattern=r"^93\d{3}$", description="INSEE code of the commune of residence.")
    age_band: AgeBand
    household_type: HouseholdType
    orientation_date: date = Field(description="Date the department referred the person to the ALI.")
    enrolled_on: date
    referral_source: str = Field(max_length=64, examples=["caf_monthly_list"])
    is_return: bool = Field(False, description="True when the person comes back after an earlier accompaniment.")
    previous_accompaniment_id: UUID | None = Field(
        None, description="On a return: the earlier accompaniment, closed, that the new one follows."
    )


class BeneficiaryTransferred(IntakeEvent):
    """The person moved: their follow-up continues, with its history, in the agency of their new commune."""

    beneficiary_id: UUID
    from_agency_id: str
    to_agency_id: str
    commune_code: str = Field(pattern=r"^93\d{3}$")
    transferred_on: date


class BeneficiaryPersonalDataErased(IntakeEvent):
    """The person's key was destroyed: their identifying data is unreadable everywhere from now on."""

    beneficiary_id: UUID
    erased_on: date


class RsaRightsState(StrEnum):
    """State of the household's RSA right in the CAF/MSA flow (ETATDOSRSA), as codes."""

    PENDING = "pending"  # 0: new request awaiting the department's decision
    REFUSED = "refused"  # 1
    OPEN = "open"  # 2: open and paid
    OPEN_SUSPENDED = "open_suspended"  # 3: the right itself is suspended
    PAYMENT_SUSPENDED = "payment_suspended"  # 4: open, payment suspended
    CLOSED = "closed"  # 5
    CLOSED_EARLIER = "closed_earlier"  # 6: closed on an earlier month (regularisation)

    @property
    def closed(self) -> bool:
        """True when the right has ended."""
        return self in (RsaRightsState.CLOSED, RsaRightsState.CLOSED_EARLIER)


class RsaRightsClosureReason(StrEnum):
    """Why the CAF/MSA closed the right (MOTICLORSA), as codes."""

    DEPARTMENT_DECISION = "department_decision"  # PCG
    EXPIRY = "expiry"  # ECH: four months without rights
    RMI_SWITCH_CANCELLED = "rmi_switch_cancelled"  # EFF
    MOVED_TO_ANOTHER_FUND = "moved_to_another_fund"  # MUT
    FILES_MERGED = "files_merged"  # RGD
    STRUCK_OFF_END_OF_RIGHT = "struck_off_end_of_right"  # RFD
    STRUCK_OFF_OTHER = "struck_off_other"  # RAU
    STRUCK_OFF_RSTA = "struck_off_rsta"  # RST
    STRUCK_OFF_RSO = "struck_off_rso"  # RSO
    UNKNOWN = "unknown"


class RsaRightsEnded(IntakeEvent):
    """The CAF/MSA flow reports that the RSA right of a followed person ended: the `end_of_rsa_rights` exit is
    proposed to their caseworker (accompaniment), who confirms it on closure."""

    beneficiary_id: UUID
    agency_id: str
    ended_on: date = Field(description="Date the right ended (DTCLORSA).")
    state: RsaRightsState
    reason: RsaRightsClosureReason
    reported_on: date = Field(description="Date of the flow that reported it.")
    source: str = Field(max_length=64, pattern=r"^[a-z0-9][a-z0-9_.\-]{0,63}$", examples=["caf_msa_flow"])


EVENTS: list[type[IntakeEvent]] = [
    BeneficiaryEnrolled,
    BeneficiaryTransferred,
    BeneficiaryPersonalDataErased,
    RsaRightsEnded,
]
