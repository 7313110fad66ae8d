"""The dashboard in a real headless browser (Debian's Chromium driven by Playwright), signed in through Keycloak."""

from __future__ import annotations

import asyncio
import os
from contextlib import asynccontextmanager
from datetime import date, timedelta

import pytest
from playwright.async_api import async_playwright

from tests.e2e.accessibility import SEVERE, axe_violations, count_by_impact, describe
from tests.keycloak_support import RealmForTests, start_keycloak
from tests.platform_fixture import start_platform
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
COURNEUVE, CLICHY = "ali-la-courneuve", "ali-clichy-sous-bois"


@pytest.fixture(scope="module")
def realm():
    """A realm of this module, copied from the platform's; its access tokens last 75 s so that renewal shows."""
    admin = start_keycloak()
    test_realm = RealmForTests.create(admin, accessTokenLifespan=75)
    test_realm.add_user("camille", "caseworker", COURNEUVE)
    test_realm.add_user("claude", "department_staff")
    yield test_realm
    if os.environ.get("ALI_KEEP_TEST_DATA") != "1":
        test_realm.delete()
    admin.close()


@pytest.fixture(scope="module")
async def platform(infra, tmp_path_factory, realm):
    """The four services trusting the module's realm; the dashboard refreshes every 2 s."""
    running = await start_platform(
        infra,
        tmp_path_factory.mktemp("keys"),
        auth_issuer=realm.issuer,
        auth_jwks_url=realm.jwks_url,
        dashboard_refresh_seconds=2,
    )
    realm.allow_dashboard(running.urls["reporting"])
    await _outcomes(running)
    yield running
    running.stop()


async def _outcomes(platform) -> None:
    """Two people referred in La Courneuve (one leaves for a CDI), one in Clichy-sous-Bois."""
    orientation = (date.today() - timedelta(days=5)).isoformat()
    async with platform.client("intake") as intake, platform.client("accompaniment") as accompaniment:
        for first, commune in (("Samia", "93027"), ("Bruno", "93027"), ("Inès", "93014")):
            response = await intake.post(
                "/referrals",
                json={
                    "first_name": first,
                    "last_name": "Lefebvre",
                    "birth_date": "1990-02-03",
                    "commune_code": commune,
                    "orientation_date": orientation,
                },
            )
            assert response.status_code == 201, response.text

        async def both_open():
            found = (await accompaniment.get("/accompaniments", params={"agency_id": COURNEUVE})).json()
            return found if len(found) == 2 else None

        first, _ = await wait_until(both_open, timeout=60, message="two accompaniments")
        closed = await accompaniment.post(
            f"/accompaniments/{first['accompaniment_id']}/closure", json={"exit_category": "cdi"}
        )
        assert closed.status_code == 200, closed.text
    async with platform.client("reporting", role="department_staff") as reporting:

        async def counted():
            figures = (await reporting.get("/indicators")).json()["accompaniments"]
            return figures["exits"] == 1 and figures["entries"] == 3

        await wait_until(counted, timeout=60, message="reporting to count the entries and the exit")


@asynccontextmanager
async def browser_page(*, bypass_csp: bool = False):
    """A fresh browser page; console errors and page errors are collected in `page.errors`."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=bypass_csp)
            page = await context.new_page()
            page.errors = []
            page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: page.errors.append(str(e)))
            yield page
        finally:
            await browser.close()


async def sign_in(page, platform, realm, username: str) -> None:
    """Open the dashboard and sign in on Keycloak's login page, as a person would."""
    await page.goto(f"{platform.urls['reporting']}/dashboard")
    await page.get_by_role("button", name="Se connecter").click()
    await page.wait_for_selector("#username", timeout=30_000)
    assert page.url.startswith(realm.issuer), "the login page is Keycloak's"
    await page.fill("#username", username)
    await page.fill("#password", realm.passwords[username])
    await page.click("#kc-login")
    await page.wait_for_selector("body[data-loaded=true]", timeout=30_000)


async def cards(page) -> dict[str, str]:
    return {
        await c.get_attribute("data-indicator"): (await c.locator(".value").inner_text())
        .replace("\u202f", " ")
        .replace("\xa0", " ")
        for c in await page.locator(".card").all()
    }


async def test_a_caseworker_signs_in_through_keycloak_sees_only_their_agency_and_signs_out(platform, realm):
    async with browser_page() as page:
        await sign_in(page, platform, realm, "camille")
        assert "code=" not in page.url and "state=" not in page.url, "the code is taken out of the address bar"
        assert "ALI La Courneuve" in await page.inner_text("#who")
        assert "ALI La Courneuve" in await page.inner_text("#period")
        figures = await cards(page)
        assert figures["accompaniments.entries"] == "2", "the two people of La Courneuve, not the department's three"
        assert figures["accompaniments.exits"] == "1"
        options = await page.locator("#agency option").evaluate_all("os => os.map(o => o.value)")
        assert options == [COURNEUVE]
        bars = await page.locator("#by-agency rect[data-agency]").evaluate_all("els => els.map(e => e.dataset.agency)")
        assert bars == [COURNEUVE]
        rows = await page.locator("#by-agency tbody th").all_text_contents()
        assert rows == ["ALI La Courneuve"]

        await page.get_by_role("button", name="Se déconnecter").click()
        await page.wait_for_selector("#sign-in:not([hidden])", timeout=30_000)
        assert "déconnecté" in await page.inner_text("#sign-in-message")
        assert await page.locator("#content").is_hidden()
        stored = await page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('oidc.user'))")
        assert stored == [], "no token is left in the browser"
        await page.get_by_role("button", name="Se connecter").click()
        await page.wait_for_selector("#username", timeout=30_000)
        assert page.url.startswith(realm.issuer), "Keycloak's session ended too: it asks for the password again"
        assert page.errors == []


