"""Who may reach what, on the real broker and database, with the platform's own principals, ACLs and roles.

The four services of this module run as in production (each with its Kafka principal and database role); the BI
principal and `bi_reader` are those `make bi-access` hands out.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import asyncpg
import pytest
from aiokafka import TopicPartition
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    KafkaError,
    TopicAuthorizationFailedError,
)
from pydantic import SecretStr

from services.reporting.adapters.bi import VIEWS
from shared.kafka import client_security, ensure_topics, make_admin, make_consumer, make_producer
from shared.settings import PlatformSettings
from tests.builders import newcomer
from tests.support import REPO, read_topic, wait_until

pytestmark = pytest.mark.integration

_TOPIC_AUTHORIZATION_FAILED = 29


@pytest.fixture(scope="module")
async def enrolled(platform) -> str:
    """A person referred through intake, whose accompaniment opened: accompaniment's topic has events."""
    beneficiary_id = (await platform.enrol(newcomer(household_type="single", children=0)))["beneficiary_id"]
    # The relay publishes after the commit: wait until the event is on the topic (read as admin).
    await read_topic(platform.kafka, platform.topic("accompaniment.events"), expect=1, timeout=60)
    return beneficiary_id


@pytest.fixture(scope="module")
async def dead_letter(platform) -> str:
    """Accompaniment's dead-letter topic of this run, holding one record (put there by accompaniment's principal)."""
    accompaniment = platform.settings("accompaniment")
    topic = accompaniment.topic("accompaniment.dlq")
    producer = make_producer(accompaniment)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=b"poison", key=b"k", headers=[("dlq_error", b"test")])
    finally:
        await producer.stop()
    return topic


async def _refused_connection(settings: PlatformSettings, **overrides) -> KafkaError:
    admin = make_admin(settings, request_timeout_ms=5000, **overrides)
    try:
        with pytest.raises(KafkaError) as refused:
            await asyncio.wait_for(admin.start(), 60)
            await admin.list_topics()
        return refused.value
    finally:
        await admin.close()


async def _assigned_read(settings: PlatformSettings, topic: str) -> int:
    """Records a principal gets from every partition of a topic without a group (assign, from the start)."""
    consumer = make_consumer(settings, None, request_timeout_ms=10000)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(settings.topic_partitions)])
        await consumer.seek_to_beginning()
        got = await consumer.getmany(timeout_ms=3000)
        return sum(len(records) for records in got.values())
    finally:
        await consumer.stop()


async def _described_error(settings: PlatformSettings, topic: str) -> int:
    admin = make_admin(settings)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        return described["error_code"]
    finally:
        await admin.close()


async def _run(*command: str, **options) -> subprocess.CompletedProcess:
    return await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=120, **options)


# ------------------------------------------------------------------------------------------------ Kafka


async def test_an_anonymous_client_is_refused(platform):
    anonymous = platform.settings("admin").model_copy(update={"kafka_security_protocol": "PLAINTEXT"})
    assert isinstance(await _refused_connection(anonymous), KafkaConnectionError)
    # TLS without SASL (no principal) is refused too.
    tls_only = platform.settings("admin")
    context = client_security(tls_only)["ssl_context"]
    await _refused_connection(tls_only, security_protocol="SSL", ssl_context=context)


async def test_a_wrong_password_is_refused(platform):
    impostor = platform.settings("bi").model_copy(update={"kafka_password": SecretStr("not-the-password")})
    await _refused_connection(impostor)


async def test_the_brokers_internal_listeners_refuse_a_client_without_the_nodes_certificate(platform):
    settings = platform.settings("admin")
    context = client_security(settings)["ssl_context"]
    first_node = settings.kafka_bootstrap_servers.split(",")[0].rsplit(":", 1)[0]
    for port in (9093, 9094):  # controller, between brokers
        await _refused_connection(
            settings, bootstrap_servers=f"{first_node}:{port}", security_protocol="SSL", ssl_context=context
        )


