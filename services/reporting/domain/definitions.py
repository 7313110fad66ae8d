"""The department's indicator definitions, written once (the reading of DOMAIN.md, "Indicator definitions").

This module states every figure twice over in one place: in words (`DEFINITIONS`, served by
`GET /indicators/definitions`, shown by the dashboard on hover, linked from the README) and as the rule that
decides it (the functions below). `indicators.py` only counts facts with these rules; the `bi` views are
generated from the same exit groups (`adapters/bi.py`). Nothing else decides what a figure means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.reporting.domain.facts import Accompaniment, Barrier, Contract, Hire, Need
from shared.contracts.exits import EXIT_GROUPS, ExitGroup
from shared.dates import add_months

# --- exit groups: named here and nowhere else ---------------------------------------------------------

EMPLOI_DURABLE = ExitGroup.EMPLOI_DURABLE.value
EMPLOI_TRANSITION = ExitGroup.EMPLOI_TRANSITION.value
SORTIE_POSITIVE = ExitGroup.SORTIE_POSITIVE.value
AUTRE_SORTIE = ExitGroup.AUTRE_SORTIE.value
EXIT_GROUP_NAMES: tuple[str, ...] = (EMPLOI_DURABLE, EMPLOI_TRANSITION, SORTIE_POSITIVE, AUTRE_SORTIE)
# The official *sorties dynamiques* (also *sorties vers l'emploi*).
SORTIES_DYNAMIQUES: tuple[str, ...] = (EMPLOI_DURABLE, EMPLOI_TRANSITION, SORTIE_POSITIVE)
# Department setting default (`ALI_POSITIVE_EXIT_GROUPS`): the headline rate counts the sorties dynamiques.
DEFAULT_HEADLINE_GROUPS: tuple[str, ...] = SORTIES_DYNAMIQUES
# Exit category -> official group (the referential of the published contracts).
EXIT_GROUP_OF: dict[str, str] = {category.value: group.value for category, group in EXIT_GROUPS.items()}

FIRST_APPOINTMENT_TARGETS = (15, 30)  # "under 15 days" is a delay of 14 days or less
CONTRACT_DEADLINE_MONTHS = 1
COHORT_MONTHS = (6, 12)
STILL_EMPLOYED_CHECK_IN_MONTH = 6
DEPARTMENT = "department"


@dataclass(frozen=True)
class Definition:
    """What one figure means, in the department's words."""

    section: str
    name: str
    label: str  # French label, as the dashboard shows it
    text: str
    text_fr: str


def _def(section: str, name: str, label: str, text: str, text_fr: str) -> Definition:
    return Definition(section, name, label, " ".join(text.split()), " ".join(text_fr.split()))


ATTRIBUTION = (
    "Attribution: a fact counts at the agency that follows the person on the day of the fact (a transfer moves "
    "the person from its date); department figures count every fact once."
)

