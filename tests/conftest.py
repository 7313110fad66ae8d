"""Fixtures giving tests the real Kafka broker and PostgreSQL.

Order of preference: `KAFKA_BOOTSTRAP_SERVERS` / `DATABASE_URL` from the environment; else testcontainers
when a Docker engine answers; else the project's local stack (`deploy/local/stack.sh start`). Tests that
need the infrastructure never skip: if none of the three works, they fail.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Infrastructure:
    """Where the real broker and database are."""

    kafka_bootstrap_servers: str
    database_url: str
    origin: str


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means "no usable Docker engine"
        return False


@contextmanager
def _kafka_container() -> Iterator[str]:
    """The same Kafka as the local stack (apache/kafka, KRaft, one node) in a container; its bootstrap address."""
    import socket

    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = {
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_LISTENERS": "PLAINTEXT://:9092,CONTROLLER://:9093",
        # Clients outside the container reach the broker through the published port.
        "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://127.0.0.1:{port}",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
        "KAFKA_NUM_PARTITIONS": "6",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false",
    }
    container = DockerContainer("apache/kafka:4.1.1").with_bind_ports(9092, port)
    for key, value in settings.items():
        container = container.with_env(key, value)
    with container:
        wait_for_logs(container, "Kafka Server started", timeout=120)
        yield f"127.0.0.1:{port}"


def _remove_run_data(kafka: str, database: str) -> None:
    """A kept stack would otherwise gather every run's topics and schemas; ALI_KEEP_TEST_DATA=1 keeps them."""
    import asyncio

    from tests.support import RUN_IDS, remove_run_data

    if os.environ.get("ALI_KEEP_TEST_DATA") == "1":
        return
    asyncio.run(remove_run_data(kafka, database, RUN_IDS))


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    """The real Kafka and PostgreSQL for this test session."""
    kafka, database = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("DATABASE_URL")
    if kafka and database:
        yield Infrastructure(kafka, database, "environment")
        _remove_run_data(kafka, database)
        return
    if _docker_answers():
        from testcontainers.community.postgres import PostgresContainer

        with _kafka_container() as bootstrap, PostgresContainer("postgres:15", driver=None) as pg:
            yield Infrastructure(bootstrap, pg.get_connection_url(), "testcontainers")
        return
    result = subprocess.run([str(REPO / "deploy/local/stack.sh"), "start"], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"could not start the local stack:\n{result.stdout}\n{result.stderr}", pytrace=False)
    env = dict(
        line.removeprefix("export ").split("=", 1)
        for line in subprocess.run(
            [str(REPO / "deploy/local/env.sh")], capture_output=True, text=True, check=True
        ).stdout.split()
        if "=" in line
    )
    yield Infrastructure(env["KAFKA_BOOTSTRAP_SERVERS"], env["DATABASE_URL"], "local stack")
    _remove_run_data(env["KAFKA_BOOTSTRAP_SERVERS"], env["DATABASE_URL"])


@pytest.fixture
def run_id() -> str:
    """A fresh id isolating a test's topics, schemas and groups from every other run."""
    from tests.support import RUN_IDS

    run = f"t{uuid.uuid4().hex[:10]}"
    RUN_IDS.add(run)
    return run


@pytest.fixture(scope="module")
async def platform(infra, tmp_path_factory):
    """The four services running as processes, for the tests of one module."""
    from tests.platform_fixture import start_platform

    running = await start_platform(infra, tmp_path_factory.mktemp("keys"))
    yield running
    running.stop()
