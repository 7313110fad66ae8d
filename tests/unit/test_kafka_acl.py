"""The platform's ACL table: in step with what each service consumes, and no more than each principal needs."""

from __future__ import annotations

import pytest

from services.accompaniment.bootstrap import build_runtime as accompaniment_runtime
from services.accompaniment.settings import AccompanimentSettings
from services.intake.bootstrap import build_runtime as intake_runtime
from services.intake.settings import IntakeSettings
from services.placement.bootstrap import build_runtime as placement_runtime
from services.placement.settings import PlacementSettings
from services.reporting.adapters.faust_app import CONTEXTS as REPORTING_CONTEXTS
from services.reporting.settings import ReportingSettings
from shared import kafka_acl
from shared.kafka_acl import bi_grants, desired_grants, service_grants


def _consumed(runtime) -> set[str]:
    return {context for spec in runtime.consumers for context in spec.contexts}


def test_the_table_consumes_what_each_service_bootstrap_consumes():
    assert set(kafka_acl.CONSUMES["intake"]) == _consumed(intake_runtime(IntakeSettings()))
    assert set(kafka_acl.CONSUMES["accompaniment"]) == _consumed(accompaniment_runtime(AccompanimentSettings()))
    assert set(kafka_acl.CONSUMES["placement"]) == _consumed(placement_runtime(PlacementSettings()))
    assert set(kafka_acl.CONSUMES["reporting"]) == set(REPORTING_CONTEXTS)


def test_reportings_faust_topics_and_group_fall_under_its_grants():
    settings = ReportingSettings(topic_suffix="t1")
    app_id = settings.group(f"reporting.v{settings.reporting_projection_version}")
    changelog = f"{app_id}-facts-changelog"
    grants = service_grants("reporting")
    assert any(g.resource == "topic" and changelog.startswith(g.name) and g.operation == "CREATE" for g in grants)
    assert any(g.resource == "group" and app_id.startswith(g.name) for g in grants)


@pytest.mark.parametrize("service", kafka_acl.SERVICES)
def test_a_service_writes_creates_and_joins_groups_only_under_its_own_prefix(service):
    for grant in service_grants(service):
        assert grant.principal == f"User:{service}" and grant.pattern == "prefixed"
        if grant.operation in ("WRITE", "CREATE") or grant.resource == "group":
            assert grant.name.startswith(f"ali.{service}."), grant
        else:
            owner = grant.name.split(".")[1]
            assert owner == service or owner in kafka_acl.CONSUMES[service], grant


def test_bi_reads_the_event_topics_in_bi_groups_and_nothing_else():
    grants = bi_grants()
    assert {g.operation for g in grants} == {"READ", "DESCRIBE"}
    topics = {g.name for g in grants if g.resource == "topic"}
    assert topics == {"ali.intake.events", "ali.accompaniment.events", "ali.placement.events"}
    assert {g.name for g in grants if g.resource == "group"} == {"bi."}
    for forbidden in ("ali.accompaniment.dlq", "ali.reporting.v1-facts-changelog", "ali.reporting.dlq"):
        assert not any(forbidden.startswith(t) for t in topics), forbidden


def test_the_admin_is_a_super_user_and_has_no_acl():
    assert "User:admin" in kafka_acl.SUPER_USERS
    assert not any(g.principal == "User:admin" for g in desired_grants())
