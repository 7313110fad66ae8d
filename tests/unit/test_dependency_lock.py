"""The lock files pin every dependency of pyproject.toml within its declared range (else: run `make lock`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def _pins(path: Path) -> dict[str, Version]:
    return {canonicalize_name(name): Version(version) for name, version in PIN.findall(path.read_text())}


def _declared() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = [Requirement(r) for r in project["dependencies"]]
    return runtime, runtime + [Requirement(r) for r in project["optional-dependencies"]["test"]]


def _problems(requirements: list[Requirement], pins: dict[str, Version]) -> list[str]:
    problems = []
    for requirement in requirements:
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement.name} is not in the lock")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement.name} is locked at {pinned}, outside {requirement.specifier}")
    return problems


def test_the_lock_of_the_test_environment_pins_every_declared_dependency_within_its_range():
    _, everything = _declared()
    assert _problems(everything, _pins(ROOT / "requirements/test.txt")) == [], "run `make lock`"


def test_the_lock_of_the_services_pins_their_dependencies_at_the_tested_versions():
    runtime, _ = _declared()
    base, tested = _pins(ROOT / "requirements/base.txt"), _pins(ROOT / "requirements/test.txt")
    assert _problems(runtime, base) == [], "run `make lock`"
    assert {name: version for name, version in base.items() if tested.get(name) != version} == {}


def test_a_dependency_missing_from_the_lock_or_outside_its_range_is_reported():
    pins = {"fastapi": Version("0.100.0")}
    assert _problems([Requirement("fastapi>=0.115"), Requirement("alembic>=1.13")], pins) == [
        "fastapi is locked at 0.100.0, outside >=0.115",
        "alembic is not in the lock",
    ]
