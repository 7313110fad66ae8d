"""Bearer-token access control: JWTs verified with PyJWT against a public key or a JWKS URL (OIDC).

Roles: `caseworker` and `agency_manager` are scoped to one agency (claim `agency_id`), `department_staff`
sees indicators of every agency but no personal data, `admin` sees everything. Roles are read from a
`role` claim or, for Keycloak-style tokens, from `realm_access.roles`.

    python -m shared.auth keygen                     # local key pair in .data/auth/
    python -m shared.auth token --role caseworker --agency ali-la-courneuve --sub alice
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Forbidden

ALGORITHMS = ["ES256", "RS256"]
AUDIENCE = "ali-platform"
ISSUER = "ali-local"
LOCAL_KEY_DIR = Path(".data/auth")


class Role(StrEnum):
    """What a person may do on the platform."""

    CASEWORKER = "caseworker"
    AGENCY_MANAGER = "agency_manager"
    DEPARTMENT_STAFF = "department_staff"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    subject: str
    role: Role
    agency_id: str | None = None

    def can_see_agency(self, agency_id: str) -> bool:
        """True when the caller may work on this agency's data."""
        if self.role in (Role.ADMIN, Role.DEPARTMENT_STAFF):
            return True
        return self.agency_id == agency_id

    def require_agency(self, agency_id: str) -> None:
        """Refuse (403) another agency's data."""
        if not self.can_see_agency(agency_id):
            raise Forbidden(f"this resource belongs to agency {agency_id}, outside your agency {self.agency_id}")

    def require_personal_data(self, agency_id: str) -> None:
        """Refuse (403) personal data to department staff and to other agencies."""
        if self.role == Role.DEPARTMENT_STAFF:
            raise Forbidden("department staff see indicators only, not personal data")
        self.require_agency(agency_id)

    def require_role(self, *roles: Role) -> None:
        """Refuse (403) callers without one of `roles` (admin always passes)."""
        if self.role != Role.ADMIN and self.role not in roles:
            raise Forbidden(f"role {self.role} may not do this; needs one of {', '.join(roles)}")

    @property
    def agency_scope(self) -> str | None:
        """The only agency this caller may list, or None for every agency."""
        return None if self.role in (Role.ADMIN, Role.DEPARTMENT_STAFF) else self.agency_id


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
        self.public_key = public_key
        self.jwks = jwt.PyJWKClient(jwks_url) if jwks_url else None
        self.audience = audience
        self.issuer = issuer

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; raises `jwt.InvalidTokenError` otherwise."""
        key = self.jwks.get_signing_key_from_jwt(token).key if self.jwks else self.public_key
        claims = jwt.decode(
            token,
            key,
            algorithms=ALGORITHMS,
            audience=self.audience,
            issuer=self.issuer,
            options={"require": ["exp", "sub"]},
        )
        roles = [claims["role"]] if "role" in claims else claims.get("realm_access", {}).get("roles", [])
        known = [Role(r) for r in roles if r in Role.__members__.values()]
        if not known:
            raise jwt.InvalidTokenError("the token grants no role of this platform")
        role = max(known, key=list(Role).index)
        agency = claims.get("agency_id")
        if role in (Role.CASEWORKER, Role.AGENCY_MANAGER) and not agency:
            raise jwt.InvalidTokenError(f"a {role} token must name its agency (claim agency_id)")
        return Principal(subject=claims["sub"], role=role, agency_id=agency)


_bearer = HTTPBearer(auto_error=False, description="JWT issued by the department's identity provider")


def authenticate(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """FastAPI dependency: the caller, or 401."""
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return verifier.verify(credentials.credentials)
    except (jwt.InvalidTokenError, jwt.PyJWKClientError) as e:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"invalid token: {e}",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from e


CurrentUser = Annotated[Principal, Depends(authenticate)]


def load_verifier(public_key_file: Path | None, jwks_url: str | None, issuer: str | None) -> TokenVerifier:
    """The verifier described by the settings."""
    if jwks_url:
        return TokenVerifier(jwks_url=jwks_url, issuer=issuer)
    if public_key_file is None or not public_key_file.exists():
        raise FileNotFoundError(
            f"no public key to verify tokens at {public_key_file}: run `python -m shared.auth keygen`"
            " or set ALI_AUTH_PUBLIC_KEY_FILE / ALI_AUTH_JWKS_URL"
        )
    return TokenVerifier(public_key=public_key_file.read_text(), issuer=issuer)


def generate_keys(directory: Path = LOCAL_KEY_DIR) -> tuple[Path, Path]:
    """Create a local ES256 key pair (kept if it exists)."""
    private, public = directory / "private.pem", directory / "public.pem"
    if private.exists() and public.exists():
        return private, public
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    private.chmod(0o600)
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return private, public


def mint_token(
    private_key_pem: str,
    *,
    subject: str,
    role: Role,
    agency_id: str | None = None,
    hours: float = 8,
    issuer: str = ISSUER,
) -> str:
    """A signed token, for local use and tests."""
    now = int(time.time())
    claims = {
        "sub": subject,
        "role": str(role),
        "aud": AUDIENCE,
        "iss": issuer,
        "iat": now,
        "exp": now + int(hours * 3600),
    }
    if agency_id:
        claims["agency_id"] = agency_id
    return jwt.encode(claims, private_key_pem, algorithm="ES256")


def main(argv: list[str] | None = None) -> None:
    """Command line: local keys and tokens."""
    parser = argparse.ArgumentParser(prog="python -m shared.auth", description="Local signing keys and tokens.")
    sub = parser.add_subparsers(dest="command", required=True)
    keygen = sub.add_parser("keygen", help="create the local key pair if missing")
    keygen.add_argument("--dir", type=Path, default=LOCAL_KEY_DIR)
    token = sub.add_parser("token", help="print a signed bearer token")
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument("--agency", help="agency id (required for caseworker and agency_manager)")
    token.add_argument("--sub", default="local-user", help="subject (user id)")
    token.add_argument("--hours", type=float, default=8)
    token.add_argument("--dir", type=Path, default=LOCAL_KEY_DIR)
    args = parser.parse_args(argv)
    private, public = generate_keys(args.dir)
    if args.command == "keygen":
        print(f"private key: {private}\npublic key:  {public}")
        return
    role = Role(args.role)
    if role in (Role.CASEWORKER, Role.AGENCY_MANAGER) and not args.agency:
        parser.error(f"--agency is required for {role}")
    print(mint_token(private.read_text(), subject=args.sub, role=role, agency_id=args.agency, hours=args.hours))


if __name__ == "__main__":
    main()
