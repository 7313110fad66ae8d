from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jwt
import pytest
from pydantic import ValidationError

from shared.auth import (
    ISSUER,
    InvalidToken,
    Principal,
    Role,
    TokenVerifier,
    TrustedIssuers,
    generate_keys,
    mint_token,
    trusted_issuers,
)
from shared.settings import PlatformSettings

REALM = "http://127.0.0.1:8080/realms/ali"


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """Two key pairs: the local issuer's and a stand-in for the realm's."""
    pairs = {}
    for name in ("local", "realm"):
        private, public = generate_keys(tmp_path / name)
        pairs[name] = (private.read_text(), public.read_text())
    return pairs


def _two_issuers(keys) -> TrustedIssuers:
    return TrustedIssuers(
        {
            ISSUER: lambda: TokenVerifier(public_key=keys["local"][1], issuer=ISSUER),
            REALM: lambda: TokenVerifier(public_key=keys["realm"][1], issuer=REALM),
        }
    )


def test_each_trusted_issuer_is_verified_with_its_own_key(keys):
    trusted = _two_issuers(keys)
    local = mint_token(keys["local"][0], subject="cli", role=Role.ADMIN)
    realm = mint_token(keys["realm"][0], subject="alice", role=Role.CASEWORKER, agency_id="ali-bondy", issuer=REALM)

    assert trusted.verify(local) == Principal("cli", Role.ADMIN)
    assert trusted.verify(realm) == Principal("alice", Role.CASEWORKER, "ali-bondy")


def test_a_token_naming_a_trusted_issuer_but_signed_with_the_other_key_is_refused(keys):
    trusted = _two_issuers(keys)
    forged = mint_token(keys["local"][0], subject="mallory", role=Role.ADMIN, issuer=REALM)

    with pytest.raises(InvalidToken):
        trusted.verify(forged)


def test_a_token_of_an_unknown_or_missing_issuer_is_refused(keys):
    trusted = _two_issuers(keys)
    other = mint_token(keys["realm"][0], subject="x", role=Role.ADMIN, issuer="https://elsewhere.example")
    no_issuer = jwt.encode(
        {"sub": "x", "role": "admin", "aud": "ali-platform", "exp": 4102444800}, keys["local"][0], algorithm="ES256"
    )

    with pytest.raises(InvalidToken, match="elsewhere.example.*not trusted"):
        trusted.verify(other)
    with pytest.raises(InvalidToken, match="None.*not trusted"):
        trusted.verify(no_issuer)
    with pytest.raises(InvalidToken, match="malformed"):
        trusted.verify("not-a-token")


def test_a_key_source_is_built_once_and_only_when_its_issuer_shows_up(keys):
    built: list[str] = []

    def realm() -> TokenVerifier:
        built.append(REALM)
        return TokenVerifier(public_key=keys["realm"][1], issuer=REALM)

    trusted = TrustedIssuers({REALM: realm, ISSUER: lambda: TokenVerifier(public_key=keys["local"][1], issuer=ISSUER)})
    trusted.verify(mint_token(keys["local"][0], subject="cli", role=Role.ADMIN))
    assert built == [], "an identity provider still starting does not stop a service from starting"
    token = mint_token(keys["realm"][0], subject="a", role=Role.ADMIN, issuer=REALM)
    trusted.verify(token)
    trusted.verify(token)
    assert built == [REALM]


def test_development_trusts_the_realm_and_the_local_key(tmp_path):
    _, public = generate_keys(tmp_path)
    settings = PlatformSettings(
        environment="development",
        auth_public_key_file=public,
        auth_issuer=REALM,
        auth_jwks_url=f"{REALM}/protocol/openid-connect/certs",
    )

    assert sorted(trusted_issuers(settings).issuers) == sorted([REALM, ISSUER])


def test_development_without_a_realm_trusts_the_local_key_only(tmp_path):
    _, public = generate_keys(tmp_path)

    assert trusted_issuers(PlatformSettings(auth_public_key_file=public, auth_issuer=None)).issuers == [ISSUER]


