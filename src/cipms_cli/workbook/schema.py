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
        # Either the indicator set (Outcomes, Indicators, Results) or the learner sheets;
        # cipms validate states which is missing.
        "anyOf": [{"required": ["Outcomes", "Indicators", "Results"]}, {"required": ["Learners"]}],
        "$defs": _rename_aliases(defs.get("$defs", {})),
    }


def _rename_aliases(defs: dict[str, Any]) -> dict[str, Any]:
    for model in defs.values():
        for prop in model.get("properties", {}).values():
            if "aliases" in prop:
                prop["x-aliases"] = prop.pop("aliases")
    return defs


def workbook_markdown() -> str:
    """The contract as Markdown tables: sheets, columns, aliases and settings."""
    from cipms_cli.settings import Settings, known_keys

    lines: list[str] = []
    for spec in SHEETS:
        layout = (
            "key/value: two columns, `key` and `value`"
            if spec.layout is Layout.KEY_VALUE
            else "a table: one header row, then one row per record"
        )
        aliases = ", ".join(f"`{a}`" for a in spec.aliases) or "none"
        lines += [f"### {spec.name}", "", f"{spec.description}", ""]
        lines += [f"Layout: {layout}. Other sheet names accepted: {aliases}.", ""]
        if spec.name == "Settings":
            continue
        lines += ["| column | required | meaning | also accepted |", "|---|---|---|---|"]
        for c in spec.columns:
            also = ", ".join(f"`{a}`" for a in c.aliases)
            lines.append(
                f"| `{c.name}` | {'yes' if c.required else 'no'} | {c.description} | {also} |"
            )
        lines.append("")
    lines += ["### Settings keys", "", "| key | default | meaning |", "|---|---|---|"]
    defaults = Settings()
    for key, description in known_keys().items():
        head, _, tail = key.partition(".")
        value = getattr(getattr(defaults, head), tail) if tail else getattr(defaults, head)
        lines.append(f"| `{key}` | `{value}` | {description} |")
    return "\n".join(lines) + "\n"
