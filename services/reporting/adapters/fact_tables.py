"""How each kind of fact is stored: its table, the tables of its history, and the mapping both ways.

The columns named here are those of `sql/reporting.sql` (an integration test checks they agree). A fact is
written whole: its row (stamped with the batch's generation) and every row of its history, upserted on their
keys; history rows are never deleted, so writing a fact again is harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.reporting.domain.facts import (
    Accompaniment,
    Appointment,
    Barrier,
    Beneficiary,
    CheckIn,
    Contact,
    Contract,
    Employer,
    Hire,
    Immersion,
    Introduction,
    Need,
    Participant,
    Renewal,
    Suspension,
    Transfer,
    WorkshopSession,
)

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Table:
    """A table of reporting's schema: columns with their PostgreSQL types, and its key."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        """Column names, in order."""
        return [c for c, _ in self.columns]

    def upsert(self, schema: str) -> str:
        """Multi-row upsert from one array per column (`unnest`), replacing the non-key columns of the rows that
        differ: a fact is written whole, and most rows of its history are as they were (left untouched, no new row
        version to write, index or vacuum)."""
        names = self.names
        arrays = ", ".join(f"${i}::{t}[]" for i, (_, t) in enumerate(self.columns, start=1))
        values = [c for c in names if c not in self.key]
        insert = f"INSERT INTO {schema}.{self.name} ({', '.join(names)}) SELECT * FROM unnest({arrays}) "
        if not values:
            return insert + f"ON CONFLICT ({', '.join(self.key)}) DO NOTHING"
        updates = ", ".join(f"{c} = excluded.{c}" for c in values)
        old = ", ".join(f"{self.name}.{c}" for c in values)
        new = ", ".join(f"excluded.{c}" for c in values)
        return (
            insert + f"ON CONFLICT ({', '.join(self.key)}) DO UPDATE SET {updates} "
            f"WHERE ROW({old}) IS DISTINCT FROM ROW({new})"
        )


def _t(name: str, key: Sequence[str], *columns: str) -> Table:
    parsed = tuple(tuple(c.split(":")) for c in columns)
    return Table(name, parsed, tuple(key))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Mapping_:
    """A kind of fact: its table (with `generation` last), its history tables, and the conversions."""

    kind: type
    table: Table
    history: tuple[tuple[Table, str], ...]  # (table, column naming the fact)
    to_rows: Callable[[Any], tuple[Row, dict[str, list[Row]]]]
    from_rows: Callable[[Mapping[str, Any], dict[str, list[Mapping[str, Any]]]], Any]

    @property
    def id_column(self) -> str:
        """The fact's id column."""
        return self.table.key[0]


def _s(value) -> str | None:
    return None if value is None else str(value)


# --- accompaniments ----------------------------------------------------------------------------------------

ACCOMPANIMENTS = _t(
    "accompaniments",
    ["accompaniment_id"],
    "accompaniment_id:uuid",
    "beneficiary_id:uuid",
    "agency_id:text",
    "orientation_date:date",
    "start_date:date",
    "planned_end_date:date",
    "closed_on:date",
    "exit_category:text",
    "proposed_exit:text",
    "generation:bigint",
)
TRANSFERS = _t(
    "accompaniment_transfers",
    ["accompaniment_id", "seq"],
    "accompaniment_id:uuid",
    "seq:int",
    "transferred_on:date",
    "from_agency_id:text",
    "to_agency_id:text",
)
APPOINTMENTS = _t(
    "appointments_held",
    ["accompaniment_id", "appointment_id"],
    "accompaniment_id:uuid",
    "appointment_id:uuid",
    "held_on:date",
)
CONTRACTS = _t(
    "engagement_contracts", ["accompaniment_id", "seq"], "accompaniment_id:uuid", "seq:int", "signed_on:date"
)
SUSPENSIONS = _t(
    "suspensions",
    ["accompaniment_id", "seq"],
    "accompaniment_id:uuid",
    "seq:int",
    "suspended_on:date",
    "resumed_on:date",
)
RENEWALS = _t(
    "renewals",
    ["accompaniment_id", "seq"],
    "accompaniment_id:uuid",
    "seq:int",
    "renewed_on:date",
    "new_planned_end_date:date",
)
BARRIERS = _t(
    "barriers",
    ["accompaniment_id", "barrier_id"],  # the id is the client's choice: unique within its accompaniment only
    "barrier_id:text",
    "accompaniment_id:uuid",
    "seq:int",
    "category:text",
    "identified_on:date",
    "worked_on_from:date",
    "lifted_on:date",
    "not_lifted_on:date",
)


