"""The benchmark harness's own logic: lines and goals, the lag's ranking, vegeta timestamps, profile summaries.

No figure is measured here (speed belongs to `make bench`); these check that the harness computes what it says.
"""

from __future__ import annotations

import math

from aiokafka.partitioner import DefaultPartitioner

from bench import lag, loadgen
from bench.profiling import top_functions
from bench.results import Goal, Line


def test_a_line_has_the_documented_form_and_its_ratio_is_project_over_anchor():
    line = Line("appends-single-vs-eventsourcing", 440, 730, "events/s", Goal.ratio(">=", 2))
    assert line.text() == (
        "bench appends-single-vs-eventsourcing: project 440 events/s, anchor 730 events/s, ratio 0.603 (goal >= 2)"
    )
    assert line.met() is False
    assert Line("x", 1500, 700, "events/s", Goal.ratio(">=", 2)).met() is True


def test_a_goal_with_a_unit_judges_the_project_figure_and_none_judges_nothing():
    fast = Line("api-worklists-200-p99", 12.5, 3.1, "ms", Goal.project("<=", 50, "ms"))
    slow = Line("api-worklists-200-p99", 323.4, 3.1, "ms", Goal.project("<=", 50, "ms"))
    assert fast.met() is True and slow.met() is False
    assert fast.text().endswith("(goal <= 50 ms)")
    reported = Line("appends-single-vs-copy", 440, 70_000, "events/s", Goal.none())
    assert reported.met() is None and reported.text().endswith("(goal none)")


def test_zero_failures_meet_a_zero_goal_and_a_ratio_over_zero_is_not_a_number():
    line = Line("api-indicators-500-failed", 0, 0, "requests", Goal.project("<=", 0, "requests"))
    assert line.met() is True
    assert line.text() == (
        "bench api-indicators-500-failed: project 0 requests, anchor 0 requests, ratio n/a (goal <= 0 requests)"
    )
    assert Line("x", 3, 0, "requests", Goal.project("<=", 0, "requests")).met() is False


def test_an_unseen_command_makes_an_infinite_lag_that_misses_the_goal():
    line = Line("lag-p95", math.inf, 0.2, "s", Goal.project("<=", 1, "s"))
    assert line.met() is False


def test_lag_ranks_each_theme_by_offset_and_takes_the_first_poll_showing_the_rank():
    sessions = {"a": "budget", "b": "budget", "c": "mobility", "d": "mobility"}
    second = 1_000_000_000
    answered = {"a": 10 * second, "b": 11 * second, "c": 10 * second}  # d was refused
    on_topic = {"a": (10 * second + 1, 0, 7), "b": (11 * second + 1, 0, 5), "c": (12 * second, 3, 1)}
    polls = [
        (11 * second, {"budget": 0, "mobility": 0}),
        (12 * second, {"budget": 1, "mobility": 0}),  # offset 5 ("b") is folded first
        (15 * second, {"budget": 2, "mobility": 1}),
    ]
    lags, topic_lags, spread = lag._lags(sessions, answered, on_topic, polls)
    by_session = dict(zip(sessions, lags, strict=True))
    assert by_session["b"] == 1.0  # answered at 11 s, rank 1 of budget shown at 12 s
    assert by_session["a"] == 5.0  # rank 2 of budget first shown at 15 s
    assert by_session["c"] == 5.0
    assert math.isinf(by_session["d"])
    assert dict(zip(sessions, topic_lags, strict=True))["c"] == 2.0
    assert spread == {}


def test_lag_flags_a_theme_spread_over_partitions():
    sessions = {"a": "budget", "b": "budget"}
    on_topic = {"a": (1, 0, 1), "b": (2, 1, 1)}
    _, _, spread = lag._lags(sessions, {"a": 0, "b": 0}, on_topic, [(3, {"budget": 2})])
    assert spread == {"budget": [0, 1]}


def test_session_ids_land_on_the_partition_kafkas_default_partitioner_picks():
    partitioner = DefaultPartitioner()
    for partition in range(6):
        key = lag._session_id(partition, 6)
        assert partitioner(key.encode(), list(range(6)), list(range(6))) == partition


def test_vegeta_timestamps_keep_their_nanoseconds_and_zone():
    assert loadgen._ns("2026-11-30T23:49:31.123456789Z") == 1_796_082_571_123_456_789
    assert loadgen._ns("2026-12-01T00:49:31.5+01:00") == 1_796_082_571_500_000_000
    assert loadgen._ns("2026-11-30T23:49:31Z") == 1_796_082_571_000_000_000


def test_profile_summary_counts_own_time_and_time_with_callees(tmp_path):
    raw = tmp_path / "p.txt"
    raw.write_text(
        "main (app.py:1);handle (app.py:10);fold (projection.py:5) 30\n"
        "main (app.py:1);handle (app.py:12);validate (envelope.py:9) 60\n"
        "main (app.py:1);idle (app.py:20) 10\n"
        "run (threading.py:10);Condition.wait (threading.py:320) 500\n"
    )
    total, own, inclusive = top_functions(raw)
    assert total == 100  # the Condition.wait samples are an idle thread, not time spent
    assert own[0] == ("validate (envelope.py)", 60)
    assert dict(inclusive)["handle (app.py)"] == 90
    assert dict(inclusive)["main (app.py)"] == 100
    assert "Condition.wait (threading.py)" not in dict(own)


def test_the_department_anchor_has_as_many_requests_in_flight_as_the_simulations_client():
    from bench.department import in_flight

    assert in_flight({"concurrency": 24, "batch": 1, "connections": 4}) == 24, "one request per person at once"
    assert in_flight({"concurrency": 400, "batch": 50, "connections": 4}) == 16, "4 connections to each of 4 services"
    assert in_flight({"concurrency": 8, "batch": 50, "connections": 4}) == 8


async def test_the_bare_app_answers_a_batch_with_one_sub_response_per_request():
    import httpx

    from bench.bare_app import build_app

    requests = [{"id": str(n), "method": "POST", "url": f"/things/{n}", "body": {"n": n}} for n in range(3)]
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://bare") as client:
        answer = await client.post("/batch", json={"requests": requests})
    assert answer.status_code == 200
    assert answer.json()["responses"] == [{"id": str(n), "status": 201, "body": {"n": n}} for n in range(3)]
