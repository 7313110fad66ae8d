"""The simulated department as a plan: who is referred when, and what happens to each person (pure, seeded).

The plan is drawn first, then played through the public APIs by `driver.py`; the figures the plan implies
(caseload, exits by group) are computed here from the plan alone, so a run can be checked against them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.intake.domain.agencies import AGENCIES
from shared.contracts.accompaniment import BarrierCategory, WorkshopTheme
from shared.contracts.employment import ContractType
from shared.contracts.exits import ExitCategory, ExitGroup

# Active caseloads reported by the department (La Courneuve 389, Clichy-sous-Bois 638); the other agencies
# share the rest of about 17,000 in proportion to a rough count of RSA households of their communes.
KNOWN_CASELOADS = {"ali-la-courneuve": 389, "ali-clichy-sous-bois": 638}
WEIGHTS = {
    "ali-aubervilliers": 11,
    "ali-aulnay-sous-bois": 8,
    "ali-bagnolet-les-lilas": 5,
    "ali-blanc-mesnil-dugny": 8,
    "ali-bobigny": 7,
    "ali-bondy": 6,
    "ali-drancy": 7,
    "ali-epinay-villetaneuse": 8,
    "ali-gagny-villemomble": 5,
    "ali-livry-gargan": 5,
    "ali-montreuil": 11,
    "ali-neuilly": 4,
    "ali-noisy-le-grand": 6,
    "ali-noisy-le-sec-romainville": 6,
    "ali-pantin-pre-saint-gervais": 7,
    "ali-rosny-le-raincy": 5,
    "ali-saint-denis-pierrefitte": 14,
    "ali-saint-ouen": 5,
    "ali-sevran-tremblay-villepinte": 9,
    "ali-stains": 5,
}
DEPARTMENT_CASELOAD = 17_000
TARGET_POSITIVE_RATE = 0.48  # C2DI 93's reported rate of sorties dynamiques
HISTORY_DAYS = 450  # a year and more
BARRIER_AGAIN_SHARE = 0.2  # of the barriers lifted, those identified again later (a new barrier)
EARLY_END_SHARE = 0.05  # of the people without a hire behind their exit, those hired on a CDI that ended early
RETURN_SHARE = 0.15  # of the people who left at least two months ago, those referred again later

FIRST_NAMES = [
    "Aminata",
    "Karim",
    "Inès",
    "Lucie",
    "Mamadou",
    "Sofia",
    "Yanis",
    "Fatoumata",
    "Julien",
    "Nadia",
    "Moussa",
    "Sarah",
    "Kevin",
    "Aïcha",
    "Thomas",
    "Leila",
    "Ibrahima",
    "Chloé",
    "Mehdi",
    "Awa",
]
LAST_NAMES = [
    "Diallo",
    "Martin",
    "Benali",
    "Traoré",
    "Nguyen",
    "Moreau",
    "Haddad",
    "Camara",
    "Petit",
    "Rahmani",
    "Kone",
    "Bernard",
    "Cissé",
    "Dubois",
    "Mendy",
    "Laurent",
    "Sow",
    "Garcia",
    "Keita",
    "Fofana",
]
# NAF sections (referential `sectors`): logistics, cleaning, catering, retail, construction, personal services,
# security, transport.
SECTORS = ["H", "N", "I", "G", "F", "Q", "N", "H"]
APTITUDES = ["handling", "customer_contact", "cleaning", "teamwork", "driving", "cooking", "sorting", "care"]
EMPLOYMENT_EXITS = {
    ExitCategory.CDI: (ContractType.CDI, None),
    ExitCategory.CDD_OR_TEMP_6_MONTHS_OR_MORE: (ContractType.CDD, 8),
    ExitCategory.CDD_OR_TEMP_UNDER_6_MONTHS: (ContractType.CDD, 3),
    ExitCategory.CONTRAT_AIDE: (ContractType.CONTRAT_AIDE, 12),
    ExitCategory.OTHER_SIAE_HIRE: (ContractType.CDDI, 6),
}
# Mix within each group (shares of that group's exits).
GROUP_MIX = {
    ExitGroup.EMPLOI_DURABLE: [
        (ExitCategory.CDI, 0.55),
        (ExitCategory.CDD_OR_TEMP_6_MONTHS_OR_MORE, 0.35),
        (ExitCategory.BUSINESS_CREATION, 0.1),
    ],
    ExitGroup.EMPLOI_TRANSITION: [(ExitCategory.CDD_OR_TEMP_UNDER_6_MONTHS, 0.75), (ExitCategory.CONTRAT_AIDE, 0.25)],
    ExitGroup.SORTIE_POSITIVE: [(ExitCategory.QUALIFYING_TRAINING, 0.8), (ExitCategory.OTHER_SIAE_HIRE, 0.2)],
    ExitGroup.AUTRE_SORTIE: [
        (ExitCategory.UNEMPLOYMENT, 0.3),
        (ExitCategory.NO_NEWS, 0.25),
        (ExitCategory.MOVED_AWAY, 0.15),
        (ExitCategory.HEALTH, 0.15),
        (ExitCategory.INACTIVITY, 0.1),
        (ExitCategory.END_OF_RSA_RIGHTS, 0.05),
    ],
}


@dataclass
class Plan:
    """Everything that will happen to one person."""

    index: int
    agency_id: str
    commune_code: str
    first_name: str
    last_name: str
    birth_date: date
    household_type: str
    children: int
    orientation: date
    enrolment: date
    first_appointment: date | None
    contract_signed: date | None
    barriers: list[tuple[BarrierCategory, date, date | None]] = field(default_factory=list)
    suspension: tuple[date, date | None] | None = None
    renewal: date | None = None
    exit: tuple[date, ExitCategory] | None = None
    hire: tuple[date, ContractType, int | None] | None = None  # introduction date, contract, months
    failed_introduction: date | None = None
    immersion: tuple[date, int] | None = None
    workshop_months: list[date] = field(default_factory=list)
    # A CDI that ended early (start, end): its proposed exit is withdrawn; the exit, if any, is chosen explicitly.
    hire_ended_early: tuple[date, date] | None = None
    # Referred again after the exit (orientation, enrolment): a return opens a second accompaniment, still open.
    comeback: tuple[date, date] | None = None

    def active_on(self, day: date) -> bool:
        """True when an accompaniment of the person runs on `day` (the first one, or the one of their return)."""
        first = self.enrolment <= day and (self.exit is None or self.exit[0] > day)
        return first or (self.comeback is not None and self.comeback[1] <= day)

    @property
    def wants_work(self) -> bool:
        """Placement knows the person (a candidate profile is shared)."""
        return any(x is not None for x in (self.hire, self.failed_introduction, self.immersion, self.hire_ended_early))


def caseload_targets(total: int = DEPARTMENT_CASELOAD) -> dict[str, int]:
    """Active caseload wanted per agency, summing to `total` (the two documented agencies exactly)."""
    known = {a: max(1, round(n * total / DEPARTMENT_CASELOAD)) for a, n in KNOWN_CASELOADS.items()}
    rest = total - sum(known.values())
    weight_sum = sum(WEIGHTS.values())
    targets = {a: max(1, round(rest * w / weight_sum)) for a, w in WEIGHTS.items()}
    targets.update(known)
    return {a.id: targets[a.id] for a in AGENCIES}


def _pick(rng: random.Random, weighted: list[tuple]) -> object:
    roll, acc = rng.random(), 0.0
    for value, weight in weighted:
        acc += weight
        if roll < acc:
            return value
    return weighted[-1][0]


def _agency_rates(rng: random.Random) -> dict[str, float]:
    """Each agency's share of sorties dynamiques among exits, varying plausibly around the department's."""
    rates = {a.id: min(0.7, max(0.3, rng.gauss(TARGET_POSITIVE_RATE, 0.06))) for a in AGENCIES}
    rates["ali-la-courneuve"] = 0.48
    return rates


def _exit_category(rng: random.Random, positive_rate: float) -> ExitCategory:
    if rng.random() < positive_rate:
        group = _pick(
            rng,
            [(ExitGroup.EMPLOI_DURABLE, 0.45), (ExitGroup.EMPLOI_TRANSITION, 0.35), (ExitGroup.SORTIE_POSITIVE, 0.20)],
        )
    else:
        group = ExitGroup.AUTRE_SORTIE
    return _pick(rng, GROUP_MIX[group])


def _person(rng: random.Random, index: int, agency, positive_rate: float, today: date) -> Plan:
    orientation = today - timedelta(days=rng.randint(5, HISTORY_DAYS))
    enrolment = min(today, orientation + timedelta(days=rng.randint(0, 10)))
    after = lambda days: enrolment + timedelta(days=days)  # noqa: E731
    first = after(rng.choice([2, 5, 8, 10, 12, 16, 20, 25, 35])) if rng.random() < 0.92 else None
    contract = (
        max(enrolment, orientation + timedelta(days=rng.choice([10, 20, 25, 28, 35, 45])))
        if rng.random() < 0.88
        else None
    )
    plan = Plan(
        index=index,
        agency_id=agency.id,
        commune_code=rng.choice(agency.communes),
        first_name=rng.choice(FIRST_NAMES),
        last_name=f"{rng.choice(LAST_NAMES)}-{index:05d}",
        birth_date=date(1962, 1, 1) + timedelta(days=rng.randint(0, 365 * 40)),
        household_type=_pick(
            rng, [("single", 0.45), ("single_parent", 0.3), ("couple", 0.1), ("couple_with_children", 0.15)]
        ),
        children=rng.choice([0, 0, 1, 2, 3]),
        orientation=orientation,
        enrolment=enrolment,
        first_appointment=first if first and first <= today else None,
        contract_signed=contract if contract and contract <= today else None,
    )
    # Exit: about a third leave within a year; those reaching the end of the year are renewed.
    duration = int(rng.expovariate(1 / 420))
    exit_day = after(max(20, duration))
    planned_end = after(365)
    window_opens = planned_end - timedelta(days=55)  # the department's window is 60 days before the end
    last_day = min(planned_end - timedelta(days=5), today - timedelta(days=1))
    if exit_day > window_opens and window_opens <= last_day:
        plan.renewal = window_opens + timedelta(days=rng.randint(0, (last_day - window_opens).days))
        exit_day = max(exit_day, plan.renewal + timedelta(days=15))
    if exit_day <= today - timedelta(days=1):
        plan.exit = (exit_day, _exit_category(rng, positive_rate))
    end = plan.exit[0] if plan.exit else today
    for category in rng.sample(list(BarrierCategory), k=rng.choice([0, 1, 1, 2, 2, 3])):
        identified = min(end, after(rng.randint(5, 40)))
        lifted = identified + timedelta(days=rng.randint(30, 200))
        plan.barriers.append((category, identified, lifted if lifted < end and rng.random() < 0.55 else None))
    for category, _, lifted in list(plan.barriers):
        # A barrier lifted may stand in the way again later: a second barrier of the same category.
        if lifted and rng.random() < BARRIER_AGAIN_SHARE:
            again = lifted + timedelta(days=rng.randint(20, 120))
            if again < end:
                lifted_again = again + timedelta(days=rng.randint(30, 120))
                plan.barriers.append((category, again, lifted_again if lifted_again < end else None))
    if rng.random() < 0.07:
        since = after(rng.randint(40, 150))
        until = since + timedelta(days=rng.randint(14, 60))
        if until < end:
            plan.suspension = (since, until)
    if plan.renewal and plan.suspension and plan.suspension[1] >= plan.renewal:
        plan.suspension = None
    if rng.random() < 0.3:
        plan.workshop_months = sorted({min(end, after(rng.randint(10, 200))).replace(day=1) for _ in range(2)})
    category = plan.exit[1] if plan.exit else None
    if category in EMPLOYMENT_EXITS and rng.random() < 0.6:
        contract_type, months = EMPLOYMENT_EXITS[category]
        plan.hire = (
            max(enrolment + timedelta(days=1), plan.exit[0] - timedelta(days=rng.randint(3, 20))),
            contract_type,
            months,
        )
    elif rng.random() < 0.08:
        plan.failed_introduction = min(end, after(rng.randint(30, 200)))
    if rng.random() < 0.05:
        plan.immersion = (min(end, after(rng.randint(20, 150))), rng.randint(5, 20))
    if plan.exit and plan.exit[0] <= today - timedelta(days=60) and rng.random() < RETURN_SHARE:
        oriented = plan.exit[0] + timedelta(days=rng.randint(30, 240))
        if oriented <= today - timedelta(days=5):
            plan.comeback = (oriented, min(today, oriented + timedelta(days=rng.randint(0, 10))))
    for day in (
        plan.hire[0] if plan.hire else None,
        plan.failed_introduction,
        plan.immersion[0] if plan.immersion else None,
    ):
        if day is not None and (day >= end or day > today):
            plan.hire = plan.failed_introduction = plan.immersion = None
            break
    if plan.hire is None and rng.random() < EARLY_END_SHARE:
        start = after(rng.randint(20, 200))
        ended = start + timedelta(days=rng.randint(7, 60))
        if ended < end and ended < today:
            plan.hire_ended_early = (start, ended)
    return plan


def department(seed: int = 93, caseload: int = DEPARTMENT_CASELOAD, today: date | None = None) -> list[Plan]:
    """People of every agency until each agency's active caseload reaches its target."""
    today = today or date.today()
    rng = random.Random(seed)
    rates = _agency_rates(rng)
    targets = caseload_targets(caseload)
    plans: list[Plan] = []
    for agency in AGENCIES:
        active = 0
        while active < targets[agency.id]:
            plan = _person(rng, len(plans), agency, rates[agency.id], today)
            plans.append(plan)
            active += plan.active_on(today)
    return plans


