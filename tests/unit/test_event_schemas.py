from __future__ import annotations

import json
import shutil
from datetime import date
from enum import Enum
from typing import Any, ClassVar
from uuid import UUID

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, create_model

from shared.contracts import REGISTRY
from shared.errors import PlatformError
from shared.events import DomainEvent, EventRegistry
from shared.schema_registry import (
    DEFAULT_ROOT,
    SchemaChanged,
    check_compatibility,
    generate,
    main,
    schema_for,
    schema_path,
)

THING = "ali.test.ThingRecorded"

# Values for fields whose type alone does not give a valid example (patterns, formats).
FIELD_EXAMPLES: dict[str, Any] = {
    "commune_code": "93027",
    "siret": "73282932000074",
    "agency_id": "ali-la-courneuve",
    "barrier_id": UUID("0d4c2b8e-5f3a-4e61-a7b9-1c2d3e4f5a6b"),
}


def _example_value(name: str, annotation: Any, examples: list[Any] | None) -> Any:
    if name in FIELD_EXAMPLES:
        return FIELD_EXAMPLES[name]
    if examples:
        return examples[0]
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return next(iter(annotation))
        if issubclass(annotation, bool):
            return True
        if issubclass(annotation, int):
            return 1
        if issubclass(annotation, UUID):
            return UUID("5b1f6c1e-8a8e-4c1e-9d57-3f2a4a0b7c11")
        if issubclass(annotation, date):
            return date(2024, 3, 14)
        if issubclass(annotation, str):
            return "example"
    raise AssertionError(f"no example value for field {name!r} ({annotation!r}); add one to FIELD_EXAMPLES")


def example(cls: type[DomainEvent]) -> dict[str, Any]:
    """Serialized data of a valid instance of the event, as carried on the topics."""
    values = {
        name: _example_value(name, field.annotation, field.examples)
        for name, field in cls.model_fields.items()
        if field.is_required()
    }
    return cls(**values).model_dump(mode="json")