DEFINITIONS: tuple[Definition, ...] = (
    # accompaniments
    _def(
        "accompaniments",
        "caseload",
        "File active",
        "Accompaniments opened on or before the as-of date and not closed on or before it (closed that day: "
        "gone), at the agency following the person on the as-of date. Suspended and overdue ones are in it.",
        "Accompagnements ouverts au plus tard à la date de référence et non clos à cette date (clos ce jour-là : "
        "sortis), comptés à l'agence qui suit la personne ce jour-là. Suspendus et échus y restent.",
    ),
    _def(
        "accompaniments",
        "suspended",
        "Suspendus",
        "Accompaniments in the caseload that are suspended on the as-of date (suspended on or before it, not "
        "resumed on or before it).",
        "Accompagnements de la file active suspendus à la date de référence (suspension commencée au plus tard "
        "ce jour, pas encore reprise).",
    ),
    _def(
        "accompaniments",
        "overdue",
        "Échus",
        "Accompaniments in the caseload past their planned end on the as-of date, neither renewed nor closed "
        "(the planned end is the latest one set by a renewal dated on or before the as-of date).",
        "Accompagnements de la file active dont la fin prévue est dépassée à la date de référence, ni "
        "renouvelés ni clos.",
    ),
    _def(
        "accompaniments",
        "entries",
        "Entrées",
        "Accompaniments opened in the period: first enrolments and returns after an earlier exit, at the "
        "agency that opened them. A transfer is not an entry.",
        "Accompagnements ouverts sur la période : premières entrées et retours après une sortie, comptés à "
        "l'agence qui les ouvre. Un transfert n'est pas une entrée.",
    ),
    _def(
        "accompaniments",
        "returns",
        "Retours",
        "Entries of the period of a person whose earlier accompaniment was closed on or before the new one opened.",
        "Entrées de la période d'une personne dont un accompagnement précédent était clos à l'ouverture du nouveau.",
    ),
    _def(
        "accompaniments",
        "renewals",
        "Renouvellements",
        "Renewals dated in the period.",
        "Renouvellements datés de la période.",
    ),
    _def(
        "accompaniments",
        "suspensions",
        "Suspensions",
        "Suspensions that start in the period.",
        "Suspensions qui commencent sur la période.",
    ),
    _def(
        "accompaniments",
        "transfers_in",
        "Transferts entrants",
        "Transfers dated in the period, at the agency receiving the person (department: every transfer "
        "between its agencies). Neither an entry nor an exit.",
        "Transferts datés de la période, à l'agence qui reçoit la personne (département : tous les "
        "transferts). Ni entrée ni sortie.",
    ),
    _def(
        "accompaniments",
        "transfers_out",
        "Transferts sortants",
        "Transfers dated in the period, at the agency the person leaves (department: every transfer between "
        "its agencies). Neither an entry nor an exit.",
        "Transferts datés de la période, à l'agence que la personne quitte (département : tous les "
        "transferts). Ni entrée ni sortie.",
    ),
    _def(
        "accompaniments",
        "exits",
        "Sorties",
        "Closures dated in the period, at the agency following the person on the closure day.",
        "Clôtures datées de la période, à l'agence qui suit la personne le jour de la clôture.",
    ),
    _def(
        "accompaniments",
        "exits_by_group",
        "Sorties par groupe",
        "Exits of the period by official group of their exit category: emploi durable, emploi de "
        "transition, sortie positive, autre sortie.",
        "Sorties de la période par groupe officiel de leur motif : emploi durable, emploi de transition, "
        "sortie positive, autre sortie.",
    ),
    _def(
        "accompaniments",
        "exits_by_category",
        "Sorties par motif",
        "Exits of the period by exit category.",
        "Sorties de la période par motif.",
    ),
    _def(
        "accompaniments",
        "positive_exits",
        "Sorties positives (taux affiché)",
        "Exits of the period whose group is one of the headline groups (department setting; by default the "
        "sorties dynamiques: emploi durable, emploi de transition, sortie positive).",
        "Sorties de la période des groupes retenus pour le taux affiché (réglage du département ; par défaut "
        "les sorties dynamiques).",
    ),
    _def(
        "accompaniments",
        "positive_exit_rate",
        "Taux de sorties positives",
        "Exits of the headline groups over all exits of the period.",
        "Sorties des groupes retenus rapportées à toutes les sorties de la période.",
    ),
    _def(
        "accompaniments",
        "emploi_durable_rate",
        "Taux d'emploi durable",
        "Exits to emploi durable over all exits of the period.",
        "Sorties en emploi durable rapportées à toutes les sorties de la période.",
    ),
    _def(
        "accompaniments",
        "sorties_dynamiques_rate",
        "Taux de sorties dynamiques",
        "Exits to emploi durable, emploi de transition or sortie positive over all exits of the period.",
        "Sorties en emploi durable, de transition ou positives rapportées à toutes les sorties de la période.",
    ),
    _def(
        "accompaniments",
        "average_duration_days",
        "Durée moyenne (jours)",
        "Mean over the exits of the period of the closure date minus the start date, in days.",
        "Moyenne, sur les sorties de la période, de la date de clôture moins la date de début, en jours.",
    ),
    _def(
        "accompaniments",
        "median_duration_days",
        "Durée médiane (jours)",
        "Median over the exits of the period of the closure date minus the start date, in days.",
        "Médiane, sur les sorties de la période, de la date de clôture moins la date de début, en jours.",
    ),
    # follow-up
    _def(
        "follow_up",
        "entries_with_first_appointment",
        "Entrées ayant eu un 1er RDV",
        "Entries of the period whose first individual appointment was held on or before the as-of date. The "
        "first appointment is the earliest one actually held, whatever the order it was entered in.",
        "Entrées de la période dont le premier entretien individuel a eu lieu au plus tard à la date de "
        "référence (le plus ancien entretien tenu, quel que soit l'ordre de saisie).",
    ),
    _def(
        "follow_up",
        "entries_without_first_appointment",
        "Entrées sans 1er RDV",
        "Entries of the period without an appointment held on or before the as-of date.",
        "Entrées de la période sans entretien tenu à la date de référence.",
    ),
    *(
        d
        for days in FIRST_APPOINTMENT_TARGETS
        for d in (
            _def(
                "follow_up",
                f"first_appointment_under_{days}_days",
                f"1er RDV < {days} jours",
                f"Entries of the period whose first appointment was held within {days - 1} days of the "
                f"orientation (delay = its date minus the orientation date).",
                f"Entrées de la période dont le premier entretien a eu lieu au plus {days - 1} jours après "
                f"l'orientation.",
            ),
            _def(
                "follow_up",
                f"first_appointment_under_{days}_days_due",
                f"Entrées attendues à {days} jours",
                f"Entries of the period oriented at least {days} days before the as-of date, or who already "
                f"had their first appointment: the population of the share.",
                f"Entrées de la période orientées au moins {days} jours avant la date de référence, ou ayant "
                f"déjà eu leur premier entretien : la population du taux.",
            ),
            _def(
                "follow_up",
                f"first_appointment_under_{days}_days_share",
                f"1er RDV < {days} jours (taux)",
                f"First appointments under {days} days over that population: someone still waiting past "
                f"the target counts as not within it.",
                f"Premiers entretiens à moins de {days} jours rapportés à cette population : une personne "
                f"qui attend encore au-delà du délai compte comme hors délai.",
            ),
        )
    ),
    _def(
        "follow_up",
        "contracts_signed",
        "Contrats d'engagement signés",
        "Engagement contracts signed in the period, at the agency following the person on the signing day.",
        "Contrats d'engagement signés sur la période, à l'agence qui suit la personne ce jour-là.",
    ),
    _def(
        "follow_up",
        "contracts_signed_in_time",
        "Contrats signés dans le délai",
        "Contracts signed in the period within one calendar month of the orientation (oriented 15 March: "
        "by 15 April; 31 January: by the last day of February).",
        "Contrats signés sur la période dans le mois calendaire suivant l'orientation (orienté le 15 mars : "
        "au plus tard le 15 avril ; le 31 janvier : au plus tard le dernier jour de février).",
    ),
    _def(
        "follow_up",
        "contracts_signed_in_time_share",
        "Contrats signés dans le délai (taux)",
        "Contracts signed in time over contracts signed in the period.",
        "Contrats signés dans le délai rapportés aux contrats signés sur la période.",
    ),
    # barriers
    _def(
        "barriers",
        "identified",
        "Freins identifiés",
        "Barriers identified in the period; each identification is one barrier, even of a category met before.",
        "Freins identifiés sur la période ; chaque identification compte, même d'une catégorie déjà rencontrée.",
    ),
    _def(
        "barriers",
        "lifted",
        "Freins levés",
        "Barriers lifted in the period (lifts dated in it).",
        "Freins levés sur la période.",
    ),
    _def(
        "barriers",
        "open",
        "Freins en cours",
        "Barriers identified on or before the as-of date, neither lifted nor assessed as not lifted on or "
        "before it, of accompaniments in the caseload on that date.",
        "Freins identifiés au plus tard à la date de référence, ni levés ni déclarés non levés à cette date, "
        "des accompagnements de la file active.",
    ),
    _def(
        "barriers",
        "by_category",
        "Freins par catégorie",
        "Identified, lifted and open barriers by category.",
        "Freins identifiés, levés et en cours par catégorie.",
    ),
    # workshops
    _def(
        "workshops",
        "sessions",
        "Sessions d'ateliers",
        "Workshop sessions dated in the period, at the agency running them.",
        "Sessions d'ateliers datées de la période, à l'agence qui les organise.",
    ),
    _def(
        "workshops",
        "registrations",
        "Inscriptions",
        "Registrations for those sessions.",
        "Inscriptions à ces sessions.",
    ),
    _def(
        "workshops",
        "attendance",
        "Présences",
        "Registered participants marked present at those sessions.",
        "Inscrits présents à ces sessions.",
    ),
    _def(
        "workshops",
        "attendance_rate",
        "Assiduité",
        "Attendance over registrations.",
        "Présences rapportées aux inscriptions.",
    ),
    _def(
        "workshops",
        "by_theme",
        "Ateliers par thème",
        "Sessions, capacity, registrations and attendance by theme.",
        "Sessions, places, inscriptions et présences par thème.",
    ),
    # placement
    _def(
        "placement",
        "employers_registered",
        "Employeurs du réseau",
        "Employers registered on or before the as-of date, at the agency following them.",
        "Employeurs inscrits au plus tard à la date de référence, à l'agence qui les suit.",
    ),
    _def(
        "placement",
        "employers_active",
        "Employeurs actifs",
        "Distinct employers with, in the period, a contact, a need published, an introduction or a hire "
        "counted at the agency.",
        "Employeurs distincts ayant eu sur la période un contact, un besoin publié, une mise en relation ou "
        "une embauche comptés à l'agence.",
    ),
    _def(
        "placement",
        "needs_published",
        "Besoins publiés",
        "Field needs published in the period, at the publishing agency.",
        "Besoins publiés sur la période, à l'agence qui les publie.",
    ),
    _def(
        "placement",
        "needs_open",
        "Besoins ouverts",
        "Field needs published on or before the as-of date and neither filled nor closed on or before it. A "
        "need is filled on the date of the hire that took its last position (the hire's own date, not the "
        "day it was entered), or on the date its filling was recorded when the platform's hires did not "
        "take every position.",
        "Besoins publiés au plus tard à la date de référence, ni pourvus ni clos à cette date. Un besoin est "
        "pourvu à la date de l'embauche qui prend son dernier poste (date de l'embauche, non de sa saisie).",
    ),
    _def(
        "placement",
        "introductions",
        "Mises en relation",
        "Introductions dated in the period, at the agency following the person that day.",
        "Mises en relation datées de la période, à l'agence qui suit la personne ce jour-là.",
    ),
    _def(
        "placement",
        "introductions_by_outcome",
        "Mises en relation par issue",
        "Those introductions by outcome (hired, not hired, pending).",
        "Ces mises en relation par issue (embauche, sans suite, en attente).",
    ),
    _def(
        "placement",
        "hires",
        "Embauches",
        "Hires starting in the period, at the agency following the person on the start date.",
        "Embauches commençant sur la période, à l'agence qui suit la personne ce jour-là.",
    ),
    _def(
        "placement",
        "hires_by_contract",
        "Embauches par contrat",
        "Those hires by contract type.",
        "Ces embauches par type de contrat.",
    ),
    _def(
        "placement", "hires_by_sector", "Embauches par secteur", "Those hires by sector.", "Ces embauches par secteur."
    ),
    _def(
        "placement",
        "hires_ended_early",
        "Ruptures anticipées",
        "Hires that ended early, the end dated in the period.",
        "Embauches rompues avant terme, la rupture datée de la période.",
    ),
    _def(
        "placement",
        "six_month_check_ins",
        "Suivis à 6 mois",
        "Six-month follow-ups of hires dated in the period.",
        "Suivis à 6 mois datés de la période.",
    ),
    _def(
        "placement",
        "still_employed_at_6_months",
        "En emploi à 6 mois",
        "Those follow-ups finding the person still employed.",
        "Ces suivis trouvant la personne toujours en emploi.",
    ),
    _def(
        "placement",
        "still_employed_at_6_months_share",
        "En emploi à 6 mois (taux)",
        "Still employed over six-month follow-ups.",
        "Toujours en emploi rapporté aux suivis à 6 mois.",
    ),
    _def(
        "placement",
        "immersions",
        "Immersions (PMSMP)",
        "Immersions starting in the period, at the agency following the person on the start date.",
        "Immersions commençant sur la période, à l'agence qui suit la personne ce jour-là.",
    ),
    _def(
        "placement",
        "immersions_by_outcome",
        "Immersions par issue",
        "Those immersions by outcome (in progress until completed).",
        "Ces immersions par issue (en cours jusqu'à leur fin).",
    ),
    # cohorts
    _def(
        "cohorts",
        "entered",
        "Entrées du mois",
        "Entries of the period, by month of entry.",
        "Entrées de la période, par mois d'entrée.",
    ),
    *(
        _def(
            "cohorts",
            f"exited_within_{n}_months",
            f"Sortis dans les {n} mois",
            f"Of those entries, exits closed within {n} calendar months of the start date and on or before "
            f"the as-of date, by group.",
            f"Parmi ces entrées, sorties closes dans les {n} mois suivant le début et au plus tard à la date "
            f"de référence, par groupe.",
        )
        for n in COHORT_MONTHS
    ),
)

