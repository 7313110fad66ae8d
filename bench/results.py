"""One benchmark figure beside its anchor, printed as one line, and whether its goal is met.

    bench <name>: project <x> <unit>, anchor <y> <unit>, ratio <r> (goal <op> <g>)

`ratio` is always project / anchor. A goal with a unit (`goal <= 50 ms`) applies to the project's figure; a goal
without a unit (`goal >= 2`) applies to the ratio; `goal none` marks a figure that is reported only.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

_OPS = {">=": operator.ge, "<=": operator.le}


@dataclass(frozen=True)
class Goal:
    """What the figure must reach: `op` and `value`, on the ratio (no unit) or on the project figure (a unit)."""

    op: str | None = None
    value: float | None = None
    unit: str | None = None

    @classmethod
    def ratio(cls, op: str, value: float) -> Goal:
        """A goal on project / anchor."""
        return cls(op, value, None)

    @classmethod
    def project(cls, op: str, value: float, unit: str) -> Goal:
        """A goal on the project's own figure."""
        return cls(op, value, unit)

    @classmethod
    def none(cls) -> Goal:
        """Reported only."""
        return cls()

    def text(self) -> str:
        if self.op is None:
            return "goal none"
        unit = f" {self.unit}" if self.unit else ""
        return f"goal {self.op} {_num(self.value)}{unit}"


@dataclass(frozen=True)
class Line:
    """One measured path beside its anchor."""

    name: str
    project: float
    anchor: float
    unit: str
    goal: Goal

    @property
    def ratio(self) -> float:
        if self.anchor == 0:
            return math.nan if self.project == 0 else math.inf
        return self.project / self.anchor

    def met(self) -> bool | None:
        """True or False against the goal; None when reported only."""
        if self.goal.op is None:
            return None
        value = self.project if self.goal.unit else self.ratio
        if math.isnan(value):
            return False
        return _OPS[self.goal.op](value, self.goal.value)

    def text(self) -> str:
        ratio = "n/a" if math.isnan(self.ratio) or math.isinf(self.ratio) else _num(self.ratio, ratio=True)
        return (
            f"bench {self.name}: project {_num(self.project)} {self.unit}, anchor {_num(self.anchor)} {self.unit}, "
            f"ratio {ratio} ({self.goal.text()})"
        )


def _num(value: float | None, ratio: bool = False) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf"
    if ratio:
        return f"{value:.3g}" if value < 100 else f"{value:.0f}"
    if value == int(value):
        return str(int(value))
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"