def _published_validator(cls: type[DomainEvent]) -> Draft202012Validator:
    schema = json.loads(schema_path(DEFAULT_ROOT, cls).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


# --- the checked-in schemas -------------------------------------------------------------------------


def test_checked_in_schemas_match_the_code():
    assert check_compatibility() == []


@pytest.mark.parametrize("cls", REGISTRY.classes(), ids=lambda c: c.event_type())
def test_example_events_validate_against_their_published_schema(cls):
    validator = _published_validator(cls)
    data = example(cls)
    assert list(validator.iter_errors(data)) == []
    assert not validator.is_valid({**data, "unexpected": "x"})
    required = validator.schema["required"]
    assert not validator.is_valid({k: v for k, v in data.items() if k != required[0]})


@pytest.mark.parametrize("cls", REGISTRY.classes(), ids=lambda c: c.event_type())
def test_published_schema_identifies_the_event(cls):
    schema = json.loads(schema_path(DEFAULT_ROOT, cls).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == cls.dataschema()
    assert schema["title"] == schema["x-event-type"] == cls.event_type()
    assert schema["x-schema-version"] == cls.schema_version
    assert schema["additionalProperties"] is False


def test_format_violations_are_rejected():
    from shared.contracts.intake import BeneficiaryEnrolled

    validator = _published_validator(BeneficiaryEnrolled)
    data = example(BeneficiaryEnrolled)
    for field, bad in [("commune_code", "75001"), ("enrolled_on", "14/03/2024"), ("age_band", "old")]:
        assert not validator.is_valid({**data, field: bad}), field


def test_tampered_copy_of_the_published_schemas_is_reported(tmp_path):
    root = tmp_path / "schemas"
    shutil.copytree(DEFAULT_ROOT, root)
    cls = REGISTRY.classes()[0]
    path = schema_path(root, cls)
    schema = json.loads(path.read_text(encoding="utf-8"))
    removed = sorted(schema["properties"])[0]
    del schema["properties"][removed]
    path.write_text(json.dumps(schema), encoding="utf-8")

    problems = check_compatibility(root)

    assert len(problems) == 1
    assert cls.event_type() in problems[0] and f"new required field {removed!r}" in problems[0]


# --- schema generation --------------------------------------------------------------------------------


class _TestEvent(DomainEvent):
    context: ClassVar[str] = "test"


class Detail(BaseModel):
    note: str


def thing(version: int = 1, **fields: Any) -> type[DomainEvent]:
    """A `ThingRecorded` test event at some version, with `thing_id` and the given fields."""
    cls = create_model("ThingRecorded", __base__=_TestEvent, thing_id=(UUID, ...), **fields)
    cls.schema_version = version
    return cls


def test_schema_lists_only_truly_required_fields_and_closes_every_object():
    cls = thing(label=(str, ...), note=(str | None, None), detail=(Detail | None, None))
    schema = schema_for(cls)
    assert schema["required"] == ["label", "thing_id"]
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["Detail"]["additionalProperties"] is False
    assert schema["$id"] == "urn:ali:schema:test:ThingRecorded:v1"
    assert (schema["title"], schema["x-schema-version"]) == (THING, 1)
    validator = Draft202012Validator(schema)
    thing_id = "5b1f6c1e-8a8e-4c1e-9d57-3f2a4a0b7c11"
    assert validator.is_valid({"thing_id": thing_id, "label": "a", "detail": {"note": "n"}})
    assert not validator.is_valid({"thing_id": thing_id, "label": "a", "detail": {"note": "n", "x": 1}})


def test_generate_writes_one_file_per_current_version_and_is_idempotent(tmp_path):
    registry = EventRegistry([thing(label=(str, ...))])

    written = generate(tmp_path, registry)

    path = tmp_path / "test" / "ThingRecorded" / "v1.json"
    assert written == [path]
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and json.loads(text)["x-event-type"] == THING
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert generate(tmp_path, registry) == []
    assert check_compatibility(tmp_path, registry) == []


def test_generate_refuses_to_overwrite_a_changed_published_schema(tmp_path):
    generate(tmp_path, EventRegistry([thing(label=(str, ...))]))
    path = tmp_path / "test" / "ThingRecorded" / "v1.json"
    published = path.read_text(encoding="utf-8")

    with pytest.raises(SchemaChanged) as raised:
        generate(tmp_path, EventRegistry([thing(label=(str, ...), note=(str | None, None))]))

    assert isinstance(raised.value, PlatformError)
    message = str(raised.value)
    assert "cannot change" in message and "bump schema_version to 2" in message and "upcaster" in message
    assert "new optional field 'note'" in message
    assert path.read_text(encoding="utf-8") == published


# --- compatibility scenarios -----------------------------------------------------------------------


def test_missing_published_schema_asks_to_generate(tmp_path):
    problems = check_compatibility(tmp_path, EventRegistry([thing()]))
    assert len(problems) == 1 and "python -m shared.schema_registry generate" in problems[0]


def test_new_optional_field_without_version_bump_is_reported(tmp_path):
    generate(tmp_path, EventRegistry([thing(label=(str, ...))]))

    changed = thing(label=(str, ...), note=(str | None, None))
    problems = check_compatibility(tmp_path, EventRegistry([changed]))

    assert len(problems) == 1
    assert "new optional field 'note'" in problems[0]
    assert "bump schema_version to 2" in problems[0] and "upcaster" in problems[0]


def test_removed_field_is_reported(tmp_path):
    generate(tmp_path, EventRegistry([thing(label=(str, ...))]))

    problems = check_compatibility(tmp_path, EventRegistry([thing()]))

    assert len(problems) == 1 and "removed field 'label'" in problems[0]


def test_changed_field_type_is_reported(tmp_path):
    generate(tmp_path, EventRegistry([thing(label=(str, ...))]))

    problems = check_compatibility(tmp_path, EventRegistry([thing(label=(int, ...))]))

    assert len(problems) == 1 and "changed field 'label'" in problems[0]


def test_new_required_field_in_v2_without_upcaster_is_reported(tmp_path):
    generate(tmp_path, EventRegistry([thing(version=1)]))
    registry = EventRegistry([thing(version=2, label=(str, ...))])
    generate(tmp_path, registry)

    problems = check_compatibility(tmp_path, registry)

    assert any("v1 -> v2" in p and "upcaster" in p for p in problems)
    assert any("v2 requires 'label'" in p for p in problems)


def test_new_required_field_in_v2_with_upcaster_passes_and_keeps_v1(tmp_path):
    generate(tmp_path, EventRegistry([thing(version=1)]))
    v1 = tmp_path / "test" / "ThingRecorded" / "v1.json"
    published_v1 = v1.read_text(encoding="utf-8")
    registry = EventRegistry([thing(version=2, label=(str, ...))])

    @registry.upcaster(THING, 1)
    def add_label(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "label": "unknown"}

    assert generate(tmp_path, registry) == [tmp_path / "test" / "ThingRecorded" / "v2.json"]

    assert check_compatibility(tmp_path, registry) == []
    assert v1.read_text(encoding="utf-8") == published_v1
    assert json.loads(published_v1)["$id"].endswith(":v1")


def test_every_older_version_needs_an_upcaster_chain_to_the_current_one(tmp_path):
    generate(tmp_path, EventRegistry([thing(version=1)]))
    generate(tmp_path, EventRegistry([thing(version=2, label=(str | None, None))]))
    registry = EventRegistry([thing(version=3, label=(str | None, None), count=(int, ...))])
    generate(tmp_path, registry)

    @registry.upcaster(THING, 2)
    def add_count(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "count": 0}

    problems = check_compatibility(tmp_path, registry)

    assert any("v1 is published" in p and "v1 -> v2" in p for p in problems)
    assert any("v3 requires 'count'" in p and "v1" in p for p in problems)
    assert not any("v2 payloads" in p for p in problems)


def test_field_becoming_required_needs_a_new_version(tmp_path):
    generate(tmp_path, EventRegistry([thing(label=(str | None, None))]))

    problems = check_compatibility(tmp_path, EventRegistry([thing(label=(str, ...))]))

    assert len(problems) == 1 and "field 'label' became required" in problems[0]


def test_removed_version_and_removed_event_are_reported(tmp_path):
    generate(tmp_path, EventRegistry([thing(version=1)]))
    generate(tmp_path, EventRegistry([thing(version=2)]))

    rolled_back = check_compatibility(tmp_path, EventRegistry([thing(version=1)]))
    removed = check_compatibility(tmp_path, EventRegistry())

    assert len(rolled_back) == 1
    assert "v2: published but the code is at v1; a published version cannot be removed" in rolled_back[0]
    assert len(removed) == 1 and "no event class" in removed[0] and "v1, v2" in removed[0]


def test_cli_check_fails_with_the_problems(tmp_path, capsys):
    assert main(["check", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert all(cls.event_type() in err for cls in REGISTRY.classes())


def test_cli_generate_then_check_succeeds(tmp_path, capsys):
    assert main(["generate", "--root", str(tmp_path)]) == 0
    assert main(["check", "--root", str(tmp_path)]) == 0
    assert "schemas are compatible" in capsys.readouterr().out
