"""Published JSON Schemas of the event contracts: generation and compatibility checks.

Each registered event class has one file per published version, `<root>/<context>/<Event>/v<N>.json`.
A published file never changes: a change to a contract needs a new `schema_version` and an upcaster.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

from shared.contracts import REGISTRY
from shared.errors import PlatformError
from shared.events import DomainEvent, EventRegistry

DEFAULT_ROOT = Path(__file__).parent / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
GENERATE_COMMAND = "python -m shared.schema_registry generate"
_VERSION_FILE = re.compile(r"^v(\d+)\.json$")

Schema = dict[str, Any]


class SchemaChanged(PlatformError):
    """The code of an event no longer matches its published schema of the same version."""


def _close(schema: Schema) -> None:
    """Forbid unknown properties and sort `required`, so the order of fields in the code does not matter."""
    if schema.get("type") == "object" and "properties" in schema:
        schema["additionalProperties"] = False
        if "required" in schema:
            schema["required"] = sorted(schema["required"])


def schema_for(cls: type[DomainEvent]) -> Schema:
    """JSON Schema (draft 2020-12) of the serialized data of an event class."""
    # Serialization mode describes `model_dump(mode="json")`, the data stored and published; fields with a
    # default stay out of `required` (pydantic's `json_schema_serialization_defaults_required` is False).
    schema: Schema = cls.model_json_schema(mode="serialization")
    for definition in schema.get("$defs", {}).values():
        _close(definition)
    _close(schema)
    event_type = cls.event_type()
    schema.update({"$schema": DIALECT, "$id": cls.dataschema(), "title": event_type})
    schema.update({"x-event-type": event_type, "x-schema-version": cls.schema_version})
    return schema


def schema_path(root: Path, cls: type[DomainEvent]) -> Path:
    """File of the current version of an event's schema."""
    return root / cls.context / cls.__name__ / f"v{cls.schema_version}.json"


