"""Kafka plumbing shared by the relay, the consumers and reporting: every client, its security, topic creation.

Every Kafka client of the platform is built here, so that its security (SASL_SSL with SCRAM, the brokers' CA, the
service's own principal, all from the settings) is applied in one place: `make_producer`, `make_consumer`,
`make_admin` (aiokafka), `make_acl_admin` (confluent-kafka, for ACLs and SCRAM credentials) and `librdkafka_config`
(kcat property files).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError
from aiokafka.helpers import create_ssl_context

from shared.errors import PlatformError
from shared.settings import PlatformSettings

log = structlog.get_logger(__name__)

# Unlimited retention: projections and BI replays rebuild from the topics.
EVENT_TOPIC_CONFIG = {"retention.ms": "-1", "retention.bytes": "-1", "cleanup.policy": "delete"}
_TOPIC_ALREADY_EXISTS = 36
_TOPIC_AUTHORIZATION_FAILED = 29
# Closing a TLS connection waits for the broker's close_notify. A broker still answering a request of that connection
# (a fetch long-poll, an offset lookup) when the close comes does not send it, and the event loop drops the connection
# only after its TLS shutdown timeout, 30 s: a relay taking the lead waited that long before publishing.
CONSUMER_CLOSE_SECONDS = 3.0


class TopicSetupError(PlatformError):
    """The platform's topics could not be created or found."""


class KafkaSettingsError(PlatformError):
    """The settings do not describe a usable Kafka connection."""


@lru_cache(maxsize=8)
def _ssl_context(ca_file: Path | None) -> ssl.SSLContext:
    return create_ssl_context(cafile=str(ca_file) if ca_file else None)


def client_security(settings: PlatformSettings) -> dict[str, Any]:
    """aiokafka's security arguments for the settings' principal."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return {"security_protocol": "PLAINTEXT"}
    if not settings.kafka_username or settings.kafka_password is None:
        raise KafkaSettingsError(
            "ALI_KAFKA_USERNAME and ALI_KAFKA_PASSWORD are required with ALI_KAFKA_SECURITY_PROTOCOL=SASL_SSL"
            ' (on the local stack: ALI_SECRETS_DIR=.data/secrets, or `eval "$(deploy/local/env.sh <principal>)"`)'
        )
    if settings.kafka_ca_file is not None and not settings.kafka_ca_file.is_file():
        raise KafkaSettingsError(f"ALI_KAFKA_CA_FILE={settings.kafka_ca_file}: no such file")
    return {
        "security_protocol": "SASL_SSL",
        "ssl_context": _ssl_context(settings.kafka_ca_file),
        "sasl_mechanism": settings.kafka_sasl_mechanism,
        "sasl_plain_username": settings.kafka_username,
        "sasl_plain_password": settings.kafka_password.get_secret_value(),
    }


def make_producer(settings: PlatformSettings, **overrides) -> AIOKafkaProducer:
    """Idempotent producer waiting for every in-sync replica."""
    options = dict(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=30000,
        **client_security(settings),
    )
    options.update(overrides)
    return AIOKafkaProducer(**options)


def make_consumer(
    settings: PlatformSettings, group: str | None, topics: Iterable[str] = (), **overrides
) -> AIOKafkaConsumer:
    """Consumer of a group that commits its offsets itself, after the effects are stored (no group: assign)."""
    options = dict(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=settings.consumer_batch_size,
        **_fetch_options(settings),
        **client_security(settings),
    )
    options.update(overrides)
    return AIOKafkaConsumer(*topics, **options)


def _fetch_options(settings: PlatformSettings) -> dict:
    """How long a fetch may wait on the broker for records to gather (`consumer_fetch_wait_ms`)."""
    if not settings.consumer_fetch_wait_ms:
        return {"fetch_min_bytes": 1}
    return {"fetch_max_wait_ms": settings.consumer_fetch_wait_ms, "fetch_min_bytes": settings.consumer_fetch_min_bytes}


# Closes still waiting for the broker after `stop_consumer` returned (referenced until they end).
_CLOSING: set[asyncio.Task] = set()


async def stop_consumer(consumer: AIOKafkaConsumer) -> None:
    """Stop a consumer (leaving its group, if it has one), waiting at most `CONSUMER_CLOSE_SECONDS`: a close the
    broker has not confirmed by then goes on in the background until the event loop drops the connection. Offsets are
    committed by the platform after their effects are stored, never on close, so nothing waits on it."""
    closing = asyncio.ensure_future(consumer.stop())
    try:
        done, _ = await asyncio.wait({closing}, timeout=CONSUMER_CLOSE_SECONDS)
    except asyncio.CancelledError:
        _detach(closing)
        raise
    if done:
        closing.result()
        return
    _detach(closing)
    log.info("kafka.consumer_close_unconfirmed", waited_seconds=CONSUMER_CLOSE_SECONDS)


def _detach(closing: asyncio.Future) -> None:
    _CLOSING.add(closing)
    closing.add_done_callback(_closed)


def _closed(closing: asyncio.Future) -> None:
    _CLOSING.discard(closing)
    if not closing.cancelled() and (error := closing.exception()) is not None:
        log.warning("kafka.consumer_close_failed", error=str(error) or type(error).__name__)


def make_admin(settings: PlatformSettings, **overrides) -> AIOKafkaAdminClient:
    """Admin client (topics, groups) of the settings' principal; start() it, close() it."""
    options = dict(bootstrap_servers=settings.kafka_bootstrap_servers, **client_security(settings))
    options.update(overrides)
    return AIOKafkaAdminClient(**options)


