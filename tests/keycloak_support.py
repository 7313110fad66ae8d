"""The local stack's Keycloak for tests: a realm of their own per module, made from deploy/keycloak/ali-realm.json."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import secrets
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from deploy.local.keycloak_admin import DemoUser, KeycloakAdmin

REPO = Path(__file__).resolve().parent.parent
REALM_FILE = REPO / "deploy" / "keycloak" / "ali-realm.json"
CLIENT_ID = "ali-dashboard"


def keycloak_url() -> str:
    """Where the local stack's Keycloak answers (deploy/local/keycloak.sh)."""
    return f"http://127.0.0.1:{os.environ.get('KEYCLOAK_PORT', '8080')}"


def start_keycloak() -> KeycloakAdmin:
    """Start Keycloak if it is not running (never skips: a failure to start fails the test); its admin client."""
    result = subprocess.run([str(REPO / "deploy/local/keycloak.sh"), "start"], capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"could not start Keycloak:\n{result.stdout}\n{result.stderr}")
    password = (REPO / ".data" / "keycloak" / "admin.password").read_text().strip()
    return KeycloakAdmin(keycloak_url(), password)


@dataclass
class RealmForTests:
    """A copy of the platform's realm under a name of its own, with users whose passwords the test knows."""

    admin: KeycloakAdmin
    name: str
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        """The issuer of this realm's tokens."""
        return f"{keycloak_url()}/realms/{self.name}"

    @property
    def jwks_url(self) -> str:
        """The realm's signing keys."""
        return f"{self.issuer}/protocol/openid-connect/certs"

    @classmethod
    def create(cls, admin: KeycloakAdmin, **overrides: object) -> RealmForTests:
        """Import the committed realm under a fresh name (`overrides` change realm settings)."""
        representation = json.loads(REALM_FILE.read_text())
        representation.update(realm=f"t{uuid.uuid4().hex[:10]}", **overrides)
        admin.create_realm(representation)
        return cls(admin, representation["realm"])

    def allow_dashboard(self, origin: str) -> None:
        """Let the dashboard client sign people in from (and back to) a dashboard served at `origin`."""
        (client,) = self.admin.request("GET", f"/{self.name}/clients", params={"clientId": CLIENT_ID}).json()
        client.update(rootUrl=origin, redirectUris=[f"{origin}/dashboard*"], webOrigins=[origin])
        client["attributes"]["post.logout.redirect.uris"] = f"{origin}/dashboard*"
        self.admin.request("PUT", f"/{self.name}/clients/{client['id']}", json=client)

    def add_user(self, username: str, role: str, agency_id: str | None = None) -> str:
        """A user of the realm with a fresh password; the password."""
        password = secrets.token_urlsafe(12)
        self.admin.ensure_user(self.name, DemoUser(username, role, agency_id, "Test", username.title()), password)
        self.passwords[username] = password
        return password

    def delete(self) -> None:
        """Remove the realm."""
        self.admin.delete_realm(self.name)


def sign_in(realm: RealmForTests, username: str, redirect_uri: str) -> dict:
    """The tokens of an authorization code flow with PKCE, the login form filled as a browser would (no browser)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    endpoint = f"{realm.issuer}/protocol/openid-connect"
    with httpx.Client(timeout=30) as client:
        page = client.get(
            f"{endpoint}/auth",
            params={
                "client_id": CLIENT_ID,
                "response_type": "code",
                "scope": "openid",
                "redirect_uri": redirect_uri,
                "state": secrets.token_urlsafe(8),
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert page.status_code == 200, page.text[:300]
        action = html.unescape(re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1))
        # Keycloak's cookies are Secure; a browser sends them to 127.0.0.1 over HTTP, httpx's jar does not.
        cookies = "; ".join(f"{k}={v}" for k, v in page.cookies.items())
        login = client.post(
            action,
            data={"username": username, "password": realm.passwords[username]},
            headers={"Cookie": cookies},
        )
        assert login.status_code == 302, f"the login form was refused: {login.status_code}"
        code = parse_qs(urlsplit(login.headers["location"]).query)["code"][0]
        tokens = client.post(
            f"{endpoint}/token",
            data={
                "grant_type": "authorization_code",
                "client_id": CLIENT_ID,
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
        )
        assert tokens.status_code == 200, tokens.text
        return tokens.json()
