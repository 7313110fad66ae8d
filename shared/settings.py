"""Settings common to every service, read once from the environment."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class PlatformSettings(BaseSettings):
    """Connection and topic settings shared by all services (env prefix `ALI_`)."""

    model_config = SettingsConfigDict(env_prefix="ALI_", env_file=None, extra="ignore")

    environment: str = "development"
    database_url: str = Field(
        "postgresql://ali:ali@127.0.0.1:54329/ali",
        validation_alias=AliasChoices("DATABASE_URL", "ALI_DATABASE_URL"),
    )
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "ALI_KAFKA_BOOTSTRAP_SERVERS"),
    )
    # Prefixes every topic and consumer group, so that several platforms (or test runs) share one broker.
    topic_prefix: str = ""
    topic_partitions: int = 6
    topic_replication_factor: int = 1
    http_host: str = "127.0.0.1"
    # Largest request body a route takes unless it says otherwise (file imports do): larger ones are answered
    # 413 before being read.
    http_max_body_bytes: int = Field(1024 * 1024, ge=1024)
    log_level: str = "INFO"
    log_json: bool = True
    # Background workers (outbox relay, consumers) run inside the HTTP process unless turned off.
    run_workers: bool = True
    relay_batch_size: int = 500
    relay_idle_wait_seconds: float = 0.5
    consumer_batch_size: int = 200
    consumer_max_attempts: int = 5
    # Access control: tokens are verified with this PEM public key, or with the keys of a JWKS URL (OIDC).
    auth_public_key_file: Path | None = Path(".data/auth/public.pem")
    auth_jwks_url: str | None = None
    auth_issuer: str | None = None
    # Fault injection for crash tests only: the process kills itself with SIGKILL at the named point.
    fault_relay_kill_after_batches: int = 0
    fault_consumer_kill_after_records: int = 0

    @model_validator(mode="after")
    def _no_local_keys_in_production(self) -> PlatformSettings:
        if self.environment != "development" and not self.auth_jwks_url and not self.auth_issuer:
            raise ValueError(
                "outside development, set ALI_AUTH_JWKS_URL (or a public key file) and ALI_AUTH_ISSUER"
                " of the department's identity provider"
            )
        return self

    def topic(self, name: str) -> str:
        """Full topic name for a platform topic such as `intake.events`."""
        return f"{self.topic_prefix}ali.{name}"

    def group(self, name: str) -> str:
        """Full consumer group id."""
        return f"{self.topic_prefix}ali.{name}"
