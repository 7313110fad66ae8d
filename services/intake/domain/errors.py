"""Intake's domain errors (an unknown commune is the referential's `shared.territory.UnknownCommune`)."""

from __future__ import annotations

from shared.errors import DomainError, NotFound, RuleViolation


class AgencyNotFound(NotFound):
    """No agency has this id."""


class BeneficiaryNotFound(NotFound):
    """No beneficiary has this id."""


class InvalidReferral(DomainError):
    """The referral is well-formed but its content is not acceptable."""


class InvalidReferralFile(DomainError):
    """The referral file as a whole cannot be read (encoding, header); row problems are reported per row."""


class TransferRefused(RuleViolation):
    """The transfer breaks a rule (same agency, erased personal data)."""


class InvalidTransfer(DomainError):
    """The transfer is well-formed but its content is not acceptable (a date in the future...)."""


class AlreadyErased(RuleViolation):
    """The person's personal data was already erased."""


class KnownToAnotherAgency(RuleViolation):
    """The referred person is followed by another agency; the answer names neither the person nor the agency."""

    code = "known_to_department"

    def __init__(self) -> None:
        super().__init__(
            "Cette personne est déjà connue du Département et suivie par une autre agence :"
            " demandez son transfert à l'agence qui la suit plutôt qu'une nouvelle orientation."
        )


class ProfileNotFound(NotFound):
    """No mapping profile has this name."""


class ShippedProfileReadOnly(RuleViolation):
    """A shipped profile cannot be replaced, nor a saved one created twice."""


class ImportReportNotFound(NotFound):
    """No import report has this id."""
