"""Every way a bearer token can be wrong is a 401 with `WWW-Authenticate`, never a 500, on each command service.

The services run as processes with the local verification key; the issuer they check is the local one
(`ali-local`), as in development when no issuer is configured.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from shared.auth import AUDIENCE, ISSUER
from tests.platform_fixture import start_platform

pytestmark = pytest.mark.integration

# A route of each service that any valid token of an admin may read.
ROUTES = {"intake": "/agencies", "accompaniment": "/workshops", "placement": "/needs"}


@pytest.fixture(scope="module")
async def services(infra, tmp_path_factory):
    """Intake, accompaniment and placement, verifying tokens with a fresh local key."""
    running = await start_platform(infra, tmp_path_factory.mktemp("keys"), services=tuple(ROUTES))
    yield running
    running.stop()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(obj: object) -> str:
    return _b64(json.dumps(obj).encode())


def _claims(**changes: object) -> dict:
    now = int(time.time())
    claims = {"sub": "tester", "role": "admin", "aud": AUDIENCE, "iss": ISSUER, "iat": now, "exp": now + 600}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(private_key: str, **changes: object) -> str:
    return jwt.encode(_claims(**changes), private_key, algorithm="ES256")


def _rsa_token() -> str:
    return jwt.encode(_claims(), rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm="RS256")


def _other_ec_token() -> str:
    return jwt.encode(_claims(), ec.generate_private_key(ec.SECP256R1()), algorithm="ES256")


def _hs256_with_the_public_key(public_pem: bytes) -> str:
    """The algorithm-confusion attack: HMAC keyed with the verifier's own public key."""
    signing_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT'})}.{_segment(_claims())}"
    return f"{signing_input}.{_b64(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())}"


def _cases(platform) -> dict[str, dict[str, str]]:
    """Authorization headers that must all be refused, by case."""
    key = platform.private_key
    public_pem = Path(platform.env["ALI_AUTH_PUBLIC_KEY_FILE"]).read_bytes()
    payload = _segment(_claims())
    tokens = {
        "not a JWT": "not-a-token",
        "three segments of garbage": "abc.def.ghi",
        "header saying RS256 without a valid signature": f"{_segment({'alg': 'RS256', 'typ': 'JWT'})}.{payload}.AAAA",
        "header saying ES256 without a valid signature": f"{_segment({'alg': 'ES256', 'typ': 'JWT'})}.{payload}.AAAA",
        "header that is not JSON": f"{_b64(b'{not json')}.{payload}.AAAA",
        "signed by another RSA key": _rsa_token(),
        "signed by another EC key": _other_ec_token(),
        "HS256 keyed with the public key": _hs256_with_the_public_key(public_pem),
        "alg none": f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "wrong issuer": _signed(key, iss="https://someone-else.example"),
        "missing issuer": _signed(key, iss=None),
        "wrong audience": _signed(key, aud="another-platform"),
        "missing audience": _signed(key, aud=None),
        "expired": _signed(key, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
        "missing expiry": _signed(key, exp=None),
        "missing subject": _signed(key, sub=None),
        "missing role": _signed(key, role=None),
        "unknown role": _signed(key, role="superuser"),
        "role that is a list": _signed(key, role=["admin"]),
        "realm_access that is not an object": _signed(key, role=None, realm_access="admin"),
        "caseworker without agency": _signed(key, role="caseworker"),
        "agency that is not a string": _signed(key, role="caseworker", agency_id=12),
    }
    headers = {case: {"Authorization": f"Bearer {token}"} for case, token in tokens.items()}
    headers["no Authorization header"] = {}
    headers["Basic scheme"] = {"Authorization": "Basic YWRtaW46YWRtaW4="}
    headers["Bearer without a token"] = {"Authorization": "Bearer"}
    return headers


async def test_every_token_failure_is_a_401_with_www_authenticate_on_every_command_service(services):
    refused: dict[tuple[str, str], tuple[int, str | None]] = {}
    cases = _cases(services)
    for service, route in ROUTES.items():
        async with httpx.AsyncClient(base_url=services.urls[service], timeout=30) as client:
            for case, headers in cases.items():
                answer = await client.get(route, headers=headers)
                refused[(service, case)] = (answer.status_code, answer.headers.get("www-authenticate"))
    wrong = {k: v for k, v in refused.items() if v[0] != 401 or not (v[1] or "").startswith("Bearer")}
    assert not wrong, f"not a 401 with WWW-Authenticate: {wrong}"
    assert len(refused) == len(ROUTES) * len(cases)


async def test_a_valid_token_is_accepted_and_a_keycloak_style_role_too(services):
    for service, route in ROUTES.items():
        async with services.client(service, role="admin") as client:
            assert (await client.get(route)).status_code == 200
        keycloak = _signed(services.private_key, role=None, realm_access={"roles": ["offline_access", "admin"]})
        async with httpx.AsyncClient(base_url=services.urls[service], timeout=30) as client:
            answer = await client.get(route, headers={"Authorization": f"Bearer {keycloak}"})
        assert answer.status_code == 200, answer.text