DEFINITIONS_BY_NAME: dict[tuple[str, str], Definition] = {(d.section, d.name): d for d in DEFINITIONS}


# --- the rules --------------------------------------------------------------------------------------------


def exit_group(category: str) -> str:
    """Official group of an exit category."""
    return EXIT_GROUP_OF[category]


def agency_on(a: Accompaniment, day: date) -> str:
    """Agency following an accompaniment on `day`: the opening agency, moved by each transfer from its date."""
    if not a.transfers:
        return a.agency_id
    agency, latest = a.agency_id, None
    for t in a.transfers:
        key = (t.transferred_on, t.seq)
        if t.transferred_on <= day and (latest is None or key > latest):
            agency, latest = t.to_agency_id, key
    return agency


def person_agency_on(accompaniments: Sequence[Accompaniment], day: date, default: str) -> str:
    """Agency following a person on `day`: their latest accompaniment started by then (the first one for a
    fact before any), as moved by its transfers; `default` (the fact's own agency) when none is known."""
    if not accompaniments:
        return default
    current = accompaniments[0]
    for a in accompaniments:  # sorted by start date
        if a.start_date <= day:
            current = a
    return agency_on(current, day)


def in_caseload(a: Accompaniment, day: date) -> bool:
    """Opened on or before `day` and not closed on or before it (closed that day: gone)."""
    return a.start_date <= day and (a.closed_on is None or a.closed_on > day)