async def test_bi_reads_accompaniment_events_alone_and_in_a_bi_group(platform, enrolled):
    bi = platform.settings("bi")
    records = await read_topic(bi, platform.topic("accompaniment.events"), expect=1, timeout=60)
    assert records and any(enrolled.encode() in (r.key or b"") for r in records)
    consumer = make_consumer(bi, f"bi.tests.{platform.run_id}", [platform.topic("accompaniment.events")])
    await consumer.start()
    try:

        async def some():
            return sum(len(r) for r in (await consumer.getmany(timeout_ms=1000)).values())

        assert await wait_until(some, timeout=60, message="BI's consumer group to read events")
        await consumer.commit()
    finally:
        await consumer.stop()


async def _refused_to_consume(consumer, error: type[Exception]) -> None:
    """Starting `consumer` and reading with it fails with `error`."""
    try:
        with pytest.raises(error):
            await consumer.start()
            await asyncio.wait_for(consumer.getmany(timeout_ms=5000), 30)
    finally:
        await consumer.stop()


async def test_bi_may_not_use_a_group_outside_bi(platform, enrolled):
    consumer = make_consumer(
        platform.settings("bi"), f"ali.accompaniment.{platform.run_id}", [platform.topic("accompaniment.events")]
    )
    await _refused_to_consume(consumer, GroupAuthorizationFailedError)


async def test_bi_is_denied_the_dead_letters(platform, dead_letter):
    bi = platform.settings("bi")
    assert await _assigned_read(platform.kafka, dead_letter) == 1, "the dead-letter topic holds a record"
    assert await _assigned_read(bi, dead_letter) == 0
    assert await _described_error(bi, dead_letter) == _TOPIC_AUTHORIZATION_FAILED
    await _refused_to_consume(
        make_consumer(bi, f"bi.tests.{platform.run_id}", [dead_letter]), TopicAuthorizationFailedError
    )


async def test_bi_may_not_write_anywhere(platform, enrolled):
    bi = platform.settings("bi")
    idempotent = make_producer(bi)
    try:
        # An idempotent producer needs the right to write somewhere: BI has none.
        with pytest.raises(ClusterAuthorizationFailedError):
            await idempotent.start()
    finally:
        await idempotent.stop()
    plain = make_producer(bi, enable_idempotence=False, acks=1)
    await plain.start()
    try:
        for topic in (platform.topic("accompaniment.events"), platform.topic("accompaniment.dlq")):
            with pytest.raises(TopicAuthorizationFailedError):
                await plain.send_and_wait(topic, b"forged")
    finally:
        await plain.stop()


async def test_intake_may_not_write_to_accompaniments_topic(platform, enrolled):
    intake = platform.settings("intake")
    producer = make_producer(intake)
    await producer.start()
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            await producer.send_and_wait(platform.topic("accompaniment.events"), b"forged")
        # ...while its own topic takes its writes.
        await producer.send_and_wait(platform.topic("intake.dlq"), b"own")
    finally:
        await producer.stop()


async def test_a_service_may_not_create_another_services_topic(infra, run_id):
    intake = infra.settings("intake", topic_suffix=run_id)
    with pytest.raises(Exception, match="may not create them"):
        await ensure_topics(intake, [intake.topic("placement.events")], timeout=3)


async def test_kcat_reads_events_with_the_file_make_bi_access_prints(platform, enrolled):
    printed = await _run("make", "--no-print-directory", "-s", "bi-access", cwd=REPO)
    assert printed.returncode == 0, printed.stderr
    lines = printed.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("export KCAT_CONFIG=")
    assert lines[1].startswith("export BI_DATABASE_URL=postgresql://bi_reader:")
    kcat_config = lines[0].removeprefix("export KCAT_CONFIG=")
    kcat = shutil.which("kcat")
    assert kcat, "kcat is installed by `make install`"
    read = await _run(kcat, "-F", kcat_config, "-C", "-t", platform.topic("accompaniment.events"), "-e", "-f", "%k\n")
    assert read.returncode == 0, read.stderr
    assert enrolled in read.stdout
    denied = await _run(kcat, "-F", kcat_config, "-C", "-t", platform.topic("accompaniment.dlq"), "-e")
    assert denied.returncode != 0 and "authoriz" in denied.stderr.lower()


