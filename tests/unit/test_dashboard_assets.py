"""What the dashboard and the identity provider's realm promise, checked on the committed files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shared.auth import AUDIENCE, Role
from shared.contracts import labels
from shared.contracts.accompaniment import BarrierCategory, WorkshopTheme
from shared.contracts.employment import ContractType
from shared.contracts.exits import ExitCategory, ExitGroup
from shared.contracts.placement import ImmersionOutcome
from shared.territory import AGENCIES

REPO = Path(__file__).resolve().parents[2]
CSS = (REPO / "services/reporting/static/dashboard.css").read_text()
REALM = json.loads((REPO / "deploy/keycloak/ali-realm.json").read_text())


@pytest.mark.parametrize(
    ("referential", "found"),
    [
        (ExitGroup, labels.EXIT_GROUPS),
        (ExitCategory, labels.EXIT_CATEGORIES),
        (BarrierCategory, labels.BARRIER_CATEGORIES),
        (WorkshopTheme, labels.WORKSHOP_THEMES),
        (ContractType, labels.CONTRACT_TYPES),
        (ImmersionOutcome, labels.IMMERSION_OUTCOMES),
        (Role, labels.ROLES),
    ],
)
def test_every_code_of_a_referential_has_a_french_label(referential, found):
    assert {m.value for m in referential} <= {str(k) for k in found}
    assert all(text and text[0].isupper() for text in found.values())


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


COLOURS = dict(re.findall(r"--([a-z]+): (#[0-9a-f]{6})", CSS))


def test_text_colours_reach_4_5_to_1_on_the_background():
    for name in ("ink", "muted", "accent", "focus", "alert"):
        assert _contrast(COLOURS[name], COLOURS["background"]) >= 4.5, name


def test_chart_colours_reach_3_to_1_on_the_background_as_graphics_must():
    for name in ("accent", "alert", "durable", "transition", "positive", "other", "identified", "lifted"):
        assert _contrast(COLOURS[name], COLOURS["background"]) >= 3, name


def test_stacked_exit_groups_differ_from_each_other():
    groups = ["durable", "transition", "positive", "other"]
    for i, a in enumerate(groups):
        for b in groups[i + 1 :]:
            assert COLOURS[a] != COLOURS[b]


def test_the_realm_has_the_four_roles_and_the_agencies_of_the_territory():
    assert {r["name"] for r in REALM["roles"]["realm"]} == {r.value for r in Role}
    profile = json.loads(
        REALM["components"]["org.keycloak.userprofile.UserProfileProvider"][0]["config"]["kc.user.profile.config"][0]
    )
    agency = next(a for a in profile["attributes"] if a["name"] == "agency_id")
    assert agency["validations"]["options"]["options"] == [a.id for a in AGENCIES]
    assert agency["permissions"]["edit"] == ["admin"], "people cannot move themselves to another agency"


def test_the_dashboard_client_is_public_with_pkce_and_puts_the_audience_and_agency_in_the_token():
    (client,) = REALM["clients"]
    assert client["publicClient"] and client["standardFlowEnabled"]
    assert not client["implicitFlowEnabled"] and not client["directAccessGrantsEnabled"]
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    mappers = {m["protocolMapper"]: m["config"] for m in client["protocolMappers"]}
    assert mappers["oidc-audience-mapper"]["included.custom.audience"] == AUDIENCE
    assert mappers["oidc-usermodel-attribute-mapper"]["claim.name"] == "agency_id"
    assert "roles" in client["defaultClientScopes"], "realm roles reach the token as realm_access.roles"


def test_compose_runs_the_keycloak_version_the_local_stack_fetches():
    pom = (REPO / "deploy/keycloak/pom.xml").read_text()
    version = re.search(r"<keycloak\.version>(.+)</keycloak\.version>", pom).group(1)
    compose = (REPO / "docker-compose.yml").read_text()
    assert f"image: quay.io/keycloak/keycloak:{version}\n" in compose
    assert "./deploy/keycloak/ali-realm.json:/opt/keycloak/data/import/ali-realm.json" in compose
