from __future__ import annotations

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


def test_production_trusts_only_the_configured_issuer_even_with_a_local_key(tmp_path):
    private, public = generate_keys(tmp_path)
    # Production settings refuse the development key (tests/unit/test_production_settings.py): built without their
    # validation, to show that even then the local issuer is not trusted.
    settings = PlatformSettings.model_construct(
        environment="production", auth_public_key_file=public, auth_issuer=REALM
    )
    trusted = trusted_issuers(settings)

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
