"""Kafka plumbing shared by the relay, the consumers and reporting: clients and topic creation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError

from shared.errors import PlatformError
from shared.settings import PlatformSettings

# Unlimited retention: projections and BI replays rebuild from the topics.
EVENT_TOPIC_CONFIG = {"retention.ms": "-1", "retention.bytes": "-1", "cleanup.policy": "delete"}
_TOPIC_ALREADY_EXISTS = 36


class TopicSetupError(PlatformError):
    """The platform's topics could not be created or found."""


def make_producer(settings: PlatformSettings, **overrides) -> AIOKafkaProducer:
    """Idempotent producer waiting for every in-sync replica."""
    options = dict(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=30000,
    )
    options.update(overrides)
    return AIOKafkaProducer(**options)


def make_consumer(settings: PlatformSettings, group: str, topics: Iterable[str], **overrides) -> AIOKafkaConsumer:
    """Consumer of a group that commits its offsets itself, after the effects are stored."""
    options = dict(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=settings.consumer_batch_size,
    )
    options.update(overrides)
    return AIOKafkaConsumer(*topics, **options)


async def ensure_topics(settings: PlatformSettings, names: Iterable[str], timeout: float = 60.0) -> None:
    """Create the named topics if missing (partitions, replication and retention from settings)."""
    wanted = sorted(set(names))
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        await _start_admin(admin, timeout)
        existing = set(await admin.list_topics())
        missing = [n for n in wanted if n not in existing]
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
                if code not in (0, _TOPIC_ALREADY_EXISTS):
                    raise TopicSetupError(f"cannot create topic {name}: error code {code} {error[2:]}")
        await _wait_for_leaders(admin, wanted, timeout)
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
