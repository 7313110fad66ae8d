"""A service started in production mode with the local stack's secrets refuses to start, naming each setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("service", ["intake", "accompaniment", "placement", "reporting"])
def test_production_mode_with_local_secrets_refuses_to_start(service, tmp_path: Path):
    # Credentials as deploy/local/secrets.sh writes them, and the local key made by `python -m shared.auth keygen`.
    (tmp_path / f"{service}.env").write_text(
        f"ALI_KAFKA_USERNAME={service}\nALI_KAFKA_PASSWORD=local-only-4b1d\n"
        f"ALI_DATABASE_USER=ali_{service}\nALI_DATABASE_PASSWORD=local-only-9c2e\n"
    )
    subprocess.run([sys.executable, "-m", "shared.auth", "keygen", "--dir", str(tmp_path / "auth")], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALI_") and k != "DATABASE_URL"}
    env.update(
        ALI_ENVIRONMENT="production",
        ALI_SECRETS_DIR=str(tmp_path),
        ALI_AUTH_PUBLIC_KEY_FILE=str(tmp_path / "auth" / "public.pem"),
        DATABASE_URL="postgresql://db.ali.internal:5432/ali",
    )
    started = subprocess.run(
        [sys.executable, "-m", f"services.{service}", "serve"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 2, started.stderr[-2000:]
    refusal = started.stderr
    assert f"{service}: refusing to start with these settings" in refusal
    assert "ALI_ENVIRONMENT=production refuses development settings" in refusal
    assert "ALI_AUTH_ISSUER is not set" in refusal
    assert "ALI_AUTH_PUBLIC_KEY_FILE=" in refusal and "is the local development key" in refusal
    assert "DATABASE_URL uses a password generated for the local stack" in refusal
    assert "ALI_KAFKA_PASSWORD is a password generated for the local stack" in refusal
    if service == "intake":
        assert "ALI_INTAKE_MASTER_KEY is not set" in refusal and "ALI_INTAKE_INDEX_KEY is not set" in refusal
    assert "Traceback" not in refusal
    assert "Uvicorn running" not in started.stdout + refusal
