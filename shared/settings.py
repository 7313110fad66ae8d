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
    log_level: str = "INFO"
    log_json: bool = True
    # Background workers (outbox relay, consumers) run inside the HTTP process unless turned off.
    run_workers: bool = True
    relay_batch_size: int = 500
    relay_idle_wait_seconds: float = 0.5
    # `/health/ready` reports the relay when events have waited this long with no checkpoint move (stuck relay).
    relay_stalled_seconds: float = 60.0
    # Largest serialized event data an append accepts, in bytes (refused before it is stored: HTTP 413).
    max_event_bytes: int = 64 * 1024
    consumer_batch_size: int = 200
    consumer_max_attempts: int = 5
    # A batch of consumed records is applied in transactions of at most this many seconds each (the append lock,
    # taken by the first record that appends, is held until the transaction ends).
    consumer_transaction_seconds: float = 0.1
    # An event of a newer schema version than the consumer knows pauses its partition; retried with backoff up to:
    consumer_pause_max_seconds: float = 60.0
    # Access control (shared/trusted_issuers.py): tokens of the identity provider `auth_issuer` are verified with
    # the keys of its JWKS (`auth_jwks_url`, else discovered from the issuer); in development, tokens of the local
    # issuer `ali-local` with this PEM public key too.
    auth_public_key_file: Path | None = Path(".data/auth/public.pem")
    auth_jwks_url: str | None = None
    auth_issuer: str | None = None
    # Fault injection for crash tests only: the process kills itself with SIGKILL at the named point.
    fault_relay_kill_after_batches: int = 0
    fault_consumer_kill_after_records: int = 0

    @model_validator(mode="after")
    def _no_local_keys_in_production(self) -> PlatformSettings:
        if self.environment != "development" and not self.auth_issuer:
            raise ValueError(
                "outside development, set ALI_AUTH_ISSUER (and ALI_AUTH_JWKS_URL if its discovery document"
                " does not answer) of the department's identity provider: the local key is trusted in development only"
            )
        return self

    def topic(self, name: str) -> str:
        """Full topic name for a platform topic such as `intake.events`."""
        return f"{self.topic_prefix}ali.{name}"

    def group(self, name: str) -> str:
        """Full consumer group id."""
        return f"{self.topic_prefix}ali.{name}"
