"""The workbook contract as JSON Schema, for ``cipms schema``."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from cipms_cli.workbook.sheets import SHEETS, Layout


def workbook_json_schema() -> dict[str, Any]:
    _, defs = models_json_schema(
        [(spec.model, "validation") for spec in SHEETS], ref_template="#/$defs/{model}"
    )
    properties: dict[str, Any] = {}
    for spec in SHEETS:
        ref = {"$ref": f"#/$defs/{spec.model.__name__}"}
        properties[spec.name] = {
            "description": spec.description,
            "x-layout": spec.layout.value,
            "x-sheet-aliases": list(spec.aliases),
            **({"type": "array", "items": ref} if spec.layout is Layout.TABLE else ref),
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "cipms workbook",
        "description": "One property per sheet. Sheet and column names match case- and "
        "whitespace-insensitively; x-aliases lists other accepted header names.",
        "type": "object",
        "properties": properties,
        "required": ["Outcomes", "Indicators", "Results"],
        "$defs": _rename_aliases(defs.get("$defs", {})),
    }


def _rename_aliases(defs: dict[str, Any]) -> dict[str, Any]:
    for model in defs.values():
        for prop in model.get("properties", {}).values():
            if "aliases" in prop:
                prop["x-aliases"] = prop.pop("aliases")
    return defs
