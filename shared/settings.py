"""Settings common to every service, read once from the environment.

Endpoints (`DATABASE_URL`, `KAFKA_BOOTSTRAP_SERVERS`) and credentials are separate: a service reads its own Kafka
principal and database role (`ALI_KAFKA_USERNAME`/`_PASSWORD`, `ALI_DATABASE_USER`/`_PASSWORD`) from the environment,
or from `<ALI_SECRETS_DIR>/<service>.env` (the local stack writes one such file per principal in `.data/secrets`); a
value in the environment wins over the file. Outside development, `production_problems()` lists every development secret
or insecure connection still configured, and the settings refuse to load (one place for every such check).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar, Literal, NoReturn, TypeVar
from urllib.parse import parse_qs, quote, unquote, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, DotEnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from shared import crypto

DEVELOPMENT = "development"
# Every secret the local stack generates (Kafka and database passwords) starts with this mark, so that a service
# outside development recognises and refuses one wherever it was copied to.
LOCAL_SECRET_MARK = "local-only-"
# The database password of the first local stacks, and the default database URL (no credentials).
FORMER_DEFAULT_DATABASE_PASSWORD = "ali"
DEFAULT_DATABASE_URL = "postgresql://127.0.0.1:54329/ali"
# Where `python -m shared.auth keygen` puts the development key pair.
LOCAL_AUTH_KEY_DIR = Path(".data/auth")
_SUFFIX = re.compile(r"^[A-Za-z0-9_-]*$")

S = TypeVar("S", bound="PlatformSettings")


class PlatformSettings(BaseSettings):
    """Connection and topic settings shared by all services (env prefix `ALI_`)."""

    model_config = SettingsConfigDict(env_prefix="ALI_", env_file=None, extra="ignore")

    # Name of this service's credentials file in the secrets directory (`intake` reads `intake.env`).
    credentials_name: ClassVar[str | None] = None
    # Keys of the data a service encrypts (setting -> environment variable), base64 of 32 bytes each: checked valid
    # and all different when set, required outside development (`key_problems`), read with `key(setting)`.
    data_keys: ClassVar[Mapping[str, str]] = {}

    environment: str = DEVELOPMENT
    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "ALI_DATABASE_URL"),
    )
    # This service's own database role; when set, it replaces the user and password of DATABASE_URL.
    database_user: str | None = None
    database_password: SecretStr | None = None
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "ALI_KAFKA_BOOTSTRAP_SERVERS"),
    )
    # SASL_SSL (SCRAM) with the principal below; PLAINTEXT only for a development broker without security.
    kafka_security_protocol: Literal["SASL_SSL", "PLAINTEXT"] = "SASL_SSL"
    # PLAIN (over TLS) is offered to the bi and admin principals only, for kcat (see deploy/kafka/server.properties).
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_username: str | None = None
    kafka_password: SecretStr | None = None
    # CA certificate of the brokers (local stack: .data/secrets/tls/ca.pem); unset: the system's CAs.
    kafka_ca_file: Path | None = None
    # Directory of `<principal>.env` credentials files (local stack: .data/secrets).
    secrets_dir: Path | None = None
    # Appended to every topic and consumer group (`ali.intake.events.<suffix>`), so that several platforms (test
    # runs) share one broker under the same principals and prefixed ACLs.
    topic_suffix: str = ""
    # Replaced by topic_suffix (an ACL prefix cannot match a name that starts with a run id); refused when set.
    topic_prefix: str = ""
    topic_partitions: int = 6
    topic_replication_factor: int = 1
    http_host: str = "127.0.0.1"
    # Largest request body a route takes unless it says otherwise (file imports do): larger ones are answered
    # 413 before being read.
    http_max_body_bytes: int = Field(1024 * 1024, ge=1024)
    # Seconds an idle client connection is kept open (above the clients' own idle time-outs).
    http_keep_alive_seconds: int = Field(30, ge=1, le=600)
    # Processes answering the API on the service's port; with more than one, the relay and the consumers run in a
    # workers process beside them (shared/http/processes.py).
    http_workers: int = Field(1, ge=1, le=16)
    # Scheduling priority (nice) of that workers process: when the CPU is short, requests run first and the relay and
    # consumers catch up once it is free again (0: the same priority as the API processes).
    workers_nice: int = Field(10, ge=0, le=19)
    # Requests one process runs at once; above, a new one is answered 503 with Retry-After (0: no cap).
    http_max_concurrent_requests: int = Field(64, ge=0)
    http_retry_after_seconds: int = Field(1, ge=1)
    log_level: str = "INFO"
    log_json: bool = True
    # Background workers (outbox relay, consumers) run inside the HTTP process unless turned off.
    run_workers: bool = True
    relay_batch_size: int = 500
    relay_idle_wait_seconds: float = 0.5
    # After a batch smaller than `relay_batch_size`, the relay waits this long before reading the next one, so that
    # the events committed meanwhile go to Kafka in one transaction rather than one transaction per commit.
    relay_linger_seconds: float = Field(0.05, ge=0, le=1)
    # `/health/ready` reports the relay when events have waited this long with no checkpoint move (stuck relay).
    relay_stalled_seconds: float = 60.0
    # Largest serialized event data an append accepts, in bytes (refused before it is stored: HTTP 413).
    max_event_bytes: int = 64 * 1024
    # Units of work (commands) of one process running at the same time share one transaction and its commit, at
    # most this many (1: a transaction each); see shared/adapters/group_commit.py.
    group_commit_units: int = Field(32, ge=1, le=1000)
    # Aggregates whose state a process keeps after reading them (the most recently read): reading one again folds only
    # the events recorded since (0: every read folds the whole stream). About 2-10 KB each.
    aggregate_states_kept: int = Field(30_000, ge=0)
    # Every this many seconds, a process's surviving objects are left out of the garbage collector's full passes
    # (0: never), and one full collection runs every `gc_full_collection_seconds` (shared/gc_pauses.py).
    gc_freeze_seconds: float = Field(10.0, ge=0)
    gc_full_collection_seconds: float = Field(3600.0, gt=0)
    consumer_batch_size: int = 200
    consumer_max_attempts: int = 5
    # A consumer's fetch waits on the broker up to this long for `consumer_fetch_min_bytes` to arrive (0: answered as
    # soon as one record is there). Under a steady flow, records then come in batches of this period rather than a
    # few at a time, each batch paying its transaction, commit and offsets once; at most this much is added to an
    # event's way to each consumer.
    consumer_fetch_wait_ms: int = Field(100, ge=0, le=1000)
    consumer_fetch_min_bytes: int = Field(1024 * 1024, ge=1)
    # A batch of consumed records is applied in transactions of at most this many seconds each (the append lock,
    # taken by the first record that appends, is held until the transaction ends).
    consumer_transaction_seconds: float = 0.1
    # An event of a newer schema version than the consumer knows pauses its partition; retried with backoff up to:
    consumer_pause_max_seconds: float = 60.0
    # Access control (shared/auth/verification.py): tokens of the identity provider `auth_issuer` are verified with
    # the keys of its JWKS (`auth_jwks_url`, else discovered from the issuer); in development, tokens of the local
    # issuer `ali-local` with this PEM public key too.
    auth_public_key_file: Path | None = LOCAL_AUTH_KEY_DIR / "public.pem"
    auth_jwks_url: str | None = None
    auth_issuer: str | None = None
    # Fault injection for crash tests only: the process kills itself with SIGKILL at the named point.
    fault_relay_kill_after_batches: int = 0
    fault_consumer_kill_after_records: int = 0

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Init arguments, then the environment, then this service's credentials file, if any."""
        sources = (init_settings, env_settings, dotenv_settings, file_secret_settings)
        name = settings_cls.credentials_name if issubclass(settings_cls, PlatformSettings) else None
        directory = getattr(init_settings, "init_kwargs", {}).get("secrets_dir") or os.environ.get("ALI_SECRETS_DIR")
        if name and directory:
            sources += (DotEnvSettingsSource(settings_cls, env_file=Path(directory) / f"{name}.env"),)
        return sources

    @classmethod
    def of(cls: type[S], principal: str, secrets_dir: Path | str | None = None, **values: object) -> S:
        """Settings with the credentials of `principal` (`admin`, `bi`, a service) from the secrets directory."""
        directory = secrets_dir or os.environ.get("ALI_SECRETS_DIR")
        if not directory:
            raise ValueError(f"no secrets directory to read {principal}'s credentials from: set ALI_SECRETS_DIR")
        return cls(_env_file=Path(directory) / f"{principal}.env", **values)

    @field_validator("topic_suffix")
    @classmethod
    def _one_name_token(cls, value: str) -> str:
        if not _SUFFIX.match(value):
            raise ValueError("ALI_TOPIC_SUFFIX may hold only letters, digits, '-' and '_'")
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_settings(self) -> PlatformSettings:
        if self.database_user or self.database_password:
            password = self.database_password.get_secret_value() if self.database_password else None
            self.database_url = with_credentials(self.database_url, self.database_user, password)
        if self.topic_prefix:
            raise ValueError(
                "ALI_TOPIC_PREFIX is no longer supported: use ALI_TOPIC_SUFFIX (topics are named"
                " `ali.<context>.events.<suffix>` so that the services' prefixed ACLs cover them)"
            )
        if self.environment != DEVELOPMENT:
            problems = self.production_problems()
            if problems:
                listed = "\n".join(f"  - {p}" for p in problems)
                raise ValueError(f"ALI_ENVIRONMENT={self.environment} refuses development settings:\n{listed}")
        self.check_keys(self.data_keys)
        return self

    def production_problems(self) -> list[str]:
        """What makes these settings unfit outside development (each names its setting), the data keys included."""
        return (
            _auth_problems(self) + _database_problems(self) + _kafka_problems(self) + self.key_problems(self.data_keys)
        )

    def check_keys(self, keys: Mapping[str, str]) -> None:
        """The base64 keys named by field (-> variable) that are set are valid 32-byte keys, all different."""
        values = []
        for field, variable in keys.items():
            value: SecretStr | None = getattr(self, field)
            if value is not None:
                values.append(crypto.decode_key(value.get_secret_value(), variable))
        if len(values) != len(set(values)):
            raise ValueError(f"{' and '.join(keys.values())} must be different keys")

    def key_problems(self, keys: Mapping[str, str]) -> list[str]:
        """Keys missing, or the development ones derived from a public string: refused outside development."""
        problems = []
        for field, variable in keys.items():
            value: SecretStr | None = getattr(self, field)
            if value is None:
                problems.append(
                    f"{variable} is not set (base64 of {crypto.KEY_BYTES} random bytes: openssl rand -base64 32)"
                )
            elif crypto.decode_key(value.get_secret_value(), variable) == crypto.development_key(field):
                problems.append(f"{variable} is the key derived for development from a public string")
        return problems

    def key(self, field: str) -> bytes:
        """The 32-byte key of a setting of `data_keys` (in development, when unset, one derived from its name)."""
        value: SecretStr | None = getattr(self, field)
        if value is None:
            # Development only (`key_problems` refuses a missing key elsewhere): stable, so local data stays readable.
            return crypto.development_key(field)
        return crypto.decode_key(value.get_secret_value(), self.data_keys[field])

    def topic(self, name: str) -> str:
        """Full topic name for a platform topic such as `intake.events`."""
        return f"ali.{name}.{self.topic_suffix}" if self.topic_suffix else f"ali.{name}"

    def group(self, name: str) -> str:
        """Full consumer group id."""
        return self.topic(name)