def suspended_on(a: Accompaniment, day: date) -> bool:
    """In the caseload and suspended on `day` (suspended on or before it, not resumed on or before it)."""
    return in_caseload(a, day) and any(
        s.suspended_on <= day and (s.resumed_on is None or s.resumed_on > day) for s in a.suspensions
    )


def planned_end_on(a: Accompaniment, day: date) -> date:
    """Planned end as known on `day`: the latest one set by a renewal dated on or before it."""
    end, latest = a.planned_end_date, None
    for r in a.renewals:
        key = (r.renewed_on, r.seq)
        if r.renewed_on <= day and (latest is None or key > latest):
            end, latest = r.new_planned_end_date, key
    return end


def overdue_on(a: Accompaniment, day: date) -> bool:
    """In the caseload on `day` and past its planned end, neither renewed nor closed."""
    return in_caseload(a, day) and planned_end_on(a, day) < day


def is_return(a: Accompaniment, same_person: Sequence[Accompaniment]) -> bool:
    """An entry after an earlier exit: another accompaniment of the person closed on or before this one opened."""
    return any(
        b.accompaniment_id != a.accompaniment_id and b.closed_on is not None and b.closed_on <= a.start_date
        for b in same_person
    )


def duration_days(a: Accompaniment) -> int:
    """Closure date minus start date, in days."""
    return (a.closed_on - a.start_date).days


