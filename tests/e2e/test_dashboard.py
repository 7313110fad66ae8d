"""The dashboard in a real headless browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.async_api import async_playwright

from tests.support import wait_until

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


async def _some_outcomes(platform) -> None:
    """Two people referred in La Courneuve, one leaves for a CDI."""
    async with platform.client("intake") as intake, platform.client("accompaniment") as accompaniment:
        for first in ("Samia", "Bruno"):
            response = await intake.post(
                "/referrals",
                json={
                    "first_name": first,
                    "last_name": "Lefebvre",
                    "birth_date": "1990-02-03",
                    "commune_code": "93027",
                    "orientation_date": (date.today() - timedelta(days=5)).isoformat(),
                },
            )
            assert response.status_code == 201, response.text

        async def both_open():
            found = (await accompaniment.get("/accompaniments", params={"agency_id": "ali-la-courneuve"})).json()
            return found if len(found) == 2 else None

        first, _ = await wait_until(both_open, timeout=60, message="two accompaniments")
        closed = await accompaniment.post(
            f"/accompaniments/{first['accompaniment_id']}/closure", json={"exit_category": "cdi"}
        )
        assert closed.status_code == 200, closed.text


async def test_the_dashboard_shows_the_figures_of_the_api_without_console_errors(platform):
    await _some_outcomes(platform)
    async with platform.client("reporting", role="department_staff") as reporting:

        async def one_exit():
            figures = (await reporting.get("/indicators")).json()
            return figures if figures["accompaniments"]["exits"] == 1 else None

        figures = await wait_until(one_exit, timeout=60, message="reporting to count the exit")
    token = platform.token("department_staff")
    errors: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1366, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(f"{platform.urls['reporting']}/dashboard#token={token}")
            await page.wait_for_selector("body[data-loaded=true]", timeout=20_000)
            cards = {
                await c.get_attribute("data-indicator"): await c.locator(".value").inner_text()
                for c in await page.locator(".card").all()
            }
            bars = await page.locator("#by-agency rect[data-agency]").evaluate_all(
                "els => els.map(e => e.dataset.agency)"
            )
            assert "ali-la-courneuve" in bars
            await page.emulate_media(media="print")
            assert not await page.locator("#filters").is_visible(), "the filters are not printed"
            assert "#token" not in page.url, "the token is taken out of the address bar"
        finally:
            await browser.close()
    a = figures["accompaniments"]
    assert cards["Sorties"] == str(a["exits"]) == "1"
    assert cards["File active"] == str(a["caseload"]) == "1"
    assert cards["Entrées"] == str(a["entries"]) == "2"
    assert cards["Taux de sorties positives"].replace("\u202f", " ") == "100.0 %"
    assert errors == []


async def test_the_dashboard_asks_for_a_token_and_refuses_a_bad_one(platform):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{platform.urls['reporting']}/dashboard")
            await page.wait_for_selector("#login:not([hidden])")
            await page.fill("#token", "not-a-token")
            await page.click("#login-form button")
            await page.wait_for_function("document.getElementById('status').textContent.includes('refusé')")
            assert await page.locator("#content").is_hidden()
        finally:
            await browser.close()
