"""The fault suite's load generator: what it counts as accepted, what it sends again, which answers it refuses."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx

from tests.load_generator import Answer, Barrier, LoadGenerator, unexplained


def _generator(handler) -> LoadGenerator:
    return LoadGenerator(
        intake_url="http://intake",
        accompaniment_url="http://accompaniment",
        reporting_url="http://reporting",
        token="t",
        rate=50,
        transport=httpx.MockTransport(handler),
    )


async def test_a_referral_of_unknown_outcome_is_sent_again_and_its_duplicate_counts_once():
    person = str(uuid.uuid4())
    bodies: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        if len(bodies) == 1:
            return httpx.Response(503, json={"code": "unavailable"})
        return httpx.Response(200, json={"beneficiary_id": person, "status": "duplicate"})

    load = _generator(handler)
    await load.refer(load.new_referral())
    assert load.tally.people == set() and len(load.uncertain) == 1
    await load.settle()
    assert load.tally.people == {person}
    assert bodies[0] == bodies[1], "the retry is the same referral"
    assert [a.status for a in load.answers] == [503, 200] and load.answers[1].retry
    await load.close()


async def test_a_barrier_already_recorded_on_a_retry_counts_once_and_a_refusal_not_at_all():
    answers = iter(
        [
            httpx.Response(502),
            httpx.Response(409, json={"code": "already_recorded"}),
            httpx.Response(409, json={"code": "concurrent_change"}),
            httpx.Response(201, json={}),
            httpx.Response(422, json={"code": "invalid_input"}),
        ]
    )
    load = _generator(lambda request: next(answers))
    first, second, third = (Barrier("a", str(uuid.uuid4()), "mobility") for _ in range(3))
    assert not await load.identify(first)
    await load.settle()
    assert load.tally.barriers == {first.barrier_id}
    assert not await load.identify(second)  # 409 concurrent change: sent again
    await load.settle()
    assert load.tally.barriers == {first.barrier_id, second.barrier_id}
    assert await load.identify(third)  # refused: known, nothing recorded
    assert load.tally.barriers == {first.barrier_id, second.barrier_id} and not load.uncertain
    await load.close()


async def test_the_run_keeps_its_rate_and_records_every_answer():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/referrals":
            return httpx.Response(201, json={"beneficiary_id": str(uuid.uuid4()), "status": "created"})
        return httpx.Response(200, json={})

    load = _generator(handler)
    stop = asyncio.Event()
    running = asyncio.create_task(load.run(stop))
    await asyncio.sleep(0.5)
    stop.set()
    await running
    assert 15 <= load.sent["referral"] <= 35, load.sent
    assert load.accepted["referral"] == load.sent["referral"] == len(load.tally.people)
    assert {a.kind for a in load.answers} == {"referral", "figures"}
    await load.close()


def test_a_500_a_timeout_or_a_502_outside_a_kill_is_never_a_right_answer():
    ok = [Answer("referral", s, 0.0, 1.0) for s in (200, 201, 409, 503)]
    in_flight_at_kill = Answer("referral", 502, 0.0, 1.0)
    dropped_at_kill = Answer("referral", None, 0.0, 1.0, "transport: RemoteProtocolError('Server disconnected')")
    later_502 = Answer("referral", 502, 2.0, 3.0)
    later_drop = Answer("referral", None, 2.0, 3.0, "transport: RemoteProtocolError('Server disconnected')")
    server_error = Answer("referral", 500, 0.0, 1.0)
    hang = Answer("referral", None, 0.0, 30.0, "timeout: ReadTimeout")
    refused = Answer("referral", 422, 0.0, 1.0)
    # Sent while the kill command ran (the process died at some instant of it), or just after it returned.
    during_the_command = Answer("referral", 502, 0.55, 1.5)
    after_the_command = Answer("referral", 502, 0.7, 1.5)
    answers = [
        *ok,
        in_flight_at_kill,
        dropped_at_kill,
        during_the_command,
        after_the_command,
        later_502,
        later_drop,
        server_error,
        hang,
        refused,
    ]
    expected = [after_the_command, later_502, later_drop, server_error, hang, refused]
    assert unexplained(answers, kills=[(0.5, 0.6)]) == expected
