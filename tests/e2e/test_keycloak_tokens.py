"""The services verify Keycloak's tokens against the realm's keys and issuer, beside the local key of development."""

from __future__ import annotations

import os

import httpx
import pytest

from tests.keycloak_support import RealmForTests, sign_in, start_keycloak
from tests.platform_fixture import start_platform

pytestmark = pytest.mark.e2e

COURNEUVE, CLICHY = "ali-la-courneuve", "ali-clichy-sous-bois"


@pytest.fixture(scope="module")
def realms():
    """The realm the services trust, and another one of the same Keycloak that they do not."""
    admin = start_keycloak()
    trusted, other = RealmForTests.create(admin), RealmForTests.create(admin)
    trusted.add_user("camille", "caseworker", COURNEUVE)
    other.add_user("mallory", "admin")
    yield trusted, other
    if os.environ.get("ALI_KEEP_TEST_DATA") != "1":
        trusted.delete()
        other.delete()
    admin.close()


@pytest.fixture(scope="module")
async def platform(infra, tmp_path_factory, realms):
    """The services trusting the first realm, its JWKS found through the issuer's discovery document."""
    trusted, other = realms
    running = await start_platform(infra, tmp_path_factory.mktemp("keys"), auth_issuer=trusted.issuer)
    for realm in realms:
        realm.allow_dashboard(running.urls["reporting"])
    yield running
    running.stop()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_realm_token_carries_the_role_and_agency_the_services_scope_by(platform, realms):
    trusted, _ = realms
    token = sign_in(trusted, "camille", f"{platform.urls['reporting']}/dashboard")["access_token"]
    async with httpx.AsyncClient(headers=_bearer(token), timeout=30) as client:
        own = await client.get(f"{platform.urls['accompaniment']}/accompaniments", params={"agency_id": COURNEUVE})
        other = await client.get(f"{platform.urls['accompaniment']}/accompaniments", params={"agency_id": CLICHY})
        figures = await client.get(f"{platform.urls['reporting']}/indicators")
    assert own.status_code == 200, own.text
    assert other.status_code == 403, other.text
    assert figures.status_code == 200 and figures.json()["scope"] == COURNEUVE


async def test_the_local_key_is_still_trusted_in_development(platform):
    async with platform.client("intake", role="admin") as intake:
        assert (await intake.get("/agencies")).status_code == 200


async def test_a_token_of_another_realm_of_the_same_keycloak_is_refused(platform, realms):
    _, other = realms
    token = sign_in(other, "mallory", f"{platform.urls['reporting']}/dashboard")["access_token"]
    async with httpx.AsyncClient(headers=_bearer(token), timeout=30) as client:
        response = await client.get(f"{platform.urls['intake']}/agencies")
    assert response.status_code == 401
    assert "not trusted" in response.json()["detail"]


async def test_a_realm_token_altered_after_signing_is_refused(platform, realms):
    trusted, _ = realms
    token = sign_in(trusted, "camille", f"{platform.urls['reporting']}/dashboard")["access_token"]
    header, payload, signature = token.split(".")
    tampered = ".".join([header, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")])
    async with httpx.AsyncClient(headers=_bearer(tampered), timeout=30) as client:
        response = await client.get(f"{platform.urls['reporting']}/indicators")
    assert response.status_code == 401
