"""axe-core (from npm, `make install`) run inside a page driven by Playwright: the accessibility violations found."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SEVERE = ("serious", "critical")


async def axe_violations(page) -> list[dict]:
    """Every violation axe-core's default rules (WCAG 2.x A/AA and best practices) find on the page as it is."""
    if not AXE.exists():
        raise AssertionError(f"axe-core is not installed ({AXE}): run `make install`")
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def count_by_impact(violations: list[dict]) -> dict[str, int]:
    """Failing elements per impact (minor, moderate, serious, critical)."""
    counts: Counter = Counter()
    for v in violations:
        counts[v["impact"]] += len(v["nodes"])
    return dict(counts)


def describe(violations: list[dict]) -> str:
    """A readable list of violations for an assertion message."""
    return "\n".join(
        f"- {v['impact']}: {v['id']} ({len(v['nodes'])}) {v['help']}: "
        + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"]) for n in v["nodes"][:5])
        for v in violations
    )
