"""Verification of bearer JWTs with PyJWT, against a PEM public key or the keys of a JWKS URL (OIDC).

Every way a token can be wrong is an `InvalidToken` (answered 401), never another error: malformed, signed
with another key or algorithm (`none` included), another issuer or audience, expired, without subject or role.
The issuer is always checked: the configured one, else the local issuer of the development tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from shared.auth.principal import AGENCY_ROLES, Principal, Role
from shared.errors import PlatformError

AUDIENCE = "ali-platform"
ISSUER = "ali-local"  # issuer of the tokens minted by `python -m shared.auth token`
REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]


class InvalidToken(PlatformError):
    """The bearer token cannot be trusted; the message says why."""


def _algorithm_of(key: Any) -> str:
    """The one algorithm a public key verifies: a token naming another one is refused before any crypto."""
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise ValueError(f"unsupported token verification key {type(key).__name__}: use an RSA or EC P-256 key")


def _principal(claims: Mapping[str, Any]) -> Principal:
    """The caller described by verified claims (role from `role` or Keycloak's `realm_access.roles`)."""
    if "role" in claims:
        roles = [claims["role"]]
    else:
        realm = claims.get("realm_access")
        roles = realm.get("roles", []) if isinstance(realm, dict) else []
        roles = roles if isinstance(roles, list) else []
    known = [Role(r) for r in roles if isinstance(r, str) and r in Role.__members__.values()]
    if not known:
        raise InvalidToken("the token grants no role of this platform")
    role = max(known, key=list(Role).index)
    agency = claims.get("agency_id")
    if agency is not None and not isinstance(agency, str):
        raise InvalidToken("the claim agency_id must be a string")
    if role in AGENCY_ROLES and not agency:
        raise InvalidToken(f"a {role} token must name its agency (claim agency_id)")
    return Principal(subject=claims["sub"], role=role, agency_id=agency)


class TokenVerifier:
    """Verifies bearer tokens with a PEM public key, or with the keys of a JWKS URL."""

    def __init__(
        self,
        *,
        public_key: str | None = None,
        jwks_url: str | None = None,
        audience: str = AUDIENCE,
        issuer: str | None = None,
    ) -> None:
        if not public_key and not jwks_url:
            raise ValueError("a public key or a JWKS URL is needed to verify tokens")
        self.key = load_pem_public_key(public_key.encode()) if public_key else None
        self.algorithm = _algorithm_of(self.key) if self.key is not None else None
        self.jwks = jwt.PyJWKClient(jwks_url) if jwks_url else None
        self.audience = audience
        self.issuer = issuer or ISSUER

    def _key(self, token: str) -> tuple[Any, str]:
        if self.jwks is None:
            return self.key, self.algorithm
        signing = self.jwks.get_signing_key_from_jwt(token)
        return signing.key, signing.algorithm_name

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; raises `InvalidToken` otherwise."""
        try:
            key, algorithm = self._key(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except (jwt.PyJWTError, ValueError, TypeError) as e:
            # PyJWT raises more than InvalidTokenError (InvalidKeyError, PyJWKClientError...), and key or
            # payload decoding may raise ValueError: each one means the token cannot be trusted.
            raise InvalidToken(str(e) or type(e).__name__) from e
        return _principal(claims)


def load_verifier(public_key_file: Path | None, jwks_url: str | None, issuer: str | None) -> TokenVerifier:
    """The verifier described by the settings (issuer: the local one when none is configured)."""
    if jwks_url:
        return TokenVerifier(jwks_url=jwks_url, issuer=issuer)
    if public_key_file is None or not public_key_file.exists():
        raise FileNotFoundError(
            f"no public key to verify tokens at {public_key_file}: run `python -m shared.auth keygen`"
            " or set ALI_AUTH_PUBLIC_KEY_FILE / ALI_AUTH_JWKS_URL"
        )
    return TokenVerifier(public_key=public_key_file.read_text(), issuer=issuer)
