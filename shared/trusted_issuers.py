"""The issuers of bearer tokens a service trusts, each with its own key source.

In development a service trusts two issuers: the platform's OpenID Connect realm (`ALI_AUTH_ISSUER`, keys from its
JWKS) and the local key pair of `python -m shared.auth` (issuer `ali-local`), which tests and the command line use.
Outside development it trusts only the configured issuer. A token is verified by the key source of the issuer it
names; a token naming any other issuer is refused before any key is looked up.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

import jwt

from shared.auth import ISSUER, Principal, TokenVerifier


class SettingsOfTrust(Protocol):
    """The settings this module reads (every service's settings have them)."""

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
        raise jwt.PyJWKClientError(f"cannot read the discovery document of {issuer} ({url}): {e}") from e
    jwks_uri = document.get("jwks_uri") if isinstance(document, dict) else None
    if not isinstance(jwks_uri, str) or document.get("issuer") != issuer:
        raise jwt.PyJWKClientError(f"the discovery document at {url} does not describe the issuer {issuer}")
    return jwks_uri


class TrustedIssuers:
    """Verifies a token with the key source of the issuer it names, if that issuer is trusted."""

    def __init__(self, verifiers: Mapping[str, Callable[[], TokenVerifier]]) -> None:
        if not verifiers:
            raise ValueError("no token issuer to trust")
        self._factories = dict(verifiers)
        self._verifiers: dict[str, TokenVerifier] = {}

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
        """The principal of a valid token of a trusted issuer; raises `jwt.InvalidTokenError` otherwise."""
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as e:
            raise jwt.InvalidTokenError(f"malformed token ({e})") from e
        issuer = unverified.get("iss") if isinstance(unverified, dict) else None
        if not isinstance(issuer, str) or issuer not in self._factories:
            raise jwt.InvalidTokenError(f"tokens of issuer {issuer!r} are not trusted here")
        return self._verifier(issuer).verify(token)


def trusted_issuers(settings: SettingsOfTrust) -> TrustedIssuers:
    """The issuers the settings trust: the identity provider, and the local key in development."""
    factories: dict[str, Callable[[], TokenVerifier]] = {}
    if settings.auth_issuer:
        issuer, jwks_url = settings.auth_issuer, settings.auth_jwks_url
        factories[issuer] = lambda: TokenVerifier(jwks_url=jwks_url or discover_jwks_url(issuer), issuer=issuer)
    key_file = settings.auth_public_key_file
    if settings.environment == "development" and key_file is not None and key_file.exists():
        public_key = key_file.read_text()
        factories[ISSUER] = lambda: TokenVerifier(public_key=public_key, issuer=ISSUER)
    if not factories:
        raise FileNotFoundError(
            f"no token issuer to trust: set ALI_AUTH_ISSUER (the identity provider) or, in development, create the"
            f" local key pair ({key_file}) with `python -m shared.auth keygen`"
        )
    return TrustedIssuers(factories)
