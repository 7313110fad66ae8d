"""Reporting's documented response models are the figures' own: computed figures validate against them, strictly."""

from __future__ import annotations

from datetime import date

from services.reporting.domain import definitions, indicators, projection
from services.reporting.entrypoints import api
from services.reporting.entrypoints.responses import (
    AgencyComparison,
    Definitions,
    Indicators,
    TrendSeries,
)
from shared.auth import Principal, Role
from tests.unit.test_reporting_indicators import AS_OF, STREAMS, YEAR, X, compute, interleave


def test_the_indicators_of_every_scope_match_their_model():
    figures = compute(YEAR)
    for scope in (None, X, "ali-agence-sans-faits"):
        Indicators.model_validate(figures.of(scope))


def test_the_comparison_of_agencies_matches_its_model():
    staff = Principal("dept-1", Role.DEPARTMENT_STAFF, None)
    comparison = AgencyComparison.model_validate(api._comparison(compute(YEAR), staff))
    assert comparison.agencies and comparison.department.exits >= sum(a.exits for a in comparison.agencies) > 0


def test_trends_match_their_model():
    snapshot = indicators.Snapshot.of(projection.fold_all(interleave(STREAMS, 1)))
    trends = indicators.trends(snapshot, AS_OF, 12, definitions.DEFAULT_HEADLINE_GROUPS)
    series = TrendSeries.model_validate({"scope": "department", "as_of": date(2025, 12, 31), "months": trends.of(None)})
    assert len(series.months) == 12


def test_definitions_match_their_model():
    body = Definitions.model_validate(api.definitions_body(definitions.DEFAULT_HEADLINE_GROUPS))
    assert len(body.definitions) == len(definitions.DEFINITIONS)
