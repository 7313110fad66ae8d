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