def _accompaniment_rows(a: Accompaniment) -> tuple[Row, dict[str, list[Row]]]:
    i = a.accompaniment_id
    row = (
        i,
        a.beneficiary_id,
        a.agency_id,
        a.orientation_date,
        a.start_date,
        a.planned_end_date,
        a.closed_on,
        a.exit_category,
        a.proposed_exit,
    )
    return row, {
        TRANSFERS.name: [(i, t.seq, t.transferred_on, t.from_agency_id, t.to_agency_id) for t in a.transfers],
        APPOINTMENTS.name: [(i, x.appointment_id, x.held_on) for x in a.appointments],
        CONTRACTS.name: [(i, c.seq, c.signed_on) for c in a.contracts],
        SUSPENSIONS.name: [(i, s.seq, s.suspended_on, s.resumed_on) for s in a.suspensions],
        RENEWALS.name: [(i, r.seq, r.renewed_on, r.new_planned_end_date) for r in a.renewals],
        BARRIERS.name: [
            (b.barrier_id, i, b.seq, b.category, b.identified_on, b.worked_on_from, b.lifted_on, b.not_lifted_on)
            for b in a.barriers
        ],
    }


def _accompaniment(r: Mapping[str, Any], h: dict[str, list[Mapping[str, Any]]]) -> Accompaniment:
    by_seq = lambda rows: sorted(rows, key=lambda x: x["seq"])  # noqa: E731
    return Accompaniment(
        accompaniment_id=str(r["accompaniment_id"]),
        beneficiary_id=str(r["beneficiary_id"]),
        agency_id=r["agency_id"],
        orientation_date=r["orientation_date"],
        start_date=r["start_date"],
        planned_end_date=r["planned_end_date"],
        closed_on=r["closed_on"],
        exit_category=r["exit_category"],
        proposed_exit=r["proposed_exit"],
        transfers=tuple(
            Transfer(x["seq"], x["transferred_on"], x["from_agency_id"], x["to_agency_id"])
            for x in by_seq(h.get(TRANSFERS.name, ()))
        ),
        appointments=tuple(
            Appointment(str(x["appointment_id"]), x["held_on"])
            for x in sorted(h.get(APPOINTMENTS.name, ()), key=lambda x: (x["held_on"], str(x["appointment_id"])))
        ),
        contracts=tuple(Contract(x["seq"], x["signed_on"]) for x in by_seq(h.get(CONTRACTS.name, ()))),
        suspensions=tuple(
            Suspension(x["seq"], x["suspended_on"], x["resumed_on"]) for x in by_seq(h.get(SUSPENSIONS.name, ()))
        ),
        renewals=tuple(
            Renewal(x["seq"], x["renewed_on"], x["new_planned_end_date"]) for x in by_seq(h.get(RENEWALS.name, ()))
        ),
        barriers=tuple(
            Barrier(
                x["barrier_id"],
                x["seq"],
                x["category"],
                x["identified_on"],
                x["worked_on_from"],
                x["lifted_on"],
                x["not_lifted_on"],
            )
            for x in by_seq(h.get(BARRIERS.name, ()))
        ),
    )


# --- workshop sessions -------------------------------------------------------------------------------------

SESSIONS = _t(
    "workshop_sessions",
    ["session_id"],
    "session_id:uuid",
    "agency_id:text",
    "theme:text",
    "session_date:date",
    "capacity:int",
    "generation:bigint",
)
PARTICIPANTS = _t(
    "workshop_participants",
    ["session_id", "accompaniment_id"],
    "session_id:uuid",
    "accompaniment_id:uuid",
    "beneficiary_id:uuid",
    "registered_on:date",
    "attended:boolean",
)