def librdkafka_config(settings: PlatformSettings) -> dict[str, str]:
    """The same connection for librdkafka (confluent-kafka's admin client, kcat `-F` property files)."""
    config = {"bootstrap.servers": settings.kafka_bootstrap_servers}
    security = client_security(settings)
    if security["security_protocol"] == "PLAINTEXT":
        return config | {"security.protocol": "plaintext"}
    config |= {
        "security.protocol": "sasl_ssl",
        "sasl.mechanisms": settings.kafka_sasl_mechanism,
        "sasl.username": security["sasl_plain_username"],
        "sasl.password": security["sasl_plain_password"],
    }
    if settings.kafka_ca_file is not None:
        config["ssl.ca.location"] = str(settings.kafka_ca_file.resolve())
    return config


def make_bulk_reader(settings: PlatformSettings, group: str, **overrides: object):
    """confluent-kafka's (librdkafka's) consumer, for reading partitions through from an offset (`assign`, never
    `subscribe`; nothing committed): it decodes record batches in C, several times faster than aiokafka. `group`
    only names the client to the broker (librdkafka wants one): no group is joined.
    """
    from confluent_kafka import Consumer

    config: dict[str, object] = librdkafka_config(settings) | {
        "group.id": group,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "isolation.level": "read_committed",
        "enable.partition.eof": True,
    }
    return Consumer(config | overrides)


def make_acl_admin(config: dict[str, str]):
    """confluent-kafka's admin client for ACLs and SCRAM credentials (aiokafka administers neither)."""
    from confluent_kafka.admin import AdminClient

    return AdminClient(config)


async def ensure_topics(settings: PlatformSettings, names: Iterable[str], timeout: float = 60.0) -> None:
    """Create the named topics if missing (partitions, replication and retention from settings).

    A principal creates only its own topics (ACLs): a topic it may not create is another service's, and is waited
    for until that service has created it.
    """
    wanted = sorted(set(names))
    admin = make_admin(settings)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        await _start_admin(admin, timeout)
        existing = set(await admin.list_topics())
        missing = [n for n in wanted if n not in existing]
        others: list[str] = []
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(
                        name,
                        num_partitions=settings.topic_partitions,
                        replication_factor=settings.topic_replication_factor,
                        topic_configs=EVENT_TOPIC_CONFIG,
                    )
                    for name in missing
                ]
            )
            for error in getattr(response, "topic_errors", []):
                name, code = error[0], error[1]
                if code == _TOPIC_AUTHORIZATION_FAILED:
                    others.append(name)
                elif code not in (0, _TOPIC_ALREADY_EXISTS):
                    raise TopicSetupError(f"cannot create topic {name}: error code {code} {error[2:]}")
        while others:
            others = [n for n in others if n not in set(await admin.list_topics())]
            if others and loop.time() > deadline:
                raise TopicSetupError(
                    f"topics {others} do not exist and Kafka principal {settings.kafka_username} may not create them:"
                    f" each is created by the service that owns it; waited {timeout}s"
                )
            if others:
                await asyncio.sleep(0.5)
        await _wait_for_leaders(admin, wanted, max(deadline - loop.time(), 5.0))
    except KafkaError as e:
        raise TopicSetupError(f"Kafka at {settings.kafka_bootstrap_servers}: {e}") from e
    finally:
        await admin.close()


async def _start_admin(admin: AIOKafkaAdminClient, timeout: float) -> None:
    """Connect, waiting for a broker that is still starting."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            await admin.start()
            return
        except KafkaConnectionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(1)


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str], timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        described = await admin.describe_topics(names)
        ready = all(
            t.get("error_code", 0) == 0
            and t.get("partitions")
            and all(p.get("leader", -1) >= 0 for p in t["partitions"])
            for t in described
        )
        if ready:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TopicSetupError(f"topics {names} have no leader after {timeout}s")
        await asyncio.sleep(0.2)
