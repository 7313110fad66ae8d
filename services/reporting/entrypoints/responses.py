"""Response models of reporting's HTTP API: the figures as published, breakdowns keyed by the referentials' codes.

The routes serve bodies rendered once per generation of the facts; these models document them (OpenAPI) and
`tests/unit/test_reporting_responses.py` validates the computed figures against them, so that the schema is the
figures' own. Unknown keys are refused: a figure added to the indicators must be added here too.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

Share = float | None  # a part of a whole, 0 to 1 (4 decimals), or null when the whole is 0
Days = int | float | None


class _Figures(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Period(_Figures):
    """First and last day counted."""

    start: date
    end: date


class AccompanimentFigures(_Figures):
    """Caseload and its states, entries and returns, renewals, suspensions, transfers, exits, rates, durations."""

    caseload: int
    suspended: int
    overdue: int
    entries: int
    returns: int
    renewals: int
    suspensions: int
    transfers_in: int
    transfers_out: int
    exits: int
    exits_by_group: dict[str, int] = Field(description="By official exit group.")
    exits_by_category: dict[str, int] = Field(description="By exit category.")
    positive_exits: int
    positive_exit_rate: Share
    emploi_durable_rate: Share
    sorties_dynamiques_rate: Share
    average_duration_days: Days
    median_duration_days: Days


class FollowUpFigures(_Figures):
    """First appointments within 15 and 30 days (with their populations), engagement contracts in time."""

    entries_with_first_appointment: int
    entries_without_first_appointment: int
    first_appointment_under_15_days: int
    first_appointment_under_15_days_due: int
    first_appointment_under_15_days_share: Share
    first_appointment_under_30_days: int
    first_appointment_under_30_days_due: int
    first_appointment_under_30_days_share: Share
    contracts_signed: int
    contracts_signed_in_time: int
    contracts_signed_in_time_share: Share


class CategoryFigures(_Figures):
    """Barriers of one category."""

    identified: int
    lifted: int
    open: int


class BarrierFigures(_Figures):
    """Barriers identified and lifted in the period, open on the as-of date, by category."""

    identified: int
    lifted: int
    open: int
    by_category: dict[str, CategoryFigures]


class ThemeFigures(_Figures):
    """Workshop sessions of one theme."""

    sessions: int
    capacity: int
    registrations: int
    attendance: int
    attendance_rate: Share


class WorkshopFigures(_Figures):
    """Sessions of the period, registrations and attendance, by theme."""

    sessions: int
    registrations: int
    attendance: int
    attendance_rate: Share
    by_theme: dict[str, ThemeFigures]


class PlacementFigures(_Figures):
    """Employers, needs, introductions, hires, early ends, six-month follow-ups, immersions."""

    employers_registered: int
    employers_active: int
    needs_published: int
    needs_open: int
    introductions: int
    introductions_by_outcome: dict[str, int]
    hires: int
    hires_by_contract: dict[str, int]
    hires_by_sector: dict[str, int] = Field(description="By NAF section.")
    hires_ended_early: int
    six_month_check_ins: int
    still_employed_at_6_months: int
    still_employed_at_6_months_share: Share
    immersions: int
    immersions_by_outcome: dict[str, int]


class Cohort(_Figures):
    """People who entered in one month: how many left, and how, within 6 and 12 months."""

    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    entered: int
    exited_within_6_months: int
    exits_by_group_within_6_months: dict[str, int]
    exited_within_12_months: int
    exits_by_group_within_12_months: dict[str, int]


class Indicators(_Figures):
    """Every figure of the department or of one agency, for a period and as of a date."""

    scope: str = Field(description="`department` or an agency id.")
    period: Period
    as_of: date
    positive_groups: list[str] = Field(description="Exit groups the headline positive-exit rate counts.")
    accompaniments: AccompanimentFigures
    follow_up: FollowUpFigures
    barriers: BarrierFigures
    workshops: WorkshopFigures
    placement: PlacementFigures
    cohorts: list[Cohort]


class AgencyAccompaniments(AccompanimentFigures):
    """One agency's accompaniment figures."""

    agency_id: str
    agency_name: str


class AgencyComparison(_Figures):
    """The accompaniment figures of each visible agency beside the department's."""

    period: Period
    as_of: date
    department: AccompanimentFigures
    agencies: list[AgencyAccompaniments]


class TrendMonth(_Figures):
    """One month: entries, exits by group, caseload at its end, headline rate."""

    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    entries: int
    exits: int
    exits_by_group: dict[str, int]
    caseload: int
    positive_exit_rate: Share


class TrendSeries(_Figures):
    """Month by month, for the department or one agency."""

    scope: str
    as_of: date
    months: list[TrendMonth]


class RateSummary(_Figures):
    """Exits and the headline rate of one scope (all time)."""

    scope: str
    active: int = Field(description="The caseload on the as-of date.")
    exits: int
    exits_by_group: dict[str, int]
    positive_exits: int
    positive_exit_rate: Share
    emploi_durable_rate: Share


class PositiveExitRate(_Figures):
    """The headline rate of the department and of each visible agency."""

    positive_groups: list[str]
    department: RateSummary
    agencies: list[RateSummary]


class Definition(_Figures):
    """What one figure means."""

    section: str
    name: str
    label: str = Field(description="French label, as the dashboard shows it.")
    text: str
    text_fr: str


class Definitions(_Figures):
    """Every figure's definition, the headline groups and the official exit groups."""

    positive_groups: list[str]
    sorties_dynamiques: list[str]
    exit_groups: dict[str, str] = Field(description="Each exit category's official group.")
    definitions: list[Definition]


class ProjectionStatus(_Figures):
    """Whether the indicators are ready or recovering."""

    state: str = Field(description="`ready` or `recovering`.")
    generation: int | None
    facts_loaded: bool
    caught_up: bool
    lag: int | None
    recovered_in_seconds: float | None