def _session_rows(s: WorkshopSession) -> tuple[Row, dict[str, list[Row]]]:
    return (s.session_id, s.agency_id, s.theme, s.session_date, s.capacity), {
        PARTICIPANTS.name: [
            (s.session_id, p.accompaniment_id, p.beneficiary_id, p.registered_on, p.attended) for p in s.participants
        ]
    }


def _session(r, h) -> WorkshopSession:
    return WorkshopSession(
        str(r["session_id"]),
        r["agency_id"],
        r["theme"],
        r["session_date"],
        r["capacity"],
        tuple(
            Participant(str(x["accompaniment_id"]), str(x["beneficiary_id"]), x["registered_on"], x["attended"])
            for x in sorted(h.get(PARTICIPANTS.name, ()), key=lambda x: str(x["accompaniment_id"]))
        ),
    )


# --- placement --------------------------------------------------------------------------------------------

EMPLOYERS = _t(
    "employers",
    ["employer_id"],
    "employer_id:uuid",
    "agency_id:text",
    "sector:text",
    "size:text",
    "social_economy:boolean",
    "siae:boolean",
    "commune_code:text",
    "registered_on:date",
    "generation:bigint",
)
CONTACTS = _t(
    "employer_contacts",
    ["employer_id", "contact_id"],
    "employer_id:uuid",
    "contact_id:uuid",
    "agency_id:text",
    "contact_date:date",
)
NEEDS = _t(
    "needs",
    ["need_id"],
    "need_id:uuid",
    "employer_id:uuid",
    "agency_id:text",
    "sector:text",
    "contract_type:text",
    "positions:int",
    "published_on:date",
    "filled_on:date",
    "positions_filled:int",
    "closed_on:date",
    "closure_reason:text",
    "generation:bigint",
)
INTRODUCTIONS = _t(
    "introductions",
    ["introduction_id"],
    "introduction_id:uuid",
    "beneficiary_id:uuid",
    "need_id:uuid",
    "employer_id:uuid",
    "agency_id:text",
    "sector:text",
    "introduced_on:date",
    "outcome:text",
    "decided_on:date",
    "generation:bigint",
)
HIRES = _t(
    "hires",
    ["hire_id"],
    "hire_id:uuid",
    "introduction_id:uuid",
    "beneficiary_id:uuid",
    "need_id:uuid",
    "employer_id:uuid",
    "agency_id:text",
    "contract_type:text",
    "duration_months:float8",
    "weekly_hours:float8",
    "sector:text",
    "start_date:date",
    "ended_early_on:date",
    "generation:bigint",
)
CHECK_INS = _t(
    "hire_check_ins", ["hire_id", "month"], "hire_id:uuid", "month:int", "checked_on:date", "still_employed:boolean"
)
IMMERSIONS = _t(
    "immersions",
    ["immersion_id"],
    "immersion_id:uuid",
    "beneficiary_id:uuid",
    "agency_id:text",
    "host_kind:text",
    "sector:text",
    "start_date:date",
    "end_date:date",
    "days_of_presence:int",
    "renewed:boolean",
    "completed_on:date",
    "outcome:text",
    "generation:bigint",
)
BENEFICIARIES = _t(
    "beneficiaries",
    ["beneficiary_id"],
    "beneficiary_id:uuid",
    "agency_id:text",
    "commune_code:text",
    "age_band:text",
    "household_type:text",
    "orientation_date:date",
    "enrolled_on:date",
    "personal_data_erased:boolean",
    "generation:bigint",
)


def _employer_rows(e: Employer) -> tuple[Row, dict[str, list[Row]]]:
    row = (e.employer_id, e.agency_id, e.sector, e.size, e.social_economy, e.siae, e.commune_code, e.registered_on)
    return row, {CONTACTS.name: [(e.employer_id, c.contact_id, c.agency_id, c.contact_date) for c in e.contacts]}


