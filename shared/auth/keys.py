"""Local signing keys and tokens, for development and tests (production tokens come from the identity provider).

python -m shared.auth keygen                     # local key pair in .data/auth/
python -m shared.auth token --role caseworker --agency ali-la-courneuve --sub alice
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shared.auth.principal import AGENCY_ROLES, Role
from shared.auth.verification import AUDIENCE, ISSUER

LOCAL_KEY_DIR = Path(".data/auth")


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
    if role in AGENCY_ROLES and not args.agency:
        parser.error(f"--agency is required for {role}")
    print(mint_token(private.read_text(), subject=args.sub, role=role, agency_id=args.agency, hours=args.hours))
