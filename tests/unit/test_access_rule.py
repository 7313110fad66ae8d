"""THE access rule, `Principal.scope`, for every role, agency and kind of data: the one table every route applies."""

from __future__ import annotations

import pytest

from shared.auth import Principal, Role
from shared.errors import Forbidden

OWN, OTHER = "ali-la-courneuve", "ali-stains"
CASEWORKER = Principal("cw", Role.CASEWORKER, OWN)
MANAGER = Principal("mgr", Role.AGENCY_MANAGER, OWN)
STAFF = Principal("bdat", Role.DEPARTMENT_STAFF)
ADMIN = Principal("it", Role.ADMIN)
REFUSED = "403"

# (caller, agency asked for or of the resource, personal data?) -> the agency the access is limited to, or 403.
RULE = [
    # caseworkers and agency managers: their own agency only; a list without a filter is their agency's
    (CASEWORKER, OWN, True, OWN),
    (CASEWORKER, OWN, False, OWN),
    (CASEWORKER, None, True, OWN),
    (CASEWORKER, None, False, OWN),
    (CASEWORKER, OTHER, True, REFUSED),
    (CASEWORKER, OTHER, False, REFUSED),
    (MANAGER, OWN, True, OWN),
    (MANAGER, None, False, OWN),
    (MANAGER, OTHER, True, REFUSED),
    (MANAGER, OTHER, False, REFUSED),
    # department staff: every agency's figures and network, never personal data
    (STAFF, OWN, False, OWN),
    (STAFF, OTHER, False, OTHER),
    (STAFF, None, False, None),
    (STAFF, OWN, True, REFUSED),
    (STAFF, None, True, REFUSED),
    # admin: everything, every agency when none is named
    (ADMIN, OWN, True, OWN),
    (ADMIN, OTHER, False, OTHER),
    (ADMIN, None, True, None),
    (ADMIN, None, False, None),
]


@pytest.mark.parametrize(
    ("caller", "agency_id", "personal", "expected"),
    RULE,
    ids=[f"{c.role}-{a or 'any'}-{'personal' if p else 'figures'}" for c, a, p, _ in RULE],
)
def test_the_scope_of_each_role(caller, agency_id, personal, expected):
    if expected == REFUSED:
        with pytest.raises(Forbidden):
            caller.scope(agency_id, personal=personal)
    else:
        assert caller.scope(agency_id, personal=personal) == expected


def test_personal_data_is_the_default_and_the_refusal_says_why():
    with pytest.raises(Forbidden, match="pas les données personnelles"):
        STAFF.scope(OWN)
    with pytest.raises(Forbidden, match=f"agence {OTHER}, pas de votre agence {OWN}"):
        CASEWORKER.scope(OTHER)


def test_the_older_helpers_agree_with_the_rule():
    for caller in (CASEWORKER, MANAGER, STAFF, ADMIN):
        assert caller.agency_scope == caller.scope(None, personal=False)
        for agency in (OWN, OTHER):
            try:
                caller.scope(agency, personal=False)
                allowed = True
            except Forbidden:
                allowed = False
            assert caller.can_see_agency(agency) is allowed


def test_roles_are_checked_apart_from_agencies_and_admin_always_passes():
    MANAGER.require_role(Role.AGENCY_MANAGER)
    ADMIN.require_role(Role.AGENCY_MANAGER)
    for caller in (CASEWORKER, STAFF):
        with pytest.raises(Forbidden, match="il faut l'un de : agency_manager"):
            caller.require_role(Role.AGENCY_MANAGER)
