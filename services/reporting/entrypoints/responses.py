"""Response models of reporting's HTTP API: the indicators as published (breakdowns keyed by machine codes)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

Share = float | None  # a part of a whole, 0 to 1 (4 decimals), or null when the whole is 0
Days = int | float | None


class Period(BaseModel):
    """First and last day counted."""

    start: date
    end: date


class AccompanimentFigures(BaseModel):
    """Caseload, entries, renewals, suspensions, exits by official group and category, rates and durations."""

    caseload: int
    suspended: int
    entries: int
    renewals: int
    suspensions: int
    exits: int
    exits_by_group: dict[str, int]
    exits_by_category: dict[str, int]
    positive_exits: int
    positive_exit_rate: Share
    emploi_durable_rate: Share
    sorties_dynamiques_rate: Share
    average_duration_days: Days
    median_duration_days: Days


class FollowUpFigures(BaseModel):
    """Delay from orientation to the first appointment, and engagement contracts signed in time."""

    entries_with_first_appointment: int
    entries_without_first_appointment: int
    first_appointment_under_15_days: int
    first_appointment_under_15_days_share: Share
    first_appointment_under_30_days: int
    first_appointment_under_30_days_share: Share
    contracts_signed: int
    contracts_signed_in_time: int
    contracts_signed_in_time_share: Share


class CategoryFigures(BaseModel):
    """Barriers of one category identified and lifted in the period."""

    identified: int
    lifted: int


class BarrierFigures(BaseModel):
    """Barriers identified and lifted in the period, by category."""

    identified: int
    lifted: int
    by_category: dict[str, CategoryFigures]


class ThemeFigures(BaseModel):
    """Workshop sessions of one theme."""

    sessions: int
    capacity: int = 0
    registrations: int = 0
    attendance: int = 0
    attendance_rate: Share


class WorkshopFigures(BaseModel):
    """Workshop sessions held in the period, registrations and attendance, by theme."""

    sessions: int
    registrations: int
    attendance: int
    attendance_rate: Share
    by_theme: dict[str, ThemeFigures]


class PlacementFigures(BaseModel):
    """Employers, needs, introductions, hires by contract and sector, immersions, follow-up at six months."""

    employers_registered: int
    employers_active: int
    needs_published: int
    needs_open: int
    introductions: int
    introductions_by_outcome: dict[str, int]
    hires: int
    hires_by_contract: dict[str, int]
    hires_by_sector: dict[str, int]
    hires_ended_early: int
    six_month_check_ins: int
    still_employed_at_6_months: int
    still_employed_at_6_months_share: Share
    immersions: int
    immersions_by_outcome: dict[str, int]


class Cohort(BaseModel):
    """Of those who entered in a month: how many exited, and in which group, within 6 and 12 months."""

    month: str
    entered: int
    exited_within_6_months: int
    exits_by_group_within_6_months: dict[str, int]
    exited_within_12_months: int
    exits_by_group_within_12_months: dict[str, int]


class Indicators(BaseModel):
    """Every indicator for the department or one agency, for a period and as of a date."""

    scope: str
    period: Period
    as_of: date
    positive_groups: list[str]
    accompaniments: AccompanimentFigures
    follow_up: FollowUpFigures
    barriers: BarrierFigures
    workshops: WorkshopFigures
    placement: PlacementFigures
    cohorts: list[Cohort]


class AgencyFigures(AccompanimentFigures):
    """One agency's key figures."""

    agency_id: str
    agency_name: str


class AgencyComparison(BaseModel):
    """Key figures of each visible agency beside the department's."""

    period: Period
    as_of: date
    department: AccompanimentFigures
    agencies: list[AgencyFigures]


class TrendMonth(BaseModel):
    """One month: entries, exits by group, caseload at its end and the positive-exit rate."""

    month: str
    entries: int
    exits: int
    exits_by_group: dict[str, int]
    caseload: int
    positive_exit_rate: Share


class Trends(BaseModel):
    """Month by month series."""

    scope: str
    as_of: date
    months: list[TrendMonth]


class RateSummary(BaseModel):
    """Exits by group and the headline rate of one scope (all time)."""

    scope: str
    active: int
    exits: int
    exits_by_group: dict[str, int]
    positive_exits: int
    positive_exit_rate: Share
    emploi_durable_rate: Share


class PositiveExitRate(BaseModel):
    """The headline positive-exit rate of the department and of each visible agency."""

    positive_groups: list[str]
    department: RateSummary
    agencies: list[RateSummary]
