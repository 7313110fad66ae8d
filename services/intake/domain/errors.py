"""Intake's domain errors."""

from __future__ import annotations

from shared.errors import DomainError, NotFound


class UnknownCommune(DomainError):
    """The commune is not covered by any agency of the department."""


class BeneficiaryNotFound(NotFound):
    """No beneficiary has this id."""


class InvalidReferral(DomainError):
    """The referral is well-formed but its content is not acceptable."""
