"""Who may do what on Kafka: the platform's principals, their ACLs, and the command that applies them.

    python -m shared.kafka_acl apply --config FILE [--secrets-dir DIR]   SCRAM credentials and ACLs, reconciled
    python -m shared.kafka_acl show --config FILE                        the ACLs in force, one per line

`--config` is a librdkafka property file of a super user (the local stack's `.data/secrets/node.properties`: the
brokers' own certificate on their internal mutual-TLS listener). `--secrets-dir` holds `<principal>.env` files
whose `ALI_KAFKA_PASSWORD` becomes that principal's SCRAM-SHA-512 credential.

Naming makes prefixed ACLs enough: every topic and group of a service starts with `ali.<service>.` (a test run's
names only add a suffix, `ali.intake.events.<run>`), so the same grants hold in production and in the test suite.
Topics: each service creates its own (CREATE on its prefixes); a consumer waits for the topics of others.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

SERVICES = ("intake", "accompaniment", "placement", "reporting")
EVENT_CONTEXTS = ("intake", "accompaniment", "placement")
ADMIN = "admin"
BI = "bi"
PRINCIPALS = (ADMIN, *SERVICES, BI)
# The brokers authenticate to each other (and to `apply`) with their certificate, whose subject is this.
NODE_PRINCIPAL = "User:CN=ali-kafka-node"
SUPER_USERS = (NODE_PRINCIPAL, f"User:{ADMIN}")
SCRAM_MECHANISM = "SCRAM-SHA-512"
SCRAM_ITERATIONS = 8192

# The event topics each service consumes (its bootstrap's consumers; a unit test keeps the two in step).
CONSUMES: dict[str, tuple[str, ...]] = {
    "intake": ("accompaniment",),  # which accompaniment each enrolment opened, and its closure (returns)
    "accompaniment": ("intake", "placement"),
    "placement": ("accompaniment",),
    "reporting": EVENT_CONTEXTS,
}
# The topics each service writes (and creates, and may read back): `ali.<service>.<name>` prefixes.
WRITES: dict[str, tuple[str, ...]] = {
    "intake": ("events", "dlq"),
    "accompaniment": ("events", "dlq"),
    "placement": ("events", "dlq"),
    "reporting": ("dlq",),
}
# Reporting's faust app: its id is its consumer group `ali.reporting.v<N>` and names its internal topics
# (`<id>-facts-changelog`, `<id>-__assignor-__leader`), which reporting creates, writes and reads. Change this
# entry, and only this one, when reporting's streams change (e.g. without a changelog).
REPORTING_STREAMS_TOPICS = "ali.reporting.v"


@dataclass(frozen=True, order=True)
class Grant:
    """One ALLOW ACL: principal, resource (`topic`, `group`), pattern (`prefixed`, `literal`), name, operation."""

    principal: str
    resource: str
    pattern: str
    name: str
    operation: str

    def __str__(self) -> str:
        return f"{self.principal} {self.operation} {self.resource}:{self.pattern}:{self.name}"


def _grants(principal: str, resource: str, names: Iterable[str], operations: Iterable[str]) -> list[Grant]:
    return [Grant(f"User:{principal}", resource, "prefixed", n, op) for n in names for op in operations]


def service_grants(service: str) -> list[Grant]:
    """A service's ACLs: its own topics, the event topics it consumes, its consumer groups."""
    own = [f"ali.{service}.{name}" for name in WRITES[service]]
    if service == "reporting":
        own.append(REPORTING_STREAMS_TOPICS)
    consumed = [f"ali.{context}.events" for context in CONSUMES[service]]
    return (
        _grants(service, "topic", own, ("CREATE", "WRITE", "READ", "DESCRIBE"))
        + _grants(service, "topic", consumed, ("READ", "DESCRIBE"))
        + _grants(service, "group", [f"ali.{service}."], ("READ",))
    )


def bi_grants() -> list[Grant]:
    """BI tools: read the event topics, in groups of their own (`bi.`); no dead letters, changelog or write."""
    events = [f"ali.{context}.events" for context in EVENT_CONTEXTS]
    return _grants(BI, "topic", events, ("READ", "DESCRIBE")) + _grants(BI, "group", ["bi."], ("READ",))


def desired_grants() -> list[Grant]:
    """Every ACL of the platform (the admin is a super user and needs none)."""
    return sorted([g for s in SERVICES for g in service_grants(s)] + bi_grants())


