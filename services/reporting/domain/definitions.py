"""The department's indicator definitions, written once (the reading of DOMAIN.md, "Indicator definitions").

This module states every figure twice over in one place: in words (`DEFINITIONS`, served by
`GET /indicators/definitions`, shown by the dashboard on hover, linked from the README) and as the rule that
decides it (the functions below). `indicators.py` only counts facts with these rules; the `bi` views are
generated from the same exit groups (`adapters/bi.py`). Nothing else decides what a figure means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

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
# Stocks are stated as the intervals a fact counts in them: [from, to), `to` excluded (None: still running);
# a stock on the as-of date counts the intervals holding that day. Dated figures count a fact on its day.

Interval = tuple[date, "date | None"]
Period = tuple["date | None", "date | None", str]  # from (None: always), to (None: still), agency


def exit_group(category: str) -> str:
    """Official group of an exit category."""
    return EXIT_GROUP_OF[category]


def agency_periods(a: Accompaniment) -> list[Period]:
    """Which agency follows an accompaniment when: the opening agency, moved by each transfer from its date."""
    periods: list[Period] = []
    since, agency = None, a.agency_id
    for t in sorted(a.transfers, key=lambda t: (t.transferred_on, t.seq)):
        if since is None or t.transferred_on > since:
            periods.append((since, t.transferred_on, agency))
        since, agency = t.transferred_on, t.to_agency_id
    periods.append((since, None, agency))
    return periods


def agency_on(a: Accompaniment, day: date) -> str:
    """Agency following an accompaniment on `day` (the agency a fact of that day counts at)."""
    if not a.transfers:
        return a.agency_id
    return next(agency for since, until, agency in agency_periods(a) if until is None or day < until)


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


def caseload_interval(a: Accompaniment) -> Interval:
    """In the caseload from its start date until its closure date, excluded (closed that day: gone)."""
    return a.start_date, a.closed_on


def suspended_intervals(a: Accompaniment) -> list[Interval]:
    """Suspended from the suspension date until the resumption date, excluded, while in the caseload."""
    return [i for s in a.suspensions if (i := within(caseload_interval(a), (s.suspended_on, s.resumed_on)))]


def overdue_intervals(a: Accompaniment) -> list[Interval]:
    """Overdue, while in the caseload, on the days after its planned end: the planned end set at opening, then
    by each renewal from the renewal's date (a renewal after the end stops the overdue days)."""
    renewals = sorted(a.renewals, key=lambda r: (r.renewed_on, r.seq))
    segments = [(None, a.planned_end_date)] + [(r.renewed_on, r.new_planned_end_date) for r in renewals]
    out = []
    for n, (since, planned_end) in enumerate(segments):
        until = segments[n + 1][0] if n + 1 < len(segments) else None
        overdue_from = planned_end + timedelta(days=1)
        if since is not None and since > overdue_from:
            overdue_from = since
        if i := within(caseload_interval(a), (overdue_from, until)):
            out.append(i)
    return out


def barrier_open_interval(a: Accompaniment, b: Barrier) -> Interval | None:
    """Open from its identification until it is lifted or assessed as not lifted, while in the caseload."""
    return within(caseload_interval(a), (b.identified_on, b.ended_on))


def is_return(a: Accompaniment, same_person: Sequence[Accompaniment]) -> bool:
    """An entry after an earlier exit: another accompaniment of the person closed on or before this one opened."""
    return any(
        b.accompaniment_id != a.accompaniment_id and b.closed_on is not None and b.closed_on <= a.start_date
        for b in same_person
    )


def duration_days(a: Accompaniment) -> int:
    """Closure date minus start date, in days."""
    return (a.closed_on - a.start_date).days


def first_appointment(a: Accompaniment) -> date | None:
    """The earliest individual appointment actually held, whatever the order it was entered in."""
    return min((x.held_on for x in a.appointments), default=None)


def first_appointment_target(a: Accompaniment, days: int) -> tuple[date, date | None]:
    """(due from, within from) for the share of first appointments under `days` days, as of any date.

    Within the target: a first appointment `days - 1` days or less after the orientation, counted once held.
    In the population: from `days` days after the orientation, or once the first appointment is held (so
    someone still waiting past the target counts as not within it).
    """
    first = first_appointment(a)
    due = a.orientation_date + timedelta(days=days)
    if first is not None:
        due = min(due, first)
    within_from = first if first is not None and (first - a.orientation_date).days <= days - 1 else None
    return due, within_from


def contract_deadline(orientation: date) -> date:
    """One calendar month after the orientation (31 January -> last day of February)."""
    return add_months(orientation, CONTRACT_DEADLINE_MONTHS)


def contract_in_time(a: Accompaniment, contract: Contract) -> bool:
    """Signed within one calendar month of the orientation."""
    return contract.signed_on <= contract_deadline(a.orientation_date)


def need_filled_on(need: Need, hires: Sequence[Hire]) -> date | None:
    """The hire's own date (start) of the hire that took the need's last position; else the recorded filling.

    When both exist the earlier counts: a filling recorded on the day a hire was entered is dated by the hire.
    """
    by_hires = None
    if len(hires) >= need.positions:
        by_hires = sorted(h.start_date for h in hires)[need.positions - 1]
    dates = [d for d in (by_hires, need.filled_on) if d is not None]
    return min(dates) if dates else None


def need_open_interval(need: Need, filled_on: date | None) -> Interval:
    """Open from its publication until it is filled or closed, excluded."""
    ends = [d for d in (filled_on, need.closed_on) if d is not None]
    return need.published_on, min(ends) if ends else None


def still_employed_check_in(hire: Hire):
    """The six-month follow-up of a hire, if recorded."""
    return next((c for c in hire.check_ins if c.month == STILL_EMPLOYED_CHECK_IN_MONTH), None)


def cohort_exit_on(a: Accompaniment, months: int) -> date | None:
    """The day an entrant counts as exited within `months` calendar months of the start (as of that day on)."""
    if a.closed_on is not None and a.closed_on <= add_months(a.start_date, months):
        return a.closed_on
    return None


def share(part: int, whole: int) -> float | None:
    """A rate rounded to 4 decimals; None over an empty population."""
    return round(part / whole, 4) if whole else None


def within(outer: Interval, inner: Interval) -> Interval | None:
    """The part of `inner` inside `outer`, None when empty."""
    start = max(outer[0], inner[0])
    ends = [d for d in (outer[1], inner[1]) if d is not None]
    end = min(ends) if ends else None
    return None if end is not None and end <= start else (start, end)
