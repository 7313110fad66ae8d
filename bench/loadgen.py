"""Constant-rate HTTP load with vegeta (Go, open model): latencies free of coordinated omission, error counts.

vegeta sends each request at its scheduled time whatever the earlier ones are doing (a new worker when all
are busy), so a slow answer delays nobody else's measurement. It is installed by `make bench` into
`.cache/bin` (`deploy/local/bench_tools.sh`: `go install` from the Go module proxy).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VEGETA = REPO / ".cache" / "bin" / "vegeta"


class LoadGeneratorMissing(RuntimeError):
    """vegeta is not installed."""


def vegeta() -> str:
    """Path of the vegeta binary (the project's, else one on PATH)."""
    if VEGETA.exists():
        return str(VEGETA)
    found = shutil.which("vegeta")
    if found:
        return found
    raise LoadGeneratorMissing("vegeta is missing: run `make bench` (or deploy/local/bench_tools.sh) to install it")


@dataclass(frozen=True)
class Target:
    """One request."""

    method: str
    url: str
    token: str | None = None
    body: dict | None = None

    def encode(self) -> str:
        header = {}
        if self.token:
            header["Authorization"] = [f"Bearer {self.token}"]
        target: dict = {"method": self.method, "url": self.url}
        if self.body is not None:
            header["Content-Type"] = ["application/json"]
            target["body"] = base64.b64encode(json.dumps(self.body).encode()).decode()
        target["header"] = header
        return json.dumps(target)


@dataclass(frozen=True)
class Report:
    """What one attack measured (latencies in milliseconds)."""

    requests: int
    rate: float
    p50: float
    p90: float
    p99: float
    max: float
    errors: int
    status_codes: dict[str, int]
    error_samples: list[str]
    results_file: Path

    def summary(self) -> str:
        codes = " ".join(f"{k}x{v}" for k, v in sorted(self.status_codes.items()))
        return (
            f"{self.requests} requests at {self.rate:.0f}/s: p50 {self.p50:.1f} ms, p90 {self.p90:.1f} ms, "
            f"p99 {self.p99:.1f} ms, max {self.max:.1f} ms; {self.errors} errors; status {codes}"
        )


def attack(
    targets: list[Target],
    rate: int,
    seconds: float,
    *,
    timeout: float = 10,
    keep_bodies: bool = False,
    workdir: Path | None = None,
) -> Report:
    """Send `rate` requests a second for `seconds`, cycling through `targets`, and report."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="bench-vegeta-"))
    workdir.mkdir(parents=True, exist_ok=True)
    targets_file = workdir / "targets.json"
    results_file = workdir / "results.bin"
    targets_file.write_text("\n".join(t.encode() for t in targets) + "\n")
    subprocess.run(
        [
            vegeta(),
            "attack",
            "-format=json",
            f"-targets={targets_file}",
            f"-rate={rate}/s",
            f"-duration={seconds}s",
            f"-timeout={timeout}s",
            f"-max-body={-1 if keep_bodies else 0}",
            "-http2=false",
            f"-output={results_file}",
        ],
        check=True,
        env={**os.environ, "GOMAXPROCS": "2"},
    )
    done = subprocess.run(
        [vegeta(), "report", "-type=json", str(results_file)], check=True, capture_output=True, text=True
    )
    report = json.loads(done.stdout)
    latencies = report["latencies"]
    codes = report.get("status_codes") or {}
    ok = sum(v for k, v in codes.items() if k.startswith("2"))
    return Report(
        requests=report["requests"],
        rate=report["rate"],
        p50=latencies["50th"] / 1e6,
        p90=latencies["90th"] / 1e6,
        p99=latencies["99th"] / 1e6,
        max=latencies["max"] / 1e6,
        errors=report["requests"] - ok,
        status_codes=codes,
        error_samples=(report.get("errors") or [])[:5],
        results_file=results_file,
    )


def results(report: Report) -> list[dict]:
    """Every result of an attack: timestamp (ns), latency (ns), code, body (bytes), error."""
    done = subprocess.run(
        [vegeta(), "encode", "--to", "json", str(report.results_file)], check=True, capture_output=True, text=True
    )
    out = []
    for line in done.stdout.splitlines():
        r = json.loads(line)
        out.append(
            {
                "sent_ns": _ns(r["timestamp"]),
                "latency_ns": r["latency"],
                "code": r["code"],
                "body": base64.b64decode(r.get("body") or ""),
                "error": r.get("error", ""),
            }
        )
    return out


def _ns(timestamp: str) -> int:
    """RFC 3339 with nanoseconds to Unix nanoseconds."""
    from datetime import datetime

    head, _, frac = timestamp.partition(".")
    zone = ""
    digits = frac
    for i, ch in enumerate(frac):
        if not ch.isdigit():
            digits, zone = frac[:i], frac[i:]
            break
    if not frac:
        head, zone = timestamp[:19], timestamp[19:]
    zone = "+00:00" if zone in ("Z", "") else zone
    seconds = datetime.fromisoformat(head + zone).timestamp()
    return int(seconds) * 1_000_000_000 + int((digits or "0").ljust(9, "0")[:9])
