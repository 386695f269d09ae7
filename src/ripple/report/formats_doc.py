"""``docs/formats.md``: every field of every input file, generated from the models.

Each kind's JSON Schema (:mod:`ripple.schemas`) gives the models it is made of, their fields in
order, types, bounds and defaults, and the models' docstrings; the examples are the values the
bundled example files give a field. A test regenerates the page and compares it with the
committed one, so the reference follows every change to a model.
"""

from __future__ import annotations

from typing import Any, get_args

import yaml
from pydantic import BaseModel

from ripple.schemas import KINDS, SpecKind

#: Units by the end of a field's name (the project's naming convention for quantities).
UNITS = (("energy_pj_per_bit", "pJ/bit"), ("_pj", "pJ"), ("bandwidth", "bits/cycle"),
         ("_bits", "bits"))
#: Units of whole models' fields: a precision is a width in bits.
MODEL_UNITS = {"Precision": "bits"}
#: The longest example shown in a table cell.
MAX_EXAMPLE = 60
#: Bounds shown as powers of two (the bounds of :mod:`ripple.bounds`).
_POWERS = {2**31 - 1: "2^31-1", 2**53: "2^53"}

HEADER = """# Input file formats

Generated from the models that read the files (`ripple schema --markdown`; a test compares
this page with a fresh run, so it cannot drift). `ripple schema KIND` prints a kind's JSON
Schema, for an editor to validate a YAML file as it is written: `ripple schema architecture -o
arch.schema.json`, then `# yaml-language-server: $schema=arch.schema.json` as the first line of
an architecture file, for VS Code's YAML extension. A key a model does not know is an error
naming it and the closest known one; every file is read with the limits in the README
("Evaluate your own mapping").

Types: `integer > 0, <= 2^31-1` states the accepted range; `map A -> B` is a YAML mapping
from keys of kind A to values of kind B; `[A, B]` a list of exactly those two. Units follow a
field's name: `_bits` bits, `bandwidth` bits per cycle, `_pj` picojoules (per access, or per
bit under `energy_per: bit`), a precision's widths bits. Examples are the values the bundled
example files (`ripple init`) give the field; they are not defaults.
"""


def formats_markdown() -> str:
    """The whole page."""
    return "\n".join([HEADER, *(_kind_section(kind) for kind in KINDS.values())]).rstrip() + "\n"


def _kind_section(kind: SpecKind) -> str:
    schema = kind.adapter().json_schema()  # the content, under the wrapper key if any
    defs = schema.get("$defs", {})
    examples = _examples(kind)
    classes = _model_classes(kind.root())
    lines = [f"## {kind.title} (`ripple schema {kind.name}`)", "", kind.summary, ""]
    if kind.examples:
        files = ", ".join(f"`examples/{name}`" for name in kind.examples)
        lines += [f"Examples: {files}.", ""]
    if kind.wrapper:
        lines += [f"The file holds one key, `{kind.wrapper}`: {_type(schema)}.", ""]
    for name, model in _models_in_order(schema, defs):
        lines += _model_table(name, model, classes[name], examples.get(name, {}))
    return "\n".join(lines)


