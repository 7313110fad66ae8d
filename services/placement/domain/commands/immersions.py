"""Commands about immersions (PMSMP, periods of observation in a workplace)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field, ValidationInfo, field_validator

from services.placement.domain.commands.base import Command, given_exactly_when
from shared.contracts.placement import ImmersionHost, ImmersionOutcome
from shared.contracts.referentials import Sector
from shared.inputs import FactDate

MAX_PRESENCE_DAYS = 30
"""An immersion (PMSMP) counts at most 30 days of presence, and the same again once if renewed."""


class PresencePeriod(Command):
    """Days of presence: a list of dates, or a start and an end with the number of days (all days by default)."""

    presence_dates: list[FactDate] | None = Field(None, max_length=366, examples=[["2026-03-02", "2026-03-03"]])
    start_date: FactDate | None = Field(None, validate_default=True)
    end_date: FactDate | None = Field(None, validate_default=True)
    days_of_presence: int | None = Field(None, ge=1, validate_default=True)

    @field_validator("presence_dates")
    @classmethod
    def _at_most_30_dates(cls, dates: list[FactDate] | None) -> list[FactDate] | None:
        if dates is None:
            return None
        distinct = sorted(set(dates))
        if not distinct:
            raise ValueError("indiquez au moins un jour de présence")
        if len(distinct) > MAX_PRESENCE_DAYS:
            raise ValueError(
                f"une immersion compte au plus {MAX_PRESENCE_DAYS} jours de présence ; {len(distinct)} indiqués"
            )
        return distinct

    @field_validator("start_date", "end_date")
    @classmethod
    def _bounds(cls, day: date | None, info: ValidationInfo) -> date | None:
        if info.data.get("presence_dates"):
            if day is not None:
                raise ValueError("indiquez presence_dates ou bien start_date et end_date, pas les deux")
            return None
        if "presence_dates" not in info.data:
            return day  # presence_dates itself was refused
        if day is None:
            raise ValueError("obligatoire, sauf si presence_dates est indiqué")
        start = info.data.get("start_date")
        if info.field_name == "end_date" and start is not None and day < start:
            raise ValueError(f"la fin ({day}) précède le début ({start})")
        return day

    @field_validator("days_of_presence")
    @classmethod
    def _at_most_30_days(cls, days: int | None, info: ValidationInfo) -> int | None:
        if info.data.get("presence_dates"):
            if days is not None:
                raise ValueError("calculé à partir de presence_dates : ne l'indiquez pas")
            return len(info.data["presence_dates"])
        start, end = info.data.get("start_date"), info.data.get("end_date")
        if start is None or end is None:
            return days
        calendar_days = (end - start).days + 1
        days = calendar_days if days is None else days
        if days > calendar_days:
            raise ValueError(
                f"{days} jours de présence ne tiennent pas dans les {calendar_days} jours du {start} au {end}"
            )
        if days > MAX_PRESENCE_DAYS:
            raise ValueError(f"une immersion compte au plus {MAX_PRESENCE_DAYS} jours de présence ; {days} indiqués")
        return days

    @property
    def first_day(self) -> date:
        """First day of the period."""
        return self.presence_dates[0] if self.presence_dates else self.start_date

    @property
    def last_day(self) -> date:
        """Last day of the period."""
        return self.presence_dates[-1] if self.presence_dates else self.end_date


class AgreeImmersion(PresencePeriod):
    """An immersion (PMSMP) with a host employer of the network or a training centre."""

    beneficiary_id: UUID
    host_kind: ImmersionHost
    employer_id: UUID | None = Field(None, validate_default=True, description="For a host employer.")
    host_name: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        validate_default=True,
        description="Training centre's name (kept encrypted under the person's key); an employer host is named by"
        " its id only.",
        examples=["AFPA Montreuil"],
    )
    sector: Sector | None = Field(None, description="NAF section; defaults to the employer's.")

    @field_validator("employer_id")
    @classmethod
    def _employer_for_employer_hosts(cls, employer_id: UUID | None, info: ValidationInfo) -> UUID | None:
        return given_exactly_when(
            employer_id,
            info,
            "host_kind",
            when=ImmersionHost.EMPLOYER,
            otherwise=ImmersionHost.TRAINING_CENTRE,
            missing="obligatoire quand l'accueil se fait chez un employeur",
            unexpected="un organisme de formation se désigne par host_name, pas par employer_id",
        )

    @field_validator("host_name")
    @classmethod
    def _name_for_training_centres(cls, name: str | None, info: ValidationInfo) -> str | None:
        return given_exactly_when(
            name,
            info,
            "host_kind",
            when=ImmersionHost.TRAINING_CENTRE,
            otherwise=ImmersionHost.EMPLOYER,
            missing="obligatoire quand l'accueil se fait dans un organisme de formation",
            unexpected="un employeur d'accueil se désigne par employer_id, pas par host_name",
        )


class RenewImmersion(PresencePeriod):
    """Renew the immersion once, for at most 30 more days of presence after the first period."""


class CompleteImmersion(Command):
    """The immersion ended, with what followed."""

    outcome: ImmersionOutcome
    completed_on: FactDate