def _read(path: Path) -> Schema | None:
    """A published schema, or None when the file is not a JSON object."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _published(root: Path) -> dict[str, dict[int, Path]]:
    """Published schema files on disk, by event type and version."""
    found: dict[str, dict[int, Path]] = {}
    for event_dir in sorted(d for d in root.glob("*/*") if d.is_dir()):
        matches = ((_VERSION_FILE.match(f.name), f) for f in event_dir.iterdir() if f.is_file())
        if versions := {int(m.group(1)): f for m, f in matches if m}:
            found[f"ali.{event_dir.parent.name}.{event_dir.name}"] = versions
    return found


def _changes(old: Schema, new: Schema) -> list[str]:
    """What differs between two schemas, field by field."""
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
    changes = [
        f"new {'required' if name in new_req else 'optional'} field {name!r}"
        for name in sorted(new_props.keys() - old_props.keys())
    ]
    changes += [f"removed field {name!r}" for name in sorted(old_props.keys() - new_props.keys())]
    for name in sorted(old_props.keys() & new_props.keys()):
        if old_props[name] != new_props[name]:
            changes.append(f"changed field {name!r}")
        if (name in old_req) != (name in new_req):
            changes.append(f"field {name!r} became {'required' if name in new_req else 'optional'}")
    old_defs, new_defs = old.get("$defs", {}), new.get("$defs", {})
    for name in sorted(old_defs.keys() | new_defs.keys()):
        if old_defs.get(name) != new_defs.get(name):
            state = "added" if name not in old_defs else "removed" if name not in new_defs else "changed"
            changes.append(f"{state} definition {name!r}")
    for key in sorted((old.keys() | new.keys()) - {"properties", "required", "$defs"}):
        if old.get(key) != new.get(key):
            changes.append(f"changed {key!r}")
    return changes or ["changed content"]


def _immutable(cls: type[DomainEvent], path: Path, on_disk: Schema | None, schema: Schema) -> str:
    """Message for a published schema that the code no longer matches."""
    event_type, version = cls.event_type(), cls.schema_version
    what = "; ".join(_changes(on_disk, schema)) if on_disk is not None else "not a JSON object"
    return (
        f"{event_type} v{version}: the code differs from the published schema {path} ({what}). "
        f"A published schema cannot change: bump schema_version to {version + 1} and add an upcaster "
        f"v{version} -> v{version + 1} (@registry.upcaster({event_type!r}, {version})), or revert the change."
    )


def generate(root: Path = DEFAULT_ROOT, registry: EventRegistry | None = None) -> list[Path]:
    """Write the current schema of every event; return the files written (identical ones are left)."""
    pending: list[tuple[Path, str]] = []
    for cls in (REGISTRY if registry is None else registry).classes():
        path, schema = schema_path(root, cls), schema_for(cls)
        if not path.exists():
            pending.append((path, json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"))
        elif (on_disk := _read(path)) != schema:
            raise SchemaChanged(_immutable(cls, path, on_disk, schema))
    for path, text in pending:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return [path for path, _ in pending]


def _missing_upcasters(registry: EventRegistry, event_type: str, start: int, end: int) -> list[int]:
    """Versions between `start` and `end` that have no upcaster to the next version."""
    return [v for v in range(start, end) if (event_type, v) not in registry._upcasters]


def _check_event(cls: type[DomainEvent], files: dict[int, Path], registry: EventRegistry) -> list[str]:
    """Problems of one event type against its published versions."""
    event_type, current = cls.event_type(), cls.schema_version
    schemas: dict[int, Schema] = {current: schema_for(cls)}
    problems: list[str] = []
    if current not in files:
        missing = f"{cls.context}/{cls.__name__}/v{current}.json"
        problems.append(f"{event_type} v{current}: no published schema {missing}; run `{GENERATE_COMMAND}`.")
    elif (on_disk := _read(files[current])) != schemas[current]:
        problems.append(_immutable(cls, files[current], on_disk, schemas[current]))
    for version in sorted(v for v in files if v > current):
        problems.append(
            f"{event_type} v{version}: published but the code is at v{current}; a published version cannot be removed."
        )
    for version in sorted(v for v in files if v < current):
        if missing := _missing_upcasters(registry, event_type, version, current):
            steps = ", ".join(f"v{v} -> v{v + 1}" for v in missing)
            problems.append(
                f"{event_type}: v{version} is published but the upcaster(s) {steps} are missing; "
                f"stored v{version} events could not be read as v{current}."
            )
        if (older := _read(files[version])) is None:
            problems.append(f"{event_type} v{version}: {files[version]} is not a JSON object.")
        else:
            schemas[version] = older
    for old, new in combinations(sorted(schemas), 2):
        added = set(schemas[new].get("required", [])) - set(schemas[old].get("required", []))
        if added and _missing_upcasters(registry, event_type, old, new):
            problems.append(
                f"{event_type}: v{new} requires {', '.join(map(repr, sorted(added)))} that v{old} "
                f"payloads may lack, and no upcaster chain v{old} -> v{new} fills them in."
            )
    return problems


def check_compatibility(root: Path = DEFAULT_ROOT, registry: EventRegistry | None = None) -> list[str]:
    """Problems between the code and the published schemas; an empty list means compatible."""
    registry = REGISTRY if registry is None else registry
    published = _published(root)
    classes = {cls.event_type(): cls for cls in registry.classes()}
    problems = [
        f"{event_type}: published as v{', v'.join(map(str, sorted(published[event_type])))} but no "
        "event class is registered; a published event cannot be removed."
        for event_type in sorted(published.keys() - classes.keys())
    ]
    for event_type, cls in classes.items():
        problems += _check_event(cls, published.get(event_type, {}), registry)
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `generate` writes missing schema files, `check` verifies compatibility."""
    parser = argparse.ArgumentParser(
        prog="python -m shared.schema_registry", description="JSON Schemas of the published event contracts."
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="schema folder (%(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("generate", parents=[common], help="write each event's current schema, never overwriting")
    sub.add_parser("check", parents=[common], help="fail when code and published schemas are incompatible")
    args = parser.parse_args(argv)
    if args.command == "generate":
        try:
            written = generate(args.root)
        except SchemaChanged as e:
            print(e, file=sys.stderr)
            return 1
        print("\n".join(f"wrote {path}" for path in written) or "schemas are up to date")
        return 0
    problems = check_compatibility(args.root)
    print("\n".join(problems) or "schemas are compatible", file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