def read_passwords(secrets_dir: Path) -> dict[str, str]:
    """`ALI_KAFKA_PASSWORD` of each principal's credentials file found in the directory."""
    passwords = {}
    for principal in PRINCIPALS:
        path = secrets_dir / f"{principal}.env"
        if path.is_file():
            values = dotenv_values(path)
            if values.get("ALI_KAFKA_USERNAME") != principal or not values.get("ALI_KAFKA_PASSWORD"):
                raise ValueError(f"{path}: ALI_KAFKA_USERNAME={principal} and ALI_KAFKA_PASSWORD expected")
            passwords[principal] = values["ALI_KAFKA_PASSWORD"]
    return passwords


def read_properties(path: Path) -> dict[str, str]:
    """A Java/librdkafka property file."""
    config = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            config[key.strip()] = value.strip()
    return config


def _binding(grant: Grant):
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType

    return AclBinding(
        ResourceType[grant.resource.upper()],
        grant.name,
        ResourcePatternType[grant.pattern.upper()],
        grant.principal,
        "*",
        AclOperation[grant.operation],
        AclPermissionType.ALLOW,
    )


def _grant_of(binding) -> Grant:
    return Grant(
        binding.principal,
        binding.restype.name.lower(),
        binding.resource_pattern_type.name.lower(),
        binding.name,
        binding.operation.name,
    )


def current_grants(admin, timeout: float = 30) -> list[Grant]:
    """Every ALLOW ACL in force on the cluster."""
    from confluent_kafka.admin import (
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        ResourcePatternType,
        ResourceType,
    )

    everything = AclBindingFilter(
        ResourceType.ANY, None, ResourcePatternType.ANY, None, None, AclOperation.ANY, AclPermissionType.ANY
    )
    return sorted(_grant_of(b) for b in admin.describe_acls(everything, request_timeout=timeout).result(timeout))


def apply(admin, passwords: dict[str, str], timeout: float = 30) -> tuple[int, int, int]:
    """Upsert the principals' SCRAM credentials; create missing ACLs of the platform's principals and delete theirs
    that are no longer wanted (ACLs of other principals are left alone). Returns (credentials, created, deleted)."""
    from confluent_kafka.admin import (
        AclBindingFilter,
        ScramCredentialInfo,
        ScramMechanism,
        UserScramCredentialUpsertion,
    )

    if passwords:
        info = ScramCredentialInfo(ScramMechanism[SCRAM_MECHANISM.replace("-", "_")], SCRAM_ITERATIONS)
        upserts = [UserScramCredentialUpsertion(user, info, pw.encode()) for user, pw in sorted(passwords.items())]
        for future in admin.alter_user_scram_credentials(upserts, request_timeout=timeout).values():
            future.result(timeout)
    managed = {f"User:{p}" for p in PRINCIPALS}
    wanted = set(desired_grants())
    present = {g for g in current_grants(admin, timeout) if g.principal in managed}
    missing = sorted(wanted - present)
    extra = sorted(present - wanted)
    if missing:
        for future in admin.create_acls([_binding(g) for g in missing], request_timeout=timeout).values():
            future.result(timeout)
    if extra:
        filters = []
        for g in extra:
            b = _binding(g)
            filters.append(
                AclBindingFilter(
                    b.restype, b.name, b.resource_pattern_type, b.principal, b.host, b.operation, b.permission_type
                )
            )
        for future in admin.delete_acls(filters, request_timeout=timeout).values():
            future.result(timeout)
    return len(passwords), len(missing), len(extra)


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    from shared.kafka import make_acl_admin

    parser = argparse.ArgumentParser(prog="python -m shared.kafka_acl", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("apply", "reconcile SCRAM credentials and ACLs"), ("show", "list the ACLs in force")):
        command = sub.add_parser(name, help=text)
        command.add_argument("--config", type=Path, required=True, help="librdkafka properties of a super user")
        if name == "apply":
            command.add_argument("--secrets-dir", type=Path, help="directory of <principal>.env credentials files")
    args = parser.parse_args(argv)
    admin = make_acl_admin(read_properties(args.config))
    if args.command == "show":
        for grant in current_grants(admin):
            print(grant)
        return
    passwords = read_passwords(args.secrets_dir) if args.secrets_dir else {}
    credentials, created, deleted = apply(admin, passwords)
    print(f"kafka access: {credentials} credentials set, {created} ACLs created, {deleted} removed", file=sys.stderr)


if __name__ == "__main__":
    main()