async def test_department_staff_see_the_figures_of_the_api_without_console_errors(platform, realm):
    async with platform.client("reporting", role="department_staff") as reporting:
        figures = (await reporting.get("/indicators")).json()
    async with browser_page() as page:
        await sign_in(page, platform, realm, "claude")
        shown = await cards(page)
        bars = await page.locator("#by-agency rect[data-agency]").evaluate_all("els => els.map(e => e.dataset.agency)")
        exits = await page.locator("#exits tbody tr").all_inner_texts()
        await page.emulate_media(media="print")
        assert not await page.locator("#filters").is_visible(), "the filters are not printed"
        assert page.errors == [], "no console error (the page's Content-Security-Policy included)"
    a = figures["accompaniments"]
    assert shown["accompaniments.exits"] == str(a["exits"]) == "1"
    assert shown["accompaniments.caseload"] == str(a["caseload"]) == "2"
    assert shown["accompaniments.entries"] == str(a["entries"]) == "3"
    assert shown["accompaniments.positive_exit_rate"] == "100,0 %"
    assert bars == [COURNEUVE]
    assert exits[0].split("\t")[:2] == ["CDI", "Emploi durable"], "codes are shown by their French labels"


async def test_the_access_token_is_renewed_with_the_refresh_token_before_it_expires(platform, realm):
    read_token = "JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage).find(k => k.startsWith('oidc.user'))))"
    async with browser_page() as page:
        await sign_in(page, platform, realm, "claude")
        first = await page.evaluate(f"{read_token}.access_token")
        # The realm's tokens last 75 s; the dashboard renews them 60 s before they expire.
        await page.wait_for_function(f"() => {read_token}.access_token !== {first!r}", timeout=60_000)
        await page.get_by_role("button", name="Afficher").click()
        await page.wait_for_function("() => document.getElementById('announcer').textContent.includes('affichés')")
        assert await page.locator("#notice").is_hidden()
        assert page.errors == []


async def test_the_dashboard_has_no_serious_or_critical_accessibility_violation(platform, realm):
    async with browser_page(bypass_csp=True) as page:  # axe-core is injected as an inline script
        await page.goto(f"{platform.urls['reporting']}/dashboard")
        await page.wait_for_selector("#sign-in:not([hidden])")
        signed_out = await axe_violations(page)
        await page.get_by_role("button", name="Se connecter").click()
        await page.wait_for_selector("#username", timeout=30_000)
        await page.fill("#username", "claude")
        await page.fill("#password", realm.passwords["claude"])
        await page.click("#kc-login")
        await page.wait_for_selector("body[data-loaded=true]", timeout=30_000)
        dashboard = await axe_violations(page)
        for summary in await page.locator("summary").all():
            await summary.click()
        tables_open = await axe_violations(page)
    for name, found in (("signed out", signed_out), ("dashboard", dashboard), ("data tables open", tables_open)):
        print(f"axe-core, {name}: {count_by_impact(found) or 'no violation'}")
        severe = [v for v in found if v["impact"] in SEVERE]
        assert severe == [], f"{name}:\n{describe(severe)}"


async def test_keyboard_alone_reaches_the_content_and_the_controls(platform, realm):
    async with browser_page() as page:
        await sign_in(page, platform, realm, "claude")
        await page.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
        await page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Aller au contenu")
        assert await skip.evaluate("el => el === document.activeElement"), "the first stop is the skip link"
        assert await skip.is_visible(), "the skip link shows when it has the focus"
        await page.keyboard.press("Enter")
        assert await page.evaluate("document.activeElement.id") == "contenu"
        order: list[str] = []
        while len(order) < 7:
            await page.keyboard.press("Tab")
            focused = await page.evaluate("document.activeElement.id || document.activeElement.tagName")
            if not order or order[-1] != focused:  # a date field takes one Tab per part (day, month, year)
                order.append(focused)
        assert order == ["agency", "start", "end", "BUTTON", "csv", "pause", "SUMMARY"], "filters, then the charts"
        outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("none", ""), "the focused control shows its focus"


async def test_the_automatic_refresh_can_be_paused_and_is_never_announced(platform, realm):
    async with browser_page() as page:
        await sign_in(page, platform, realm, "claude")
        await page.evaluate(
            """() => { window.announced = [];
                new MutationObserver(() => window.announced.push(document.getElementById('announcer').textContent))
                  .observe(document.getElementById('announcer'), {childList: true, characterData: true, subtree: true});
                window.updates = 0;
                new MutationObserver(() => window.updates++).observe(document.getElementById('updated'),
                  {childList: true, characterData: true, subtree: true}); }"""
        )
        await asyncio.sleep(6)  # three automatic refreshes at 2 s
        assert await page.evaluate("window.updates") >= 2, "the figures are refreshed automatically"
        assert await page.evaluate("window.announced.filter(t => t)") == [], "an automatic refresh says nothing"

        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url) if "/indicators" in r.url else None)
        await page.get_by_role("button", name="Suspendre l'actualisation automatique").click()
        assert await page.get_by_role("button", name="Suspendre").get_attribute("aria-pressed") == "true"
        await page.wait_for_function("() => window.announced.some(t => t.includes('suspendue'))")
        await asyncio.sleep(1)
        requests.clear()
        await asyncio.sleep(5)
        assert requests == [], "no refresh while paused"
        await page.get_by_role("button", name="Suspendre").click()
        await page.wait_for_function("() => window.announced.some(t => t.includes('reprise'))")
        await wait_until(lambda: _some(requests), timeout=10, message="the refresh to resume")
        assert page.errors == []


async def _some(items: list) -> bool:
    return bool(items)