@dataclass(frozen=True)
class Trust:
    """Settings as `trusted_issuers` reads them, without PlatformSettings' own checks."""

    environment: str
    auth_public_key_file: Path | None
    auth_jwks_url: str | None
    auth_issuer: str | None


def test_production_trusts_only_the_configured_issuer_even_with_a_local_key(tmp_path):
    private, public = generate_keys(tmp_path)
    # PlatformSettings refuses the development key outside development (test_production_settings); were it given
    # anyway, trust would still ignore it.
    with pytest.raises(ValidationError, match="local development key"):
        PlatformSettings(environment="production", auth_public_key_file=public, auth_issuer=REALM)
    trusted = trusted_issuers(Trust("production", public, f"{REALM}/protocol/openid-connect/certs", REALM))

    assert trusted.issuers == [REALM]
    with pytest.raises(InvalidToken, match="not trusted"):
        trusted.verify(mint_token(private.read_text(), subject="cli", role=Role.ADMIN))


def test_production_without_an_issuer_refuses_to_start():
    with pytest.raises(ValidationError, match="ALI_AUTH_ISSUER"):
        PlatformSettings(environment="production", auth_issuer=None)


def test_no_issuer_at_all_is_a_clear_error(tmp_path):
    settings = PlatformSettings(auth_public_key_file=tmp_path / "missing.pem", auth_issuer=None)

    with pytest.raises(FileNotFoundError, match="keygen"):
        trusted_issuers(settings)


class CountingVerifier(TokenVerifier):
    """The local issuer's verifier, counting the tokens it really verifies."""

    calls = 0

    def verified(self, token: str):
        CountingVerifier.calls += 1
        return super().verified(token)


def test_a_token_verified_once_is_remembered_until_it_expires(keys):
    now = [1_000_000.0]
    CountingVerifier.calls = 0
    trusted = TrustedIssuers(
        {ISSUER: lambda: CountingVerifier(public_key=keys["local"][1], issuer=ISSUER)}, clock=lambda: now[0]
    )
    token = mint_token(keys["local"][0], subject="cli", role=Role.CASEWORKER, agency_id="ali-bondy", hours=1)
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    now[0] = expires - 60
    assert trusted.verify(token) == Principal("cli", Role.CASEWORKER, "ali-bondy")
    assert trusted.verify(token) == Principal("cli", Role.CASEWORKER, "ali-bondy")
    assert trusted.cached(token) == Principal("cli", Role.CASEWORKER, "ali-bondy")
    assert CountingVerifier.calls == 1, "verified once, then remembered"
    now[0] = expires
    assert trusted.cached(token) is None, "forgotten at its exp"


def test_an_expired_token_is_verified_again_and_refused(keys):
    trusted = _two_issuers(keys)
    token = mint_token(keys["local"][0], subject="cli", role=Role.ADMIN, hours=-1)
    for _ in range(2):
        with pytest.raises(InvalidToken):
            trusted.verify(token)
    assert trusted.cached(token) is None


def test_invalid_tokens_are_never_remembered(keys):
    trusted = _two_issuers(keys)
    forged = mint_token(keys["realm"][0], subject="mallory", role=Role.ADMIN)  # the realm's key, local issuer
    for _ in range(2):
        with pytest.raises(InvalidToken):
            trusted.verify(forged)
    assert trusted.cached(forged) is None


def test_the_cache_keeps_only_the_most_recently_used_tokens(keys):
    CountingVerifier.calls = 0
    trusted = TrustedIssuers(
        {ISSUER: lambda: CountingVerifier(public_key=keys["local"][1], issuer=ISSUER)}, cache_size=2
    )
    a, b, c = (mint_token(keys["local"][0], subject=s, role=Role.ADMIN) for s in "abc")
    trusted.verify(a)
    trusted.verify(b)
    trusted.verify(a)  # a is now the most recent
    trusted.verify(c)  # b is forgotten
    assert trusted.cached(a) is not None and trusted.cached(c) is not None
    assert trusted.cached(b) is None
    assert CountingVerifier.calls == 3