def _employer(r, h) -> Employer:
    contacts = sorted(h.get(CONTACTS.name, ()), key=lambda x: (x["contact_date"], str(x["contact_id"])))
    return Employer(
        str(r["employer_id"]),
        r["agency_id"],
        r["sector"],
        r["size"],
        r["social_economy"],
        r["siae"],
        r["commune_code"],
        r["registered_on"],
        tuple(Contact(str(x["contact_id"]), x["agency_id"], x["contact_date"]) for x in contacts),
    )


def _hire_rows(x: Hire) -> tuple[Row, dict[str, list[Row]]]:
    row = (
        x.hire_id,
        x.introduction_id,
        x.beneficiary_id,
        x.need_id,
        x.employer_id,
        x.agency_id,
        x.contract_type,
        x.duration_months,
        x.weekly_hours,
        x.sector,
        x.start_date,
        x.ended_early_on,
    )
    return row, {CHECK_INS.name: [(x.hire_id, c.month, c.checked_on, c.still_employed) for c in x.check_ins]}


def _hire(r, h) -> Hire:
    return Hire(
        str(r["hire_id"]),
        str(r["introduction_id"]),
        str(r["beneficiary_id"]),
        _s(r["need_id"]),
        str(r["employer_id"]),
        r["agency_id"],
        r["contract_type"],
        r["duration_months"],
        r["weekly_hours"],
        r["sector"],
        r["start_date"],
        r["ended_early_on"],
        tuple(
            CheckIn(c["month"], c["checked_on"], c["still_employed"])
            for c in sorted(h.get(CHECK_INS.name, ()), key=lambda c: c["month"])
        ),
    )


def _flat(columns: Sequence[str], build: Callable[..., Any], ids: Sequence[str] = ()):
    """Mapping of a fact without history whose fields are its columns (ids converted to `str`)."""

    def to_rows(fact) -> tuple[Row, dict[str, list[Row]]]:
        return tuple(getattr(fact, c) for c in columns), {}

    def from_rows(r, _h):
        return build(**{c: (_s(r[c]) if c in ids else r[c]) for c in columns})

    return to_rows, from_rows


def _mapping(kind: type, table: Table, ids: Sequence[str]) -> Mapping_:
    columns = [c for c in table.names if c != "generation"]
    to_rows, from_rows = _flat(columns, kind, ids)
    return Mapping_(kind, table, (), to_rows, from_rows)


MAPPINGS: tuple[Mapping_, ...] = (
    Mapping_(
        Accompaniment,
        ACCOMPANIMENTS,
        tuple((t, "accompaniment_id") for t in (TRANSFERS, APPOINTMENTS, CONTRACTS, SUSPENSIONS, RENEWALS, BARRIERS)),
        _accompaniment_rows,
        _accompaniment,
    ),
    Mapping_(WorkshopSession, SESSIONS, ((PARTICIPANTS, "session_id"),), _session_rows, _session),
    Mapping_(Employer, EMPLOYERS, ((CONTACTS, "employer_id"),), _employer_rows, _employer),
    _mapping(Need, NEEDS, ("need_id", "employer_id")),
    _mapping(Introduction, INTRODUCTIONS, ("introduction_id", "beneficiary_id", "need_id", "employer_id")),
    Mapping_(Hire, HIRES, ((CHECK_INS, "hire_id"),), _hire_rows, _hire),
    _mapping(Immersion, IMMERSIONS, ("immersion_id", "beneficiary_id")),
    _mapping(Beneficiary, BENEFICIARIES, ("beneficiary_id",)),
)
MAPPING_OF: dict[type, Mapping_] = {m.kind: m for m in MAPPINGS}
STREAM_VERSIONS = _t("stream_versions", ["stream_id"], "stream_id:text", "version:int", "generation:bigint")
OFFSETS = _t("offsets", ["topic", "partition"], "topic:text", "partition:int", "next_offset:bigint")
TABLES: tuple[Table, ...] = (
    *(t for m in MAPPINGS for t in (m.table, *(h for h, _ in m.history))),
    STREAM_VERSIONS,
    OFFSETS,
)
