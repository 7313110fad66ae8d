"""PMSMP limits: one renewal per immersion; presence per person and host capped over 12 rolling months."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.placement.domain.commands import AgreeImmersion, RegisterEmployer, RenewImmersion
from services.placement.domain.errors import ImmersionAlreadyRenewed, ImmersionPresenceLimit
from services.placement.domain.rules import Rules
from services.placement.service_layer import candidates as reactions
from services.placement.service_layer import employers, immersions
from shared.auth import Principal, Role
from tests.fakes.placement import placement_dependencies
from tests.unit.test_placement_handlers import _envelope, _profile

TODAY = date(2026, 6, 30)
CASEWORKER = Principal("cw-1", Role.CASEWORKER, "ali-la-courneuve")


async def _setting(rules: Rules | None = None):
    deps = placement_dependencies(rules)
    person = uuid.uuid4()
    await reactions.on_candidate_profile_updated(_envelope(_profile(person, uuid.uuid4()), 2), None, deps=deps)
    hosts = []
    for siret in ("73282932000074", "55208131766522"):
        registration = RegisterEmployer(
            siret=siret, name=f"Hôte {siret[:3]}", size="tpe", sector="I", commune_code="93027"
        )
        hosts.append((await employers.register_employer(registration, user=CASEWORKER, deps=deps, today=TODAY)).id)
    return deps, person, hosts


async def _agree(deps, person, host: uuid.UUID | str, start: date, end: date, days: int):
    """Agree an immersion with `host`: an employer (its id) or a training centre (its name)."""
    if isinstance(host, uuid.UUID):
        where: dict = {"host_kind": "employer", "employer_id": host}
    else:
        where = {"host_kind": "training_centre", "host_name": host}
    command = AgreeImmersion(beneficiary_id=person, start_date=start, end_date=end, days_of_presence=days, **where)
    return await immersions.agree_immersion(command, user=CASEWORKER, deps=deps, today=TODAY)


async def _renew(deps, immersion_id, start: date, end: date, days: int):
    command = RenewImmersion(start_date=start, end_date=end, days_of_presence=days)
    return await immersions.renew_immersion(immersion_id, command, user=CASEWORKER, deps=deps, today=TODAY)


async def test_presence_with_one_host_is_capped_over_12_rolling_months_whatever_the_number_of_immersions():
    deps, person, (host, other_host) = await _setting()
    first = await _agree(deps, person, host, date(2026, 1, 5), date(2026, 2, 13), 30)
    await _renew(deps, first.id, date(2026, 2, 16), date(2026, 3, 20), 20)
    with pytest.raises(ImmersionPresenceLimit) as refused:
        await _agree(deps, person, host, date(2026, 6, 1), date(2026, 6, 26), 15)
    message = str(refused.value)
    assert "already has 50 days of presence with this host" in message
    assert "would have 65, above the department's limit of 60 days with one host over 12 rolling months" in message
    assert "agree" not in message and "new immersion" not in message
    assert len(deps.immersions.rows) == 1, "nothing recorded"
    # Up to the limit with the same host; any length with another host.
    await _agree(deps, person, host, date(2026, 6, 1), date(2026, 6, 26), 10)
    await _agree(deps, person, other_host, date(2026, 6, 1), date(2026, 6, 26), 20)
    # Twelve months after the first periods, they no longer count.
    await _agree(deps, person, host, date(2027, 3, 22), date(2027, 4, 30), 30)


async def test_a_renewal_counts_towards_the_limit_which_is_a_department_setting():
    deps, person, (host, _) = await _setting(Rules(immersion_days_per_host=40))
    first = await _agree(deps, person, host, date(2026, 1, 5), date(2026, 2, 13), 30)
    with pytest.raises(ImmersionPresenceLimit, match="limit of 40 days"):
        await _renew(deps, first.id, date(2026, 2, 16), date(2026, 3, 20), 20)
    renewed = await _renew(deps, first.id, date(2026, 2, 16), date(2026, 3, 20), 10)
    assert renewed.days_of_presence == 40


async def test_an_immersion_is_renewed_once_and_the_refusal_names_the_renewal():
    deps, person, (host, _) = await _setting()
    first = await _agree(deps, person, host, date(2026, 1, 5), date(2026, 1, 16), 10)
    await _renew(deps, first.id, date(2026, 1, 19), date(2026, 1, 30), 10)
    with pytest.raises(ImmersionAlreadyRenewed) as refused:
        await _renew(deps, first.id, date(2026, 2, 2), date(2026, 2, 13), 10)
    message = str(refused.value)
    assert "déjà été renouvelée (du 2026-01-19 au 2026-01-30" in message and "ne se renouvelle qu'une fois" in message
    assert "agree" not in message and "new one" not in message


async def test_a_training_centre_is_the_same_host_whatever_the_case_and_spacing_of_its_name():
    deps, person, _ = await _setting()
    first = await _agree(deps, person, "AFPA Bobigny", date(2026, 1, 5), date(2026, 2, 13), 30)
    await _renew(deps, first.id, date(2026, 2, 16), date(2026, 3, 20), 25)
    with pytest.raises(ImmersionPresenceLimit, match="already has 55 days of presence with this host"):
        await _agree(deps, person, "  afpa   BOBIGNY ", date(2026, 6, 1), date(2026, 6, 26), 10)
    # Another centre is another host; the events carry a fingerprint of the name, never the name.
    other = await _agree(deps, person, "GRETA Montreuil", date(2026, 6, 1), date(2026, 6, 26), 10)
    assert first.host_index and other.host_index and first.host_index != other.host_index
    recorded = [e for e in deps.store.recorded if "host_index" in e.data]
    assert recorded and not any("AFPA" in str(e.data) or "GRETA" in str(e.data) for e in recorded)