def first_appointment(a: Accompaniment, as_of: date) -> date | None:
    """The earliest individual appointment actually held on or before `as_of`, whatever the entry order."""
    held = [x.held_on for x in a.appointments if x.held_on <= as_of]
    return min(held) if held else None


def first_appointment_target(a: Accompaniment, days: int, as_of: date) -> tuple[bool, bool]:
    """(in the population, within the target) of the share of first appointments under `days` days.

    Within: delay (first appointment minus orientation) of `days - 1` days or less. Population: oriented at
    least `days` days before `as_of`, or already had the first appointment; still waiting past the target
    counts as not within it.
    """
    first = first_appointment(a, as_of)
    within = first is not None and (first - a.orientation_date).days <= days - 1
    due = first is not None or (as_of - a.orientation_date).days >= days
    return due, within


def contract_deadline(orientation: date) -> date:
    """One calendar month after the orientation (31 January -> last day of February)."""
    return add_months(orientation, CONTRACT_DEADLINE_MONTHS)


def contract_in_time(a: Accompaniment, contract: Contract) -> bool:
    """Signed within one calendar month of the orientation."""
    return contract.signed_on <= contract_deadline(a.orientation_date)


def barrier_open_on(a: Accompaniment, b: Barrier, day: date) -> bool:
    """Identified on or before `day`, its follow-up not ended on or before it, the accompaniment in the caseload."""
    ended = b.ended_on
    return b.identified_on <= day and (ended is None or ended > day) and in_caseload(a, day)


