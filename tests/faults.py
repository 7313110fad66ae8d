"""Fault injection on a local stack and platform: the tools of the fault tests.

A `LocalStack` is a stack of `deploy/local/stack.sh` and `deploy/local/platform.sh` in a data directory of its own,
on ports of its own, so that a fault test can run its own three-node cluster and replicated services beside the
suite's main stack:

    cluster = LocalStack(REPO / ".data" / "faults", brokers=3, replicas=2, kafka_port=19092, postgres_port=55329,
                         http_port=18001)
    cluster.start()                      # three Kafka nodes and PostgreSQL, healthy, roles and ACLs applied
    cluster.start_platform()             # two processes of each service behind HAProxy (ports 18001-18004)
    cluster.kill_broker(2)               # SIGKILL; start_broker(2) brings it back
    cluster.pause_broker(1); cluster.resume_broker(1)                  # SIGSTOP / SIGCONT
    cluster.restart_postgres()           # fast shutdown, then start
    cluster.kill_replica("reporting", 1); cluster.start_replica("reporting", 1)
    cluster.stop()                       # services, HAProxy, Kafka, PostgreSQL (data kept; remove() deletes it)

Every action goes through the scripts' own commands (`stack.sh node N start|stop|kill|pause|resume`,
`stack.sh postgres-restart`, `platform.sh kill|start-replica`), which people can run by hand too.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SERVICES = ("intake", "accompaniment", "placement", "reporting")


class FaultError(RuntimeError):
    """A stack or platform command failed."""


@dataclass(frozen=True)
class LocalStack:
    """A local stack (Kafka nodes, PostgreSQL) and its platform (replicated services, HAProxy) in one data dir."""

    data_dir: Path
    brokers: int = 3
    replicas: int = 2
    kafka_port: int = 9092
    postgres_port: int = 54329
    # The first service's port (intake); accompaniment, placement and reporting take the next three.
    http_port: int = 8001
    haproxy_stats_port: int = 8404

    def env(self) -> dict[str, str]:
        """The environment of the scripts and of the processes they start."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ALI_")}
        for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"):
            env.pop(name, None)
        env.update(
            ALI_DATA_DIR=str(self.data_dir),
            ALI_KAFKA_BROKERS=str(self.brokers),
            ALI_REPLICAS=str(self.replicas),
            ALI_KAFKA_PORT=str(self.kafka_port),
            ALI_POSTGRES_PORT=str(self.postgres_port),
            ALI_HAPROXY_STATS_PORT=str(self.haproxy_stats_port),
            # Sixteen processes and three Kafka nodes starting on two shared cores take longer than on a server.
            PLATFORM_START_TIMEOUT=os.environ.get("PLATFORM_START_TIMEOUT", "300"),
        )
        for offset, service in enumerate(SERVICES):
            env[f"ALI_{service.upper()}_HTTP_PORT"] = str(self.http_port + offset)
        return env

    def _run(self, script: str, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [str(REPO / "deploy/local" / script), *args],
            cwd=REPO,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise FaultError(f"{script} {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout + done.stderr

    # ------------------------------------------------------------------------------------------------ whole

    def start(self) -> None:
        """Kafka nodes and PostgreSQL, started and healthy, with the roles, credentials and ACLs applied."""
        self._run("stack.sh", "start")

    def start_platform(self) -> None:
        """Every replica of every service, ready, and HAProxy in front of them."""
        self._run("platform.sh", "start")

    @contextmanager
    def running(self, keep_logs: Path) -> Iterator[LocalStack]:
        """The stack and its platform started, then removed, the processes' logs kept in `keep_logs`; the status is
        printed when starting or the body fails."""
        try:
            self.start()
            self.start_platform()
            yield self
        except Exception:
            print(self.status())
            raise
        finally:
            self.remove(keep_logs=keep_logs)

    def status(self) -> str:
        """`stack.sh status` and `platform.sh status` (never raises)."""
        out = []
        for script in ("stack.sh", "platform.sh"):
            command = [str(REPO / "deploy/local" / script), "status"]
            done = subprocess.run(command, cwd=REPO, env=self.env(), capture_output=True, text=True)
            out.append(done.stdout + done.stderr)
        return "\n".join(out)

    def stop(self) -> None:
        """The services and HAProxy, then Kafka and PostgreSQL (data kept)."""
        try:
            self._run("platform.sh", "stop")
        finally:
            self._run("stack.sh", "stop")

    def remove(self, keep_logs: Path | None = None) -> None:
        """Stop everything and delete the data directory, its processes' logs copied to `keep_logs` first if given."""
        try:
            self.stop()
        finally:
            if keep_logs is not None and (self.data_dir / "logs").is_dir():
                shutil.rmtree(keep_logs, ignore_errors=True)
                shutil.copytree(self.data_dir / "logs", keep_logs, dirs_exist_ok=True)
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def client_env(self, principal: str | None = None) -> dict[str, str]:
        """Endpoints (and a principal's credentials) of this stack, as `deploy/local/env.sh` exports them."""
        out = self._run("env.sh", *([principal] if principal else []))
        values = {}
        for line in out.splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            values[key] = value.strip("'")
        return values

    def url(self, service: str) -> str:
        """The service's address (HAProxy's when replicated)."""
        return f"http://127.0.0.1:{self.http_port + SERVICES.index(service)}"

    # ------------------------------------------------------------------------------------------------ Kafka

    def broker_pid(self, node: int) -> int | None:
        """The pid of a Kafka node, or None when it is not running."""
        name = "kafka.pid" if self.brokers == 1 else f"kafka-{node}.pid"
        try:
            pid = int((self.data_dir / "run" / name).read_text().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def start_broker(self, node: int) -> None:
        """Start a node again and wait until it listens (it then catches up with the others by itself)."""
        self._run("stack.sh", "node", str(node), "start")

    def stop_broker(self, node: int) -> None:
        """A controlled shutdown (SIGTERM): partition leadership moves away first."""
        self._run("stack.sh", "node", str(node), "stop")

    def kill_broker(self, node: int) -> None:
        """SIGKILL, as a machine lost: no controlled shutdown."""
        self._run("stack.sh", "node", str(node), "kill")

    def pause_broker(self, node: int) -> None:
        """SIGSTOP: the node stops answering but keeps its connections (a frozen machine)."""
        self._run("stack.sh", "node", str(node), "pause")

    def resume_broker(self, node: int) -> None:
        """SIGCONT after `pause_broker`."""
        self._run("stack.sh", "node", str(node), "resume")

    # ------------------------------------------------------------------------------------------------ PostgreSQL

    def restart_postgres(self) -> None:
        """A fast shutdown (every client disconnected at once), then a start; returns once it accepts connections."""
        self._run("stack.sh", "postgres-restart")

    # ------------------------------------------------------------------------------------------------ services

    def replica_pid(self, service: str, replica: int) -> int | None:
        """The pid of one process of a service, or None when it is not running."""
        name = f"{service}.pid" if self.replicas == 1 else f"{service}-{replica}.pid"
        try:
            pid = int((self.data_dir / "run" / name).read_text().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def kill_replica(self, service: str, replica: int, sig: signal.Signals = signal.SIGKILL) -> None:
        """Signal one process of a service (SIGKILL by default: no graceful shutdown)."""
        self._run("platform.sh", "kill", service, str(replica), sig.name)

    def start_replica(self, service: str, replica: int) -> None:
        """Start that process again and wait until it is ready (HAProxy takes it back after two good checks)."""
        self._run("platform.sh", "start-replica", service, str(replica))
