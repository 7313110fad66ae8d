"""The import command line, in-process against the real PostgreSQL, through the same handlers as the HTTP route."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from tests.support import REPO, service_env

pytestmark = pytest.mark.integration

SAMPLE = REPO / "services/intake/examples/referrals-sample.csv"


def _import(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "services.intake", "import", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_the_import_command_prints_a_summary_and_writes_the_report(infra, run_id, tmp_path: Path):
    env = service_env(infra, run_id)
    report_path = tmp_path / "report.json"
    first = _import(env, str(SAMPLE), "--report", str(report_path), "--source", "department_import")
    second = _import(env, str(SAMPLE))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    refused = _import(env, str(empty))
    conn = await asyncpg.connect(infra.database_url)
    try:
        events = await conn.fetchval(f"SELECT count(*) FROM {run_id}_intake.events")
        await conn.execute(f"DROP SCHEMA {run_id}_intake CASCADE")
    finally:
        await conn.close()
    assert first.returncode == 0, first.stderr
    report = json.loads(report_path.read_text())
    assert (report["total"], report["created"], report["duplicates"], report["rejected"]) == (12, 6, 1, 5)
    assert "Lignes rejetées" in first.stdout and "« 31/02/1990 » n'est pas une date valide" in first.stdout
    counts = r"│\s+12\s+│\s+0\s+│\s+7\s+│\s+0\s+│\s+5\s+│"
    assert second.returncode == 0 and re.search(counts, second.stdout), second.stdout
    assert refused.returncode == 2 and "vide" in refused.stderr
    assert events == 6
