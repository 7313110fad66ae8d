"""Outside development the settings refuse every development secret and insecure connection, naming the setting."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.accompaniment.settings import AccompanimentSettings
from services.intake.settings import IntakeSettings
from services.placement.settings import PlacementSettings
from services.reporting.settings import ReportingSettings
from shared.auth import generate_keys
from shared.settings import PlatformSettings

SERVICES = (IntakeSettings, AccompanimentSettings, PlacementSettings, ReportingSettings)


def _key(byte: bytes) -> str:
    return base64.b64encode(byte * 32).decode()


def _derived(field: str) -> str:
    return base64.b64encode(hashlib.sha256(f"ali-development-{field}".encode()).digest()).decode()


# A production configuration that passes: each test spoils one thing.
PRODUCTION = dict(
    environment="production",
    auth_jwks_url="https://sso.seinesaintdenis.fr/realms/ali/protocol/openid-connect/certs",
    auth_issuer="https://sso.seinesaintdenis.fr/realms/ali",
    database_url="postgresql://intake:Zq8-prod-secret@db.ali.internal:5432/ali",
    kafka_bootstrap_servers="kafka-1.ali.internal:9092",
    kafka_username="intake",
    kafka_password="V7s-prod-kafka-secret",
    intake_master_key=_key(b"m"),
    intake_index_key=_key(b"i"),
)


def _refusal(settings_class=IntakeSettings, **changes) -> str:
    values = {**PRODUCTION, **changes}
    with pytest.raises(ValidationError) as refused:
        settings_class(**{k: v for k, v in values.items() if v is not None})
    return str(refused.value)


@pytest.mark.parametrize("settings_class", SERVICES)
def test_a_production_configuration_loads(settings_class):
    settings = settings_class(**PRODUCTION)
    assert settings.production_problems() == []


def test_development_accepts_the_local_defaults():
    settings = IntakeSettings()
    assert settings.environment == "development"
    assert settings.kafka_security_protocol == "SASL_SSL"


def test_no_jwks_url_nor_public_key_is_refused():
    message = _refusal(auth_jwks_url=None)
    assert "ALI_AUTH_JWKS_URL is not set (nor ALI_AUTH_PUBLIC_KEY_FILE)" in message


def test_a_jwks_url_without_issuer_is_refused():
    assert "ALI_AUTH_ISSUER is not set" in _refusal(auth_issuer=None)


def test_an_explicit_public_key_of_the_identity_provider_with_issuer_is_accepted(tmp_path: Path):
    key = tmp_path / "idp.pem"
    key.write_text("-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n")
    settings = IntakeSettings(**{**PRODUCTION, "auth_jwks_url": None, "auth_public_key_file": key})
    assert settings.production_problems() == []


def test_the_local_development_key_is_refused(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, public = generate_keys(Path(".data/auth"))
    message = _refusal(auth_jwks_url=None, auth_public_key_file=public)
    assert "ALI_AUTH_PUBLIC_KEY_FILE=.data/auth/public.pem is the local development key" in message


def test_a_key_made_by_keygen_elsewhere_is_refused(tmp_path: Path):
    _, public = generate_keys(tmp_path / "keys")
    message = _refusal(auth_jwks_url=None, auth_public_key_file=public)
    assert "is the local development key" in message and "ALI_AUTH_PUBLIC_KEY_FILE" in message


def test_a_copy_of_the_local_development_key_is_refused(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, public = generate_keys(Path(".data/auth"))
    copy = tmp_path / "elsewhere" / "key.pem"
    copy.parent.mkdir()
    copy.write_bytes(public.read_bytes())
    assert "is the local development key" in _refusal(auth_jwks_url=None, auth_public_key_file=copy)


@pytest.mark.parametrize(
    "field, variable", [("intake_master_key", "ALI_INTAKE_MASTER_KEY"), ("intake_index_key", "ALI_INTAKE_INDEX_KEY")]
)
def test_intake_keys_missing_are_refused(field, variable):
    assert f"{variable} is not set" in _refusal(**{field: None})


@pytest.mark.parametrize(
    "field, variable", [("intake_master_key", "ALI_INTAKE_MASTER_KEY"), ("intake_index_key", "ALI_INTAKE_INDEX_KEY")]
)
def test_intake_keys_derived_from_the_default_are_refused(field, variable):
    assert f"{variable} is the key derived for development" in _refusal(**{field: _derived(field)})


def test_no_database_url_is_refused():
    assert "DATABASE_URL is not set" in _refusal(database_url=None)


def test_the_former_default_database_password_is_refused():
    message = _refusal(database_url="postgresql://ali:ali@db.ali.internal:5432/ali")
    assert "DATABASE_URL uses the former default password" in message


def test_a_password_generated_for_the_local_stack_is_refused():
    local = "postgresql://ali_intake:local-only-0123abcd@db.ali.internal:5432/ali"
    assert "DATABASE_URL uses a password generated for the local stack" in _refusal(database_url=local)


def test_a_local_password_given_apart_from_the_url_is_refused():
    message = _refusal(database_user="ali_intake", database_password="local-only-0123abcd")
    assert "DATABASE_URL uses a password generated for the local stack" in message


@pytest.mark.parametrize("settings_class", SERVICES)
def test_kafka_without_sasl_is_refused(settings_class):
    message = _refusal(settings_class, kafka_security_protocol="PLAINTEXT")
    assert "ALI_KAFKA_SECURITY_PROTOCOL=PLAINTEXT: Kafka must be reached over SASL_SSL" in message


def test_kafka_without_a_principal_is_refused():
    assert "ALI_KAFKA_USERNAME and ALI_KAFKA_PASSWORD are not set" in _refusal(kafka_password=None)


def test_a_kafka_password_generated_for_the_local_stack_is_refused():
    assert "ALI_KAFKA_PASSWORD is a password generated for the local stack" in _refusal(
        kafka_password="local-only-feedc0de"
    )


def test_every_problem_is_listed_at_once():
    message = _refusal(auth_issuer=None, kafka_security_protocol="PLAINTEXT", database_url=None)
    assert "ALI_ENVIRONMENT=production refuses development settings" in message
    assert all(s in message for s in ("ALI_AUTH_ISSUER", "ALI_KAFKA_SECURITY_PROTOCOL", "DATABASE_URL"))


def test_a_service_reads_its_own_credentials_file_and_the_environment_wins(tmp_path: Path, monkeypatch):
    (tmp_path / "intake.env").write_text(
        "ALI_KAFKA_USERNAME=intake\nALI_KAFKA_PASSWORD=k1\nALI_DATABASE_USER=ali_intake\nALI_DATABASE_PASSWORD=p1\n"
    )
    (tmp_path / "placement.env").write_text("ALI_KAFKA_USERNAME=placement\nALI_KAFKA_PASSWORD=k2\n")
    monkeypatch.setenv("ALI_SECRETS_DIR", str(tmp_path))
    intake = IntakeSettings()
    assert (intake.kafka_username, intake.kafka_password.get_secret_value()) == ("intake", "k1")
    assert intake.database_url == "postgresql://ali_intake:p1@127.0.0.1:54329/ali"
    assert PlacementSettings().kafka_username == "placement"
    assert AccompanimentSettings().kafka_username is None, "no accompaniment.env: no credentials"
    monkeypatch.setenv("ALI_KAFKA_USERNAME", "from-the-environment")
    assert IntakeSettings().kafka_username == "from-the-environment"
    assert PlatformSettings.of("placement").kafka_password.get_secret_value() == "k2"


def test_topics_and_groups_take_the_run_as_a_suffix_and_the_former_prefix_is_refused():
    settings = PlatformSettings(topic_suffix="t0123")
    assert settings.topic("intake.events") == "ali.intake.events.t0123"
    assert settings.group("accompaniment.intake-events") == "ali.accompaniment.intake-events.t0123"
    assert PlatformSettings().topic("intake.events") == "ali.intake.events"
    with pytest.raises(ValidationError, match="ALI_TOPIC_PREFIX is no longer supported"):
        PlatformSettings(topic_prefix="t0123.")
    with pytest.raises(ValidationError, match="ALI_TOPIC_SUFFIX may hold only"):
        PlatformSettings(topic_suffix="a.b")
