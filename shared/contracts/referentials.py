"""Closed referentials carried by the events in place of free text: aptitudes, work constraints, sectors.

A code is never removed or renamed once published (old events carry it); a new code is a new version of its
referential (`shared.referentials`, which also holds the French labels and serves every referential).
"""

from __future__ import annotations

from enum import StrEnum


class Aptitude(StrEnum):
    """What a person can do or how they work, observed by the caseworker (IOD method: no diploma, no CV)."""

    HANDLING = "handling"
    ORDER_PICKING = "order_picking"
    SORTING = "sorting"
    STOCK_KEEPING = "stock_keeping"
    CLEANING = "cleaning"
    GARDENING = "gardening"
    MAINTENANCE = "maintenance"
    COOKING = "cooking"
    FOOD_SERVICE = "food_service"
    CUSTOMER_CONTACT = "customer_contact"
    RECEPTION = "reception"
    PHONE_HANDLING = "phone_handling"
    CASH_HANDLING = "cash_handling"
    DATA_ENTRY = "data_entry"
    DRIVING = "driving"
    CARE = "care"
    CHILDCARE = "childcare"
    TEAMWORK = "teamwork"
    AUTONOMY = "autonomy"
    PUNCTUALITY = "punctuality"
    RIGOUR = "rigour"
    MANUAL_DEXTERITY = "manual_dexterity"
    PHYSICAL_ENDURANCE = "physical_endurance"
    ORAL_COMMUNICATION = "oral_communication"


class WorkConstraint(StrEnum):
    """What a post must allow for the person to hold it: functional limits, never a diagnosis or a condition."""

    NO_HEAVY_LIFTING = "no_heavy_lifting"
    NO_PROLONGED_STANDING = "no_prolonged_standing"
    NO_OUTDOOR_WORK = "no_outdoor_work"
    NO_NIGHT_WORK = "no_night_work"
    NO_DRIVING = "no_driving"
    NO_WEEKEND_WORK = "no_weekend_work"
    NO_COLD_ENVIRONMENT = "no_cold_environment"
    NO_REPETITIVE_MOVEMENTS = "no_repetitive_movements"
    NO_WORK_AT_HEIGHT = "no_work_at_height"
    PART_TIME_ONLY = "part_time_only"
    ADAPTED_WORKSTATION = "adapted_workstation"


class Sector(StrEnum):
    """Sector of activity: the 21 sections of INSEE's NAF rév. 2 (the NACE Rev. 2 sections), by their letter.

    Employers, needs, hires and immersions are classed by it, and people name the sectors they wish to work in
    with the same codes, so that matching compares like with like.
    """

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"
    G = "G"
    H = "H"
    I = "I"  # noqa: E741 - the official letter of the section
    J = "J"
    K = "K"
    L = "L"
    M = "M"
    N = "N"
    O = "O"  # noqa: E741 - the official letter of the section
    P = "P"
    Q = "Q"
    R = "R"
    S = "S"
    T = "T"
    U = "U"


class ReferralSource(StrEnum):
    """The channel a referral came through (published in `BeneficiaryEnrolled.referral_source`)."""

    DEPARTMENT = "department"
    DEPARTMENT_IMPORT = "department_import"
    CAF_MSA_FLOW = "caf_msa_flow"
    AGENCY_APPOINTMENT_EXPORT = "agency_appointment_export"
    CAF_MONTHLY_LIST = "caf_monthly_list"
    MSA_MONTHLY_LIST = "msa_monthly_list"
    FRANCE_TRAVAIL = "france_travail"
    SOCIAL_SERVICES = "social_services"
    OTHER = "other"