def _models_in_order(root: dict[str, Any],
                     defs: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The models a schema refers to (name, schema), in the order a reader meets them (depth
    first), the root model first."""
    seen: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[1]
                if name not in seen:
                    seen.append(name)
                    visit(defs[name])
            for key, value in node.items():
                if key != "$defs":
                    visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    if "$ref" not in root and "properties" in root:  # the root model itself
        seen.append(root.get("title", ""))
        defs = {**defs, seen[0]: root}
    visit(root)
    return [(name, defs[name]) for name in seen if name in defs]


def _model_table(name: str, model: dict[str, Any], cls: type[BaseModel],
                 examples: dict[str, str]) -> list[str]:
    lines = [f"### {name}", ""]
    if model.get("description"):
        lines += [" ".join(model["description"].split()), ""]
    required = set(model.get("required", ()))
    lines += ["| field | type | default | unit | meaning | example |",
              "|---|---|---|---|---|---|"]
    for field, prop in model.get("properties", {}).items():
        default = "required" if field in required else _default(cls, field)
        lines.append("| " + " | ".join([
            f"`{field}`", _type(prop), default, _unit(name, field),
            " ".join(prop.get("description", "").split()), examples.get(field, "")]) + " |")
    lines.append("")
    return lines


def _default(cls: type[BaseModel], field: str) -> str:
    value = cls.model_fields[field].get_default(call_default_factory=True)
    return _value(value.model_dump(mode="json") if isinstance(value, BaseModel) else value)


def _model_classes(root: Any) -> dict[str, type[BaseModel]]:
    """Every model class reachable from the type ``root``, by name (as the JSON Schema names
    its definitions)."""
    found: dict[str, type[BaseModel]] = {}
    stack = [root]
    while stack:
        kind = stack.pop()
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            if kind.__name__ in found:
                continue
            found[kind.__name__] = kind
            stack.extend(info.annotation for info in kind.model_fields.values())
        else:
            stack.extend(arg for arg in get_args(kind) if not isinstance(arg, str | int))
    return found


def _unit(model: str, field: str) -> str:
    if model in MODEL_UNITS:
        return MODEL_UNITS[model]
    return next((unit for suffix, unit in UNITS if field.endswith(suffix)), "")


def _type(schema: dict[str, Any]) -> str:
    """A JSON Schema as a short phrase."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return f"[{name}](#{name.lower()})"
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(dict.fromkeys(_type(member) for member in schema[key]))
    if "enum" in schema:
        return "one of " + ", ".join(_value(value) for value in schema["enum"])
    if "const" in schema:
        return _value(schema["const"])
    kind = schema.get("type")
    if kind == "array":
        if "prefixItems" in schema:
            return "[" + ", ".join(_type(item) for item in schema["prefixItems"]) + "]"
        return f"list of {_type(schema.get('items', {}))}{_length(schema, 'Items')}"
    if kind == "object":
        if "properties" in schema:
            return "{" + ", ".join(schema["properties"]) + "}"
        keys = schema.get("propertyNames", {})
        key = _type(keys) if "enum" in keys else "name"
        value = schema.get("additionalProperties")
        shown = _type(value) if isinstance(value, dict) else "any"
        return f"map {key} -> {shown}{_length(schema, 'Properties')}"
    if kind in ("integer", "number"):
        return kind + _range(schema)
    return kind or "any"


def _range(schema: dict[str, Any]) -> str:
    bounds = [f"{sign} {_number(schema[key])}" for key, sign in
              (("exclusiveMinimum", ">"), ("minimum", ">="), ("maximum", "<="),
               ("exclusiveMaximum", "<")) if key in schema]
    return " " + ", ".join(bounds) if bounds else ""


def _length(schema: dict[str, Any], what: str) -> str:
    low, high = schema.get(f"min{what}"), schema.get(f"max{what}")
    if low is None and high is None:
        return ""
    if low == high:
        return f" (exactly {low})"
    return " (" + ", ".join(part for part in (
        f"at least {low}" if low else "", f"at most {high}" if high else "") if part) + ")"


def _number(value: float) -> str:
    if value in _POWERS:
        return _POWERS[value]
    return f"{value:g}" if isinstance(value, float) else str(value)


def _value(value: Any) -> str:
    """A value as YAML writes it, in code font."""
    if value is None:
        return "null"
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
    text = text.removesuffix("\n...").removesuffix("...").strip()
    if len(text) > MAX_EXAMPLE:
        text = text[: MAX_EXAMPLE - 3] + "..."
    return f"`{text}`".replace("|", "\\|")


def _examples(kind: SpecKind) -> dict[str, dict[str, str]]:
    """Per model name, per field: the first value a bundled example gives it (fields holding
    models are left out: their own tables have examples)."""
    found: dict[str, dict[str, str]] = {}

    def visit(node: Any) -> None:
        if isinstance(node, BaseModel):
            fields = found.setdefault(type(node).__name__, {})
            for name in type(node).model_fields:
                value = getattr(node, name)
                if name in node.model_fields_set and name not in fields and not _holds_model(
                        value):
                    fields[name] = _value(node.model_dump(mode="json", include={name})[name])
                visit(value)
        elif isinstance(node, dict):
            for value in node.values():
                visit(value)
        elif isinstance(node, list | tuple):
            for value in node:
                visit(value)

    for example in kind.load_examples():
        visit(example)
    return found


def _holds_model(value: Any) -> bool:
    if isinstance(value, BaseModel):
        return True
    if isinstance(value, dict):
        return any(_holds_model(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_model(item) for item in value)
    return False
