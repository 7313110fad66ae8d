"""Kafka chores of the local stack (deploy/local/stack.sh): readiness, access set-up, probe.

    python -m deploy.local.kafka_admin ready --secrets-dir DIR --internal H:P,... --bootstrap H:P,... --brokers N
        wait until N brokers are registered (as a node, over mutual TLS), apply the SCRAM credentials and ACLs of
        shared/kafka_acl.py, then check that the admin principal logs in over SASL_SSL
    python -m deploy.local.kafka_admin probe --secrets-dir DIR --bootstrap H:P,... --brokers N
        as the admin principal over SASL_SSL: the brokers registered, and whether there are N of them
    python -m deploy.local.kafka_admin kcat-config --secrets-dir DIR --bootstrap H:P,... --principal P --out FILE
        a kcat (librdkafka) `-F` property file for a principal: brokers, CA, SASL_SSL credentials (mode 0600)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from shared import kafka_acl
from shared.kafka import librdkafka_config, make_acl_admin, make_admin
from shared.settings import PlatformSettings


def node_config(secrets_dir: Path, internal: str) -> dict[str, str]:
    """librdkafka settings of the nodes' own identity (their certificate) on the internal listener."""
    tls = secrets_dir / "tls"
    return {
        "bootstrap.servers": internal,
        "security.protocol": "ssl",
        "ssl.ca.location": str(tls / "ca.pem"),
        "ssl.certificate.location": str(tls / "node.pem"),
        "ssl.key.location": str(tls / "node.key"),
    }


def admin_settings(secrets_dir: Path, bootstrap: str) -> PlatformSettings:
    """The admin principal's settings."""
    return PlatformSettings.of(
        kafka_acl.ADMIN,
        secrets_dir=secrets_dir,
        kafka_bootstrap_servers=bootstrap,
        kafka_ca_file=secrets_dir / "tls" / "ca.pem",
    )


async def registered_brokers(settings: PlatformSettings) -> list[int]:
    """Ids of the brokers the cluster knows, asked over SASL_SSL."""
    admin = make_admin(settings, request_timeout_ms=5000)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        await admin.list_topics()
    finally:
        await admin.close()
    return sorted(b["node_id"] for b in cluster["brokers"])


def ready(args) -> int:
    admin = make_acl_admin(node_config(args.secrets_dir, args.internal) | {"socket.timeout.ms": "5000"})
    deadline = time.monotonic() + args.timeout
    while True:
        try:
            brokers = admin.describe_cluster(request_timeout=5).result(10).nodes
            if len(brokers) >= args.brokers:
                break
            why = f"{len(brokers)} of {args.brokers} brokers registered"
        except Exception as e:  # noqa: BLE001 - still starting: any failure is retried until the deadline
            why = str(e)
        if time.monotonic() > deadline:
            print(f"kafka not ready after {args.timeout}s: {why}", file=sys.stderr)
            return 1
        time.sleep(1)
    credentials, created, deleted = kafka_acl.apply(admin, kafka_acl.read_passwords(args.secrets_dir))
    if created or deleted:
        print(f"kafka access: {credentials} principals, {created} ACLs created, {deleted} removed", file=sys.stderr)
    settings = admin_settings(args.secrets_dir, args.bootstrap)
    while True:
        try:
            asyncio.run(asyncio.wait_for(registered_brokers(settings), 15))
            return 0
        except Exception as e:  # noqa: BLE001 - SCRAM credentials take a moment to reach every broker
            if time.monotonic() > deadline:
                print(f"admin cannot log in over SASL_SSL: {e or type(e).__name__}", file=sys.stderr)
                return 1
            time.sleep(1)


def probe(args) -> int:
    try:
        settings = admin_settings(args.secrets_dir, args.bootstrap)
        brokers = asyncio.run(asyncio.wait_for(registered_brokers(settings), 15))
    except Exception as e:  # noqa: BLE001 - reported as "not healthy"
        print(f"not healthy: {e or type(e).__name__}")
        return 1
    print("brokers " + ",".join(str(b) for b in brokers))
    return 0 if len(brokers) >= args.brokers else 1


def kcat_config(args) -> int:
    settings = PlatformSettings.of(
        args.principal,
        secrets_dir=args.secrets_dir,
        kafka_bootstrap_servers=args.bootstrap,
        kafka_ca_file=args.secrets_dir / "tls" / "ca.pem",
        # Debian 12's kcat (librdkafka 2.0.2) cannot do SCRAM with Kafka 4: PLAIN over TLS, same principal.
        kafka_sasl_mechanism="PLAIN",
    )
    lines = [f"# kcat -F {args.out}: Kafka principal '{args.principal}' on the local stack (never commit)."]
    lines += [f"{key}={value}" for key, value in librdkafka_config(settings).items()]
    args.out.touch(mode=0o600)
    args.out.write_text("\n".join(lines) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.local.kafka_admin", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("ready", "probe", "kcat-config"):
        command = sub.add_parser(name)
        command.add_argument("--secrets-dir", type=Path, required=True)
        command.add_argument("--bootstrap", required=True)
        command.add_argument("--brokers", type=int, default=1)
        if name == "ready":
            command.add_argument("--internal", required=True)
            command.add_argument("--timeout", type=float, default=90)
        if name == "kcat-config":
            command.add_argument("--principal", required=True, choices=(kafka_acl.ADMIN, kafka_acl.BI))
            command.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    return {"ready": ready, "probe": probe, "kcat-config": kcat_config}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
