from __future__ import annotations

import stat

from deploy.local.keycloak_admin import DEMO_USERS, demo_passwords, describe
from shared.auth import Role
from shared.territory import AGENCIES_BY_ID


def test_demo_passwords_are_generated_once_and_readable_by_the_owner_only(tmp_path):
    path = tmp_path / "keycloak" / "demo-users.json"
    first = demo_passwords(path)
    again = demo_passwords(path)

    assert first == again, "make up prints the same passwords every time"
    assert set(first) == {u.username for u in DEMO_USERS}
    assert len(set(first.values())) == len(DEMO_USERS) and all(len(p) >= 16 for p in first.values())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_demo_users_cover_every_role_and_two_agencies():
    assert {u.role for u in DEMO_USERS} == {r.value for r in Role}
    agencies = {u.agency_id for u in DEMO_USERS if u.role in ("caseworker", "agency_manager")}
    assert agencies == {"ali-la-courneuve", "ali-clichy-sous-bois"} and agencies <= set(AGENCIES_BY_ID)
    for agency in agencies:
        assert {u.role for u in DEMO_USERS if u.agency_id == agency} == {"caseworker", "agency_manager"}


def test_make_up_prints_each_user_with_their_password_and_role(tmp_path):
    passwords = demo_passwords(tmp_path / "demo-users.json")
    printed = describe(passwords, "http://127.0.0.1:8004/dashboard")

    for user in DEMO_USERS:
        assert f"{user.username:<23} {passwords[user.username]}" in printed
