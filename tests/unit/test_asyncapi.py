"""The AsyncAPI document of the topics is current and every reference in it resolves."""

from __future__ import annotations

import json

from shared.asyncapi import DOCUMENT, render
from shared.contracts import REGISTRY
from shared.settings import PlatformSettings


def test_the_published_document_matches_the_contracts():
    assert DOCUMENT.read_text(encoding="utf-8") == render(), "run `python -m shared.asyncapi generate`"


def test_every_event_is_a_message_of_its_topic_with_its_published_schema():
    doc = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    assert doc["asyncapi"] == "3.0.0"
    settings = PlatformSettings()
    for cls in REGISTRY.classes():
        channel = doc["channels"][f"{cls.context}Events"]
        assert channel["address"] == settings.topic(f"{cls.context}.events")
        assert channel["messages"][cls.__name__] == {"$ref": f"#/components/messages/{cls.__name__}"}
        message = doc["components"]["messages"][cls.__name__]
        assert message["name"] == cls.event_type()
        schema = json.loads((DOCUMENT.parent / message["payload"]["$ref"]).read_text(encoding="utf-8"))
        assert schema["$id"] == cls.dataschema()


def test_local_references_resolve():
    doc = json.loads(DOCUMENT.read_text(encoding="utf-8"))

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node and node["$ref"].startswith("#/"):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(doc):
        target = doc
        for part in ref[2:].split("/"):
            target = target[part]
        assert target, ref
    assert doc["components"]["schemas"]["CloudEventHeaders"]["properties"]["ce_specversion"]["const"] == "1.0"
