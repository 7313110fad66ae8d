"""Verification of bearer JWTs with PyJWT, each trusted issuer with its own key source (PEM key or JWKS URL).

Every way a token can be wrong is an `InvalidToken` (answered 401), never another error: malformed, signed
with another key or algorithm (`none` included), another issuer or audience, expired, without subject or role.
The issuer is always checked. In development a service trusts two issuers: the platform's OpenID Connect realm
(`ALI_AUTH_ISSUER`, keys from its JWKS) and the local key pair of `python -m shared.auth` (issuer `ali-local`),
which tests and the command line use. Outside development it trusts only the configured issuer. A token is
verified by the key source of the issuer it names; a token naming any other issuer is refused before any key is
looked up.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

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
        return self.verified(token)[0]

    def verified(self, token: str) -> tuple[Principal, float]:
        """The principal of a valid token and the time it expires (`exp`); raises `InvalidToken` otherwise."""
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
        return _principal(claims), float(claims["exp"])


class SettingsOfTrust(Protocol):
    """The settings `trusted_issuers` reads (every service's settings have them)."""

    environment: str
    auth_public_key_file: Path | None
    auth_jwks_url: str | None
    auth_issuer: str | None


def discover_jwks_url(issuer: str, timeout: float = 10) -> str:
    """The `jwks_uri` of an OpenID Connect issuer, read from its discovery document."""
    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - the configured issuer
            document = json.load(response)
    except (OSError, ValueError) as e:
        raise InvalidToken(f"cannot read the discovery document of {issuer} ({url}): {e}") from e
    jwks_uri = document.get("jwks_uri") if isinstance(document, dict) else None
    if not isinstance(jwks_uri, str) or document.get("issuer") != issuer:
        raise InvalidToken(f"the discovery document at {url} does not describe the issuer {issuer}")
    return jwks_uri


class TrustedIssuers:
    """Verifies a token with the key source of the issuer it names, if that issuer is trusted.

    Tokens verified are remembered (at most `cache_size`, the least recently used forgotten first) until their
    `exp`: a client sending the same token again is not verified again. Only valid tokens are remembered; an
    expired one is verified again, and refused.
    """

    def __init__(
        self,
        verifiers: Mapping[str, Callable[[], TokenVerifier]],
        cache_size: int = 4096,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not verifiers:
            raise ValueError("no token issuer to trust")
        self._factories = dict(verifiers)
        self._verifiers: dict[str, TokenVerifier] = {}
        self._cache: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._cache_size = cache_size
        self._clock = clock

    def cached(self, token: str) -> Principal | None:
        """The principal of a token verified earlier that has not expired yet, else None."""
        entry = self._cache.get(token)
        if entry is None:
            return None
        principal, expires = entry
        if self._clock() >= expires:
            del self._cache[token]
            return None
        self._cache.move_to_end(token)
        return principal

    @property
    def issuers(self) -> list[str]:
        """The trusted issuers."""
        return list(self._factories)

    def _verifier(self, issuer: str) -> TokenVerifier:
        # Built on first use: an identity provider still starting does not stop a service from starting.
        if issuer not in self._verifiers:
            self._verifiers[issuer] = self._factories[issuer]()
        return self._verifiers[issuer]

    def verify(self, token: str) -> Principal:
        """The principal of a valid token of a trusted issuer; raises `InvalidToken` otherwise."""
        if (principal := self.cached(token)) is not None:
            return principal
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except (jwt.PyJWTError, ValueError, TypeError) as e:
            raise InvalidToken(f"malformed token ({e})") from e
        issuer = unverified.get("iss") if isinstance(unverified, dict) else None
        if not isinstance(issuer, str) or issuer not in self._factories:
            raise InvalidToken(f"tokens of issuer {issuer!r} are not trusted here")
        principal, expires = self._verifier(issuer).verified(token)
        if self._cache_size > 0:
            self._cache[token] = (principal, expires)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return principal


def trusted_issuers(settings: SettingsOfTrust) -> TrustedIssuers:
    """The issuers the settings trust: the identity provider, and the local key in development."""
    factories: dict[str, Callable[[], TokenVerifier]] = {}
    key_file = settings.auth_public_key_file
    if settings.auth_issuer:
        issuer, jwks_url = settings.auth_issuer, settings.auth_jwks_url
        if settings.environment != "development" and not jwks_url and key_file is not None and key_file.exists():
            # Outside development an explicit public key may stand for the provider's JWKS (the settings refuse
            # the local development key there).
            provider_key = key_file.read_text()
            factories[issuer] = lambda: TokenVerifier(public_key=provider_key, issuer=issuer)
        else:
            factories[issuer] = lambda: TokenVerifier(jwks_url=jwks_url or discover_jwks_url(issuer), issuer=issuer)
    if settings.environment == "development" and key_file is not None and key_file.exists():
        public_key = key_file.read_text()
        factories[ISSUER] = lambda: TokenVerifier(public_key=public_key, issuer=ISSUER)
    if not factories:
        raise FileNotFoundError(
            "no token issuer to trust: set ALI_AUTH_ISSUER (the identity provider) or, in development, create the"
            f" local key pair ({key_file}) with `python -m shared.auth keygen`"
        )
    return TrustedIssuers(factories)