def expected_figures(plans: list[Plan], today: date) -> dict:
    """What the reporting service must show once the plan is played (computed from the plan alone)."""
    exits = [p.exit[1] for p in plans if p.exit]
    groups = {g.value: sum(1 for c in exits if c.group == g) for g in ExitGroup}
    dynamic = sum(groups[g] for g in ("emploi_durable", "emploi_transition", "sortie_positive"))
    returns = sum(1 for p in plans if p.comeback)
    return {
        "people": len(plans),
        "entries": len(plans) + returns,
        "returns": returns,
        "caseload": sum(p.active_on(today) for p in plans),
        "exits": len(exits),
        "exits_by_group": groups,
        "positive_exit_rate": round(dynamic / len(exits), 4) if exits else None,
        "hires": sum(1 for p in plans if p.hire) + sum(1 for p in plans if p.hire_ended_early),
        "hires_ended_early": sum(1 for p in plans if p.hire_ended_early),
        "renewals": sum(1 for p in plans if p.renewal),
        "barriers_identified": sum(len(p.barriers) for p in plans),
        "barriers_lifted": sum(1 for p in plans for _, _, lifted in p.barriers if lifted),
        "barriers_met_again": sum(len(p.barriers) - len({c for c, _, _ in p.barriers}) for p in plans),
    }


WORKSHOP_THEMES = [
    WorkshopTheme.SELF_CONFIDENCE,
    WorkshopTheme.COVER_LETTERS,
    WorkshopTheme.LABOUR_LAW_AND_PAY,
    WorkshopTheme.DIGITAL_SKILLS,
    WorkshopTheme.JOB_INTERVIEWS,
]
