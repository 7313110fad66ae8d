"""Keycloak's admin REST API for the local stack: the demo users of the platform's realm, and realms for tests.

    python -m deploy.local.keycloak_admin demo-users     # create or update the demo users, print them

Passwords are generated once, kept in `.data/keycloak/demo-users.json` (mode 0600, never committed) and set again
at every run, so `make up` prints the same ones until `make clean`.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import httpx

DEFAULT_URL = "http://127.0.0.1:8080"
REALM = "ali"
STATE_DIR = Path(".data/keycloak")


@dataclass(frozen=True)
class DemoUser:
    """A person of the simulated department who can sign in."""

    username: str
    role: str
    agency_id: str | None
    first_name: str
    last_name: str


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("conseillere.courneuve", "caseworker", "ali-la-courneuve", "Camille", "Conseillère"),
    DemoUser("responsable.courneuve", "agency_manager", "ali-la-courneuve", "Dominique", "Responsable"),
    DemoUser("conseiller.clichy", "caseworker", "ali-clichy-sous-bois", "Sacha", "Conseiller"),
    DemoUser("responsable.clichy", "agency_manager", "ali-clichy-sous-bois", "Alix", "Responsable"),
    DemoUser("departement", "department_staff", None, "Claude", "Département"),
    DemoUser("admin.ali", "admin", None, "Morgan", "Administrateur"),
)


class KeycloakAdminError(RuntimeError):
    """Keycloak refused an admin request; the message says which and why."""


class KeycloakAdmin:
    """A client of the admin REST API, signed in as the master realm's administrator."""

    def __init__(self, base_url: str, password: str, username: str = "admin", timeout: float = 120) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = {"username": username, "password": password}
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)
        self._token: str | None = None

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def __enter__(self) -> KeycloakAdmin:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _sign_in(self) -> str:
        response = self._http.post(
            "/realms/master/protocol/openid-connect/token",
            data={"grant_type": "password", "client_id": "admin-cli", **self._credentials},
        )
        if response.status_code != 200:
            raise KeycloakAdminError(
                f"Keycloak refused the administrator's sign-in ({response.status_code} {response.text[:200]})"
            )
        return response.json()["access_token"]

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        """An admin API call (`path` under /admin/realms); raises KeycloakAdminError on a 4xx/5xx answer."""
        if self._token is None:
            self._token = self._sign_in()
        response = self._http.request(
            method, f"/admin/realms{path}", headers={"Authorization": f"Bearer {self._token}"}, **kwargs
        )
        if response.status_code == 401:  # the admin token expired: sign in again once
            self._token = self._sign_in()
            response = self._http.request(
                method, f"/admin/realms{path}", headers={"Authorization": f"Bearer {self._token}"}, **kwargs
            )
        if response.is_error:
            raise KeycloakAdminError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response

    def realm_exists(self, realm: str) -> bool:
        """True when the realm exists."""
        try:
            self.request("GET", f"/{realm}")
        except KeycloakAdminError as e:
            if ": 404 " in str(e):
                return False
            raise
        return True

    def create_realm(self, representation: dict) -> None:
        """Import a realm (the JSON of deploy/keycloak/, possibly renamed)."""
        self.request("POST", "", json=representation)

    def delete_realm(self, realm: str) -> None:
        """Delete a realm and everything in it."""
        self.request("DELETE", f"/{realm}")

    def ensure_user(self, realm: str, user: DemoUser, password: str) -> str:
        """Create or update a user with this role, agency and password; its id."""
        body = {
            "username": user.username,
            "enabled": True,
            "firstName": user.first_name,
            "lastName": user.last_name,
            "attributes": {"agency_id": [user.agency_id]} if user.agency_id else {},
            "requiredActions": [],
        }
        found = self.request("GET", f"/{realm}/users", params={"username": user.username, "exact": "true"}).json()
        if found:
            user_id = found[0]["id"]
            self.request("PUT", f"/{realm}/users/{user_id}", json=body)
        else:
            created = self.request("POST", f"/{realm}/users", json=body)
            user_id = created.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        self.request(
            "PUT",
            f"/{realm}/users/{user_id}/reset-password",
            json={"type": "password", "value": password, "temporary": False},
        )
        role = self.request("GET", f"/{realm}/roles/{user.role}").json()
        self.request("POST", f"/{realm}/users/{user_id}/role-mappings/realm", json=[role])
        return user_id


def demo_passwords(path: Path) -> dict[str, str]:
    """The demo users' passwords, generated the first time and kept in a file only the owner reads."""
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [u.username for u in DEMO_USERS if u.username not in known]
    if missing:
        known.update({name: secrets.token_urlsafe(12) for name in missing})
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(known, f, indent=2)
    return known


def ensure_demo_users(admin: KeycloakAdmin, realm: str, passwords: dict[str, str]) -> None:
    """Every demo user exists in the realm with its role, agency and password."""
    for user in DEMO_USERS:
        admin.ensure_user(realm, user, passwords[user.username])


def describe(passwords: dict[str, str], dashboard_url: str) -> str:
    """The demo users as printed by `make up`."""
    lines = [f"  Sign in on {dashboard_url} as one of the demo users (passwords kept in .data/keycloak/):"]
    for u in DEMO_USERS:
        who = f"{u.role} of {u.agency_id}" if u.agency_id else u.role
        lines.append(f"    {u.username:<23} {passwords[u.username]:<18} {who}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command line of the local stack's Keycloak helpers."""
    parser = argparse.ArgumentParser(prog="python -m deploy.local.keycloak_admin", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    users = sub.add_parser("demo-users", help="create or update the demo users and print them")
    users.add_argument("--url", default=DEFAULT_URL, help="Keycloak's base URL")
    users.add_argument("--realm", default=REALM)
    users.add_argument("--state-dir", type=Path, default=STATE_DIR, help="where the passwords are kept")
    users.add_argument("--dashboard-url", default="http://127.0.0.1:8004/dashboard")
    args = parser.parse_args(argv)
    admin_password = (args.state_dir / "admin.password").read_text().strip()
    passwords = demo_passwords(args.state_dir / "demo-users.json")
    with KeycloakAdmin(args.url, admin_password) as admin:
        ensure_demo_users(admin, args.realm, passwords)
    print(describe(passwords, args.dashboard_url))


if __name__ == "__main__":
    main()
