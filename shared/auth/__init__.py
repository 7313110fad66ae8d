"""Bearer-token access control.

- `principal`: the caller (`Principal`, `Role`) and THE access rule, `Principal.scope(agency_id, personal=True)`;
- `verification`: JWTs verified with PyJWT, each trusted issuer with its key source (public key or JWKS URL),
  every failure an `InvalidToken`;
- `http`: the FastAPI dependency (`CurrentUser`), 401 with `WWW-Authenticate` for a missing or invalid token;
- `keys`: local key pair and tokens (`python -m shared.auth keygen`, `python -m shared.auth token --role ...`).
"""

from __future__ import annotations

from shared.auth.http import CurrentUser, authenticate
from shared.auth.keys import LOCAL_KEY_DIR, generate_keys, mint_token
from shared.auth.principal import AGENCY_ROLES, Principal, Role
from shared.auth.verification import AUDIENCE, ISSUER, InvalidToken, TokenVerifier, TrustedIssuers, trusted_issuers

__all__ = [
    "AGENCY_ROLES",
    "AUDIENCE",
    "ISSUER",
    "LOCAL_KEY_DIR",
    "CurrentUser",
    "InvalidToken",
    "Principal",
    "Role",
    "TokenVerifier",
    "TrustedIssuers",
    "authenticate",
    "generate_keys",
    "mint_token",
    "trusted_issuers",
]
