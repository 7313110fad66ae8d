"""The AsyncAPI 3.0 description of the platform's event topics, generated from the event contracts.

python -m shared.asyncapi generate     # writes docs/asyncapi.json
python -m shared.asyncapi check        # fails when docs/asyncapi.json is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.contracts import REGISTRY
from shared.envelope import EXTENSIONS
from shared.events import EventRegistry
from shared.schema_registry import DEFAULT_ROOT, schema_path

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "asyncapi.json"
CONTEXTS = {
    "intake": "Referral, enrolment, transfers and erasure of beneficiaries (pseudonymous ids only).",
    "accompaniment": "The one-year renewable follow-up: appointments, workshops, barriers, plans, exits.",
    "placement": "Employers, field needs, introductions, hires, post-hire follow-up and immersions.",
}
KEYS = {
    "intake": "Pseudonymous beneficiary id.",
    "accompaniment": "Pseudonymous beneficiary id (workshop sessions: the session id).",
    "placement": "Pseudonymous beneficiary id for person-related streams; employer id for employers and needs.",
}


def _headers() -> dict:
    """The CloudEvents binary-mode headers every record carries."""
    required = ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_dataschema", "content-type"]
    properties = {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "format": "uuid", "description": "Event id (deduplicate on it)."},
        "ce_source": {"type": "string", "examples": ["/ali/intake"]},
        "ce_type": {"type": "string", "examples": ["ali.intake.BeneficiaryEnrolled"]},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_dataschema": {"type": "string", "description": "URN of the JSON Schema of the data."},
        "ce_subject": {"type": "string", "description": "Pseudonymous id the event is about."},
        "content-type": {"type": "string", "const": "application/json"},
    }
    for extension in EXTENSIONS:
        properties[f"ce_{extension}"] = {
            "type": "string",
            "description": f"Envelope attribute {EXTENSIONS[extension]}.",
        }
    required += ["ce_schemaversion", "ce_streamid", "ce_streamversion", "ce_partitionkey", "ce_correlationid"]
    return {"type": "object", "properties": properties, "required": sorted(required)}


def document(registry: EventRegistry = REGISTRY, root: Path = DEFAULT_ROOT) -> dict:
    """The AsyncAPI document."""
    channels, operations, messages = {}, {}, {}
    for context, description in CONTEXTS.items():
        classes = [c for c in registry.classes() if c.context == context]
        channel_messages = {}
        for cls in classes:
            name = cls.__name__
            schema_file = Path("..") / schema_path(root, cls).relative_to(root.parent.parent)
            messages[name] = {
                "name": cls.event_type(),
                "title": name,
                "summary": (cls.__doc__ or "").strip().splitlines()[0],
                "contentType": "application/json",
                "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
                "payload": {"$ref": schema_file.as_posix()},
                "bindings": {"kafka": {"key": {"type": "string", "description": KEYS[context]}}},
                "x-schema-version": cls.schema_version,
            }
            channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
        channel = f"{context}Events"
        channels[channel] = {
            "address": f"ali.{context}.events",
            "description": description,
            "messages": channel_messages,
            "bindings": {
                "kafka": {
                    "partitions": 6,
                    "replicas": 1,
                    "topicConfiguration": {"retention.ms": -1, "cleanup.policy": ["delete"]},
                }
            },
        }
        operations[f"consume{context.title()}Events"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": f"Read the {context} events (BI tools, other services).",
            "messages": [{"$ref": f"#/channels/{channel}/messages/{m}"} for m in channel_messages],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "ALI insertion platform — event streams",
            "version": "1.0.0",
            "description": (
                "Events of the Seine-Saint-Denis insertion platform, one topic per bounded context, in the "
                "CloudEvents Kafka binding (binary mode). Events carry pseudonymous ids only: no name, birth date, "
                "NIR, address, phone or email ever appears on a topic."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "The local stack (deploy/local/stack.sh).",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": {"CloudEventHeaders": _headers()}},
    }


def render() -> str:
    """The document as written to disk."""
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m shared.asyncapi", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["generate", "check"])
    args = parser.parse_args(argv)
    if args.command == "generate":
        DOCUMENT.parent.mkdir(exist_ok=True)
        DOCUMENT.write_text(render(), encoding="utf-8")
        print(f"wrote {DOCUMENT}")
    elif not DOCUMENT.exists() or DOCUMENT.read_text(encoding="utf-8") != render():
        print(f"{DOCUMENT} is out of date: run `python -m shared.asyncapi generate`", file=sys.stderr)
        sys.exit(1)
    else:
        print("asyncapi document is up to date")


if __name__ == "__main__":
    main()