# ------------------------------------------------------------------------------------------------ PostgreSQL


async def _connect(platform, principal: str) -> asyncpg.Connection:
    return await asyncpg.connect(platform.infra.database_url_of(principal))


async def test_each_service_owns_its_schemas(platform, enrolled):
    conn = await asyncpg.connect(platform.database_url)
    try:
        owners = dict(
            await conn.fetch(
                "SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = ANY($1::text[])",
                [platform.schema(s) for s in ("intake", "accompaniment", "placement")] + [f"{platform.run_id}_bi"],
            )
        )
    finally:
        await conn.close()
    assert owners == {
        platform.schema("intake"): "ali_intake",
        platform.schema("accompaniment"): "ali_accompaniment",
        platform.schema("placement"): "ali_placement",
        f"{platform.run_id}_bi": "ali_reporting",
    }


async def test_a_service_role_cannot_read_another_services_schema(platform, enrolled):
    accompaniment = await _connect(platform, "accompaniment")
    intake = await _connect(platform, "intake")
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await accompaniment.fetchval(f"SELECT count(*) FROM {platform.schema('intake')}.events")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await intake.fetchval(f"SELECT count(*) FROM {platform.schema('accompaniment')}.events")
        assert await intake.fetchval(f"SELECT count(*) FROM {platform.schema('intake')}.events") >= 1
    finally:
        await accompaniment.close()
        await intake.close()


async def test_bi_reader_reads_bi_and_is_denied_intake(platform, enrolled):
    bi_schema = f"{platform.run_id}_bi"
    conn = await _connect(platform, "bi")
    try:

        async def projected():
            return await conn.fetchval(f"SELECT count(*) FROM {bi_schema}.accompaniments")

        assert await wait_until(projected, timeout=60, message="the accompaniment in the BI read models")
        assert await conn.fetchval(f"SELECT count(*) FROM {bi_schema}.beneficiaries") >= 1
        # Every view handed to the BI tools reads (the views are made again at each start, their grants with them).
        for view in VIEWS:
            assert await conn.fetchval(f"SELECT count(*) FROM {bi_schema}.{view}") is not None
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetchval(f"SELECT count(*) FROM {platform.schema('intake')}.events")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetchval(f"SELECT count(*) FROM {platform.schema('intake')}.persons")
        # The role's sessions are read-only by default: a write is refused before any privilege is looked at.
        assert await conn.fetchval("SHOW transaction_read_only") == "on"
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await conn.execute(f"CREATE TABLE {bi_schema}.mine (x int)")
        # A write through a view is refused by the grants (checked as the view is expanded, before read-only).
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(f"DELETE FROM {bi_schema}.beneficiaries")
        # Read-only is only the role's default: without it, the grants still refuse every write.
        await conn.execute("SET default_transaction_read_only = off")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(f"DELETE FROM {bi_schema}.beneficiaries")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(f"CREATE TABLE {bi_schema}.mine (x int)")
    finally:
        await conn.close()


async def test_keycloaks_role_owns_its_database_and_reaches_no_other(infra):
    def on(url: str, database: str) -> str:
        return f"{url.rsplit('/', 1)[0]}/{database}"

    conn = await asyncpg.connect(on(infra.database_url_of("keycloak"), "keycloak"))
    try:
        owner = await conn.fetchval(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
        )
        powers = await conn.fetchval(
            "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )
    finally:
        await conn.close()
    assert (owner, powers) == ("ali_keycloak", False)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await asyncpg.connect(infra.database_url_of("keycloak"))
    for principal in ("intake", "reporting", "bi"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await asyncpg.connect(on(infra.database_url_of(principal), "keycloak"))


async def test_nothing_logs_in_with_the_former_default_password(platform):
    endpoint = platform.infra.database_endpoint.replace("postgresql://", "postgresql://ali:ali@")
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(endpoint)
