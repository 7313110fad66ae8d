from __future__ import annotations

from types import SimpleNamespace

from services.reporting.bootstrap import ReportingRuntime
from services.reporting.settings import ReportingSettings


def test_figures_are_recomputed_only_when_the_projection_changed():
    runtime = ReportingRuntime(ReportingSettings())
    runtime.streams = SimpleNamespace(changes=0)
    calls = []

    def compute() -> dict:
        calls.append(1)
        return {"n": len(calls)}

    assert runtime.memo(("k",), compute) == {"n": 1}
    assert runtime.memo(("k",), compute) == {"n": 1}, "same state of the projection: the cached figures"
    runtime.streams.changes = 3
    assert runtime.memo(("k",), compute) == {"n": 2}, "a new event changed rows: computed again"
    assert runtime.memo(("other",), compute) == {"n": 3}, "another query has its own entry"