def need_filled_on(need: Need, hires: Sequence[Hire]) -> date | None:
    """The hire's own date (start) of the hire that took the need's last position; else the recorded filling.

    When both exist the earlier counts: a filling recorded on the day a hire was entered is dated by the hire.
    """
    by_hires = None
    if len(hires) >= need.positions:
        by_hires = sorted(h.start_date for h in hires)[need.positions - 1]
    dates = [d for d in (by_hires, need.filled_on) if d is not None]
    return min(dates) if dates else None


def need_open_on(need: Need, filled_on: date | None, day: date) -> bool:
    """Published on or before `day`, neither filled nor closed on or before it."""
    return (
        need.published_on <= day
        and (filled_on is None or filled_on > day)
        and (need.closed_on is None or need.closed_on > day)
    )


def still_employed_check_in(hire: Hire):
    """The six-month follow-up of a hire, if recorded."""
    return next((c for c in hire.check_ins if c.month == STILL_EMPLOYED_CHECK_IN_MONTH), None)


def within_months(start: date, closed_on: date | None, months: int, as_of: date) -> bool:
    """Closed within `months` calendar months of `start` and on or before `as_of` (cohort exits)."""
    return closed_on is not None and closed_on <= min(add_months(start, months), as_of)


def share(part: int, whole: int) -> float | None:
    """A rate rounded to 4 decimals; None over an empty population."""
    return round(part / whole, 4) if whole else None
