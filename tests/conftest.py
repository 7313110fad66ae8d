"""Fixtures giving tests the real Kafka broker and PostgreSQL, with the platform's principals and roles.

The endpoints come from the environment (`KAFKA_BOOTSTRAP_SERVERS`, `DATABASE_URL`, `ALI_KAFKA_CA_FILE`,
`ALI_SECRETS_DIR`, as `source deploy/local/env.sh` exports them), else from the project's local stack, started here
(`deploy/local/stack.sh start`). Services started by the tests log in with their own Kafka principal and database
role, read from the secrets directory as in production; the harness itself (topic and schema clean-up, checks of
what was stored) uses the admin principal and the superuser. Tests that need the infrastructure never skip: if it
cannot be reached or started, they fail.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.settings import PlatformSettings, with_credentials

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Infrastructure:
    """Where the real broker and database are, and the credentials of every principal."""

    kafka_bootstrap_servers: str
    # The database endpoint, without credentials (each principal brings its own role).
    database_endpoint: str
    kafka_ca_file: Path
    secrets_dir: Path
    origin: str

    def settings(self, principal: str = "admin", **values: object) -> PlatformSettings:
        """Settings of a principal (`admin`, `bi`, a service) on this infrastructure."""
        return PlatformSettings.of(
            principal,
            secrets_dir=self.secrets_dir,
            kafka_bootstrap_servers=self.kafka_bootstrap_servers,
            kafka_ca_file=self.kafka_ca_file,
            database_url=self.database_endpoint,
            **values,
        )

    @property
    def kafka(self) -> PlatformSettings:
        """The admin principal (a super user), for the harness's own reads of the topics."""
        return self.settings("admin")

    def database_url_of(self, principal: str) -> str:
        """The database URL with a principal's role (`admin`: the superuser)."""
        return self.settings(principal).database_url

    @property
    def database_url(self) -> str:
        """The superuser's URL, for the harness's own checks and clean-up."""
        return self.database_url_of("admin")


def _remove_run_data(infra: Infrastructure) -> None:
    """A kept stack would otherwise gather every run's topics and schemas; ALI_KEEP_TEST_DATA=1 keeps them."""
    import asyncio

    from tests.support import RUN_IDS, remove_run_data

    if os.environ.get("ALI_KEEP_TEST_DATA") == "1":
        return
    asyncio.run(remove_run_data(infra, RUN_IDS))


def _from_environment(env: dict[str, str], origin: str) -> Infrastructure:
    secrets = Path(env["ALI_SECRETS_DIR"])
    return Infrastructure(
        kafka_bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"],
        database_endpoint=with_credentials(env["DATABASE_URL"], None, None),
        kafka_ca_file=Path(env.get("ALI_KAFKA_CA_FILE") or secrets / "tls" / "ca.pem"),
        secrets_dir=secrets,
        origin=origin,
    )


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    """The real Kafka and PostgreSQL for this test session."""
    wanted = ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "ALI_SECRETS_DIR")
    if all(os.environ.get(k) for k in wanted):
        infra = _from_environment(dict(os.environ), "environment")
    else:
        result = subprocess.run([str(REPO / "deploy/local/stack.sh"), "start"], capture_output=True, text=True)
        if result.returncode != 0:
            pytest.fail(f"could not start the local stack:\n{result.stdout}\n{result.stderr}", pytrace=False)
        exported = subprocess.run(
            [str(REPO / "deploy/local/env.sh")], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        env = {}
        for line in exported:
            key, _, value = line.removeprefix("export ").partition("=")
            env[key] = value.strip("'")
        infra = _from_environment(env, "local stack")
    yield infra
    _remove_run_data(infra)


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


def pytest_terminal_summary(terminalreporter) -> None:
    """The fault suite's line per fault (tests/e2e/test_faults.py), whatever the capture mode."""
    import sys

    lines = [
        line
        for name, module in list(sys.modules.items())
        if name.endswith("test_faults")
        for line in getattr(module, "SUMMARY", [])
    ]
    if lines:
        terminalreporter.write_sep("=", "faults under load: per fault, against the clients' tally")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test on a running platform gets, beside its traceback, what the platform said of itself then: each
    service's `/health/ready` (relay backlog and parked events, consumers' lag and dead letters, workers' restarts)
    and the warnings and errors of its log."""
    outcome = yield
    report = outcome.get_result()
    platform = item.funcargs.get("platform") if hasattr(item, "funcargs") else None
    if report.when != "call" or not report.failed or platform is None or not hasattr(platform, "processes"):
        return
    from tests.platform_fixture import platform_diagnostics

    report.sections.append(("platform at the failure", platform_diagnostics(platform)))
