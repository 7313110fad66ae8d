"""Reporting's readiness and answers as replicas come and go: not ready while far behind the topics or without
Kafka, 503 `recovering` until the facts first caught up, then the same figures from every replica, even one
that cannot reach Kafka (the facts are in PostgreSQL)."""

from __future__ import annotations

import httpx
import pytest

from shared.auth import Role, generate_keys, mint_token
from shared.kafka import ensure_topics
from shared.settings import PlatformSettings
from tests.builders import as_recorded
from tests.support import ServiceProcess, free_port, publish, service_env, wait_until
from tests.unit.test_reporting_indicators import STREAMS, YEAR, interleave

pytestmark = pytest.mark.integration


async def _publish(settings: PlatformSettings) -> int:
    """The unit scenario's events, published as the relay would."""
    topics = {c: settings.topic(f"{c}.events") for c in ("intake", "accompaniment", "placement")}
    await ensure_topics(settings, topics.values())
    events = interleave(STREAMS, seed=9)
    recorded = [as_recorded(e) for e in events]
    for context, topic in topics.items():
        await publish(settings, topic, [e for e in recorded if e.source == f"/ali/{context}"])
    return len(events)


class Reporting:
    """A reporting process of this test."""

    def __init__(self, infra, run_id: str, public_key, tag: str, kafka: str | None = None, **settings: object) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = service_env(infra, run_id, auth_public_key_file=public_key, reporting_http_port=self.port, **settings)
        if kafka is not None:
            env["KAFKA_BOOTSTRAP_SERVERS"] = kafka
        self.process = ServiceProcess("reporting", "serve", env, f"{run_id}-{tag}")

    async def get(self, token: str, path: str, **params) -> httpx.Response | None:
        try:
            async with httpx.AsyncClient(timeout=5, headers={"Authorization": f"Bearer {token}"}) as client:
                return await client.get(f"{self.url}{path}", params=params)
        except httpx.TransportError:
            return None


async def test_readiness_follows_the_lag_and_kafka_and_every_replica_answers_the_same(infra, run_id, tmp_path):
    private, public = generate_keys(tmp_path)
    token = mint_token(private.read_text(), subject="t", role=Role.DEPARTMENT_STAFF)
    # The events of the three contexts, published by the harness (the admin principal) on this run's topics.
    settings = infra.settings("admin", topic_suffix=run_id)
    published = await _publish(settings)
    params = {"start": YEAR.start.isoformat(), "end": YEAR.end.isoformat(), "as_of": YEAR.as_of.isoformat()}
    api_only = Reporting(infra, run_id, public, "api", run_workers="false", reporting_max_lag=10)
    started = [api_only]
    try:

        async def behind():
            response = await api_only.get(token, "/health/ready")
            if response is None or response.status_code != 503:
                return None
            lag = response.json()["checks"]["lag"]
            return response.json() if lag["events_behind"] == published and not lag["ok"] else None

        await wait_until(behind, 90, message="the API-only replica to report itself far behind")
        answer = await api_only.get(token, "/indicators", **params)
        assert answer.status_code == 503 and answer.json()["state"] == "recovering", answer.text
        assert "building them from the topics" in answer.json()["detail"]

        worker = Reporting(infra, run_id, public, "worker", reporting_max_lag=10)
        started.append(worker)

        async def both_ready():
            codes = [getattr(await r.get(token, "/health/ready"), "status_code", None) for r in (api_only, worker)]
            return codes == [200, 200]

        await wait_until(both_ready, 90, message="both replicas to be ready once the worker caught up")
        figures = [(await r.get(token, "/indicators", **params)).json() for r in (api_only, worker)]
        assert figures[0] == figures[1] and figures[0]["accompaniments"]["entries"] == 7

        unreachable = f"127.0.0.1:{free_port()}"
        cut_off = Reporting(infra, run_id, public, "no-kafka", kafka=unreachable)
        started.append(cut_off)

        async def answers_without_kafka():
            response = await cut_off.get(token, "/indicators", **params)
            return response if response is not None and response.status_code == 200 else None

        answered = await wait_until(answers_without_kafka, 90, message="the replica without Kafka to answer")
        assert answered.json() == figures[0], "the facts come from PostgreSQL"
        ready = await cut_off.get(token, "/health/ready")
        assert ready.status_code == 503 and not ready.json()["checks"]["kafka"]["ok"]
    finally:
        for r in started:
            r.process.stop()
