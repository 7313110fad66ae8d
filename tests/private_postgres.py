"""A PostgreSQL server of a test's own (same binaries as the stack), for tests that restart or stop it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.support import free_port

REPO = Path(__file__).resolve().parent.parent


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise AssertionError("no PostgreSQL server binaries under /usr/lib/postgresql (run `make install`)")
    return found[-1].parent


class PrivatePostgres:
    """initdb, start, restart (fast shutdown) and remove a throw-away cluster on a free port."""

    def __init__(self, name: str) -> None:
        self.bin = _pg_bin()
        # Under .data/ (reachable by the `postgres` OS user, as the stack's own cluster is), not under /tmp/pytest-*.
        self.root = REPO / ".data" / "test-postgres" / name
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.url = f"postgresql://ali@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(a) for a in args]
        if os.geteuid() == 0:  # postgres refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            tail = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}\n{tail}")

    def start(self) -> PrivatePostgres:
        """Create the cluster (trusting local TCP logins: a test server on loopback) and start it."""
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root.parent, 0o755)
        os.chmod(self.root, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run(self.bin / "initdb", "-D", self.data, "-U", "ali", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=100"
        self._run(self.bin / "pg_ctl", "start", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60")
        return self

    def url_of(self, role: str) -> str:
        """The URL of this server as another role (logins are trusted: no password is checked)."""
        return self.url.replace("postgresql://ali@", f"postgresql://{role}@", 1)

    def add_service_role(self, role: str) -> str:
        """A service's login role, which may create its schemas, as on the stack (deploy/local/roles.sql); its URL."""
        self._run(
            self.bin / "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "ali", "-d", "postgres",
            "-v", "ON_ERROR_STOP=1",
            "-c", f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE',
            "-c", f'GRANT CONNECT, TEMPORARY, CREATE ON DATABASE postgres TO "{role}"',
        )  # fmt: skip
        return self.url_of(role)

    def restart_fast(self) -> None:
        """`pg_ctl restart -m fast`: clients are disconnected, open transactions rolled back."""
        # With -l the new server writes to its log, not to pg_ctl's output (which would hold our pipe open).
        self._run(self.bin / "pg_ctl", "restart", "-D", self.data, "-l", self.log, "-m", "fast", "-w", "-t", "60")

    def remove(self) -> None:
        """Stop it at once and delete its files."""
        try:
            self._run(self.bin / "pg_ctl", "stop", "-D", self.data, "-m", "immediate", "-w", "-t", "30")
        except AssertionError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)