def _auth_problems(s: PlatformSettings) -> list[str]:
    problems = []
    if not s.auth_issuer:
        problems.append("ALI_AUTH_ISSUER is not set: give the issuer of the department's identity provider")
    if s.auth_jwks_url:
        return problems
    if "auth_public_key_file" not in s.model_fields_set or s.auth_public_key_file is None:
        problems.append(
            "ALI_AUTH_JWKS_URL is not set (nor ALI_AUTH_PUBLIC_KEY_FILE): tokens would be checked against the local"
            " development key"
        )
    elif _is_development_key(s.auth_public_key_file):
        problems.append(
            f"ALI_AUTH_PUBLIC_KEY_FILE={s.auth_public_key_file} is the local development key (made by"
            " `python -m shared.auth keygen`, whose private key sits on this host)"
        )
    return problems


def _is_development_key(path: Path) -> bool:
    """A key in `.data/auth`, beside its private key as keygen leaves it, or equal to the local one."""
    resolved = path.resolve()
    if (resolved.parent.parent.name, resolved.parent.name) == LOCAL_AUTH_KEY_DIR.parts:
        return True
    if (resolved.parent / "private.pem").exists():
        return True
    local = (LOCAL_AUTH_KEY_DIR / "public.pem").resolve()
    try:
        return local.exists() and path.exists() and local.read_bytes().strip() == path.read_bytes().strip()
    except OSError:
        return False


