"""Cluster mode comes up and serves: three Kafka nodes, two processes of each service behind HAProxy.

The cluster runs in a data directory and on ports of its own (tests/faults.py), beside the suite's main stack, as
`ALI_KAFKA_BROKERS=3 ALI_REPLICAS=2 make up` runs it; it is removed at the end.
"""

from __future__ import annotations

import random
import string
from datetime import date, timedelta

import httpx
import pytest
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from shared.auth import Role, mint_token
from shared.kafka import make_admin
from shared.settings import PlatformSettings
from tests.faults import SERVICES, LocalStack
from tests.support import REPO, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cluster():
    stack = LocalStack(
        REPO / ".data" / "cluster-test",
        brokers=3,
        replicas=2,
        kafka_port=19092,
        postgres_port=55329,
        http_port=18001,
        haproxy_stats_port=18404,
    )
    with stack.running(keep_logs=REPO / ".data" / "logs" / "tests" / "cluster") as running:
        yield running


def _admin_settings(cluster: LocalStack) -> PlatformSettings:
    env = cluster.client_env()
    return PlatformSettings.of(
        "admin",
        secrets_dir=env["ALI_SECRETS_DIR"],
        kafka_bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"],
        kafka_ca_file=env["ALI_KAFKA_CA_FILE"],
    )


def _client(cluster: LocalStack, service: str) -> httpx.AsyncClient:
    private = (cluster.data_dir / "auth" / "private.pem").read_text()
    token = mint_token(private, subject="cluster-test", role=Role.ADMIN)
    return httpx.AsyncClient(base_url=cluster.url(service), headers={"Authorization": f"Bearer {token}"}, timeout=30)


async def _refer_and_see_the_accompaniment(cluster: LocalStack) -> None:
    name = "".join(random.choices(string.ascii_lowercase, k=10)).capitalize()
    body = {
        "first_name": name,
        "last_name": name[::-1].capitalize(),
        "birth_date": (date(1970, 1, 1) + timedelta(days=random.randint(0, 12000))).isoformat(),
        "commune_code": "93066",
        "orientation_date": (date.today() - timedelta(days=10)).isoformat(),
        "household_type": "single",
        "children": 0,
    }
    async with _client(cluster, "intake") as intake, _client(cluster, "accompaniment") as accompaniment:
        referred = await intake.post("/referrals", json=body)
        assert referred.status_code == 201, referred.text
        beneficiary_id = referred.json()["beneficiary_id"]

        async def opened():
            found = await accompaniment.get("/accompaniments", params={"beneficiary_id": beneficiary_id})
            return found.status_code == 200 and found.json()

        await wait_until(opened, timeout=90, message="the accompaniment, through HAProxy")


async def test_three_nodes_replicate_every_topic_three_times_with_two_in_sync(cluster):
    admin = make_admin(_admin_settings(cluster))
    await admin.start()
    try:
        cluster_info = await admin.describe_cluster()
        assert sorted(b["node_id"] for b in cluster_info["brokers"]) == [1, 2, 3]
        topics = [
            "ali.intake.events",
            "ali.accompaniment.events",
            "ali.placement.events",
            "ali.reporting.dlq",
            "__consumer_offsets",
        ]
        for described in await admin.describe_topics(topics):
            assert described["error_code"] == 0, described
            assert {len(p["replicas"]) for p in described["partitions"]} == {3}, described["topic"]
        configs = await admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, "1")])
        entries = {c[0]: c[1] for resource in configs[0].resources for c in resource[4]}
        assert entries["min.insync.replicas"] == "2"
        assert entries["default.replication.factor"] == "3"
    finally:
        await admin.close()


async def test_every_replica_is_ready_and_haproxy_sends_to_both(cluster):
    status = cluster.status()
    for service in SERVICES:
        for replica in (1, 2):
            assert f"{service}-{replica}" in status
            assert cluster.replica_pid(service, replica)
    every_replica_up = {f"{s}-{r}": "UP" for s in SERVICES for r in (1, 2)}
    seen: dict[str, str] = {}

    async def all_up() -> bool:
        # HAProxy's view: a check that failed once under load shows "UP 1/3" until the next one passes.
        async with httpx.AsyncClient(timeout=10) as client:
            stats = (await client.get(f"http://127.0.0.1:{cluster.haproxy_stats_port}/;csv")).text
        rows = [row.split(",") for row in stats.splitlines()]
        seen.clear()
        seen.update({row[1]: row[17] for row in rows if len(row) > 17 and row[1][-2:-1] == "-"})
        return seen == every_replica_up

    try:
        await wait_until(all_up, timeout=60, interval=1, message="HAProxy to see every replica UP")
    except AssertionError as e:
        raise AssertionError(f"{e}: {seen}") from None
    await _refer_and_see_the_accompaniment(cluster)


async def test_the_platform_serves_with_a_broker_down_and_a_replica_killed(cluster):
    cluster.kill_broker(2)
    try:
        await _refer_and_see_the_accompaniment(cluster)
    finally:
        cluster.start_broker(2)
    cluster.kill_replica("intake", 1)
    try:
        # HAProxy retries a refused connection on the other replica, then takes the dead one out.
        async with _client(cluster, "intake") as intake:
            answers = [(await intake.get("/agencies")).status_code for _ in range(10)]
        assert answers == [200] * 10
        await _refer_and_see_the_accompaniment(cluster)
    finally:
        cluster.start_replica("intake", 1)