def with_credentials(url: str, user: str | None, password: str | None) -> str:
    """The URL with this user and password (either kept from the URL when not given)."""
    parts = urlsplit(url)
    user = user if user is not None else (unquote(parts.username) if parts.username else None)
    password = password if password is not None else (unquote(parts.password) if parts.password else None)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port:
        host = f"{host}:{parts.port}"
    credentials = quote(user or "", safe="")
    if password is not None:
        credentials += ":" + quote(password, safe="")
    netloc = f"{credentials}@{host}" if credentials else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def database_password(url: str) -> str | None:
    """The password a database URL carries (user info or `password=` parameter), else PGPASSWORD."""
    parts = urlsplit(url)
    if parts.password is not None:
        return unquote(parts.password)
    query = parse_qs(parts.query).get("password")
    if query:
        return query[0]
    return os.environ.get("PGPASSWORD")


def _database_problems(s: PlatformSettings) -> list[str]:
    if "database_url" not in s.model_fields_set:
        return ["DATABASE_URL is not set: give the URL of the database (and this service's role)"]
    password = database_password(s.database_url)
    if password == FORMER_DEFAULT_DATABASE_PASSWORD:
        return ["DATABASE_URL uses the former default password of the local stack"]
    if password and password.startswith(LOCAL_SECRET_MARK):
        return ["DATABASE_URL uses a password generated for the local stack (.data/secrets)"]
    return []


def _kafka_problems(s: PlatformSettings) -> list[str]:
    if s.kafka_security_protocol != "SASL_SSL":
        return [f"ALI_KAFKA_SECURITY_PROTOCOL={s.kafka_security_protocol}: Kafka must be reached over SASL_SSL"]
    problems = []
    if not s.kafka_username or s.kafka_password is None:
        problems.append("ALI_KAFKA_USERNAME and ALI_KAFKA_PASSWORD are not set: this service's Kafka principal")
    elif s.kafka_password.get_secret_value().startswith(LOCAL_SECRET_MARK):
        problems.append("ALI_KAFKA_PASSWORD is a password generated for the local stack (.data/secrets)")
    return problems


def load_settings(cls: type[S], service: str) -> S:
    """The settings of a service's command line, or exit with the reasons (a refused start names each setting)."""
    try:
        return cls()
    except ValidationError as e:
        _refuse(service, e)


def _refuse(service: str, error: ValidationError) -> NoReturn:
    lines = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem.get("loc", ()))
        message = problem.get("msg", "").removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    print(f"{service}: refusing to start with these settings:\n" + "\n".join(lines), file=sys.stderr)
    raise SystemExit(2)
