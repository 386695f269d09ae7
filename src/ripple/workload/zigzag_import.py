"""Import a ZigZag (3.9) workload YAML: a list of layers with loop dimensions and relations.

The file is validated against ZigZag's own schema (``zigzag/parser/workload_validator.py``),
rewritten as pydantic models so that an error names the layer index and the field. Conv and
Gemm layers become Ripple layers:

- output-indexed (``loop_dims`` with ``OY OX``): ``iy = s*oy + d*fy`` gives stride ``s`` and
  dilation ``d``; the input size is ``pr_loop_sizes`` when given, else the one the relation
  spans minus ``padding``. ZigZag counts padding taps as MACs; Ripple's ``dense_macs`` is that
  count, ``macs`` the valid ones.
- input-indexed (``IY IX``, the event-driven form): ZigZag's relation has no minus sign, so a
  user writes ``ox = 1*ix + 1*fx`` for the convolution ``ix = ox + fx``; Ripple imports it as
  that convolution (output ``IY - d*(FY-1)``), to be iterated over inputs. What ZigZag computes
  for this relation is Ripple's ``boundary: scatter``.
- ``B`` (or ``D``, the rows of ZigZag's ONNX Gemm) is the batch ``N``; ``K``/``C`` are per group.

``operand_source`` gives the edges. An edge whose shapes disagree (ZigZag does not check; its
LeNet-5 example omits the pooling layers) is dropped with a note rather than invented.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, RootModel, model_validator

from ripple.errors import RippleInputError
from ripple.imported import Imported
from ripple.specio import read_peer_yaml, validate
from ripple.workload.layer import Layer, Precision
from ripple.workload.network import Workload, edge_mismatch

#: ZigZag's relation syntax: ``a = [c2 *] b + [c3 *] c`` (workload_validator.py)
RELATION = re.compile(r"^(\w+)\s*=\s*(?:(\w+)\s*\*\s*)?(\w+)\s*\+\s*(?:(\w+)\s*\*\s*)?(\w+)$")
#: ZigZag's equation syntax: ``O[b][k]... += W[...] * I[...]`` (workload_validator.py)
EQUATION = r"^O(\[\w+\])+\s*\+?\s*=\s*\w(\[\w+\])+\s*[*+]\s*\w(\[(?:\w+)?\])+\s*$"
MAC_OPERATORS = ("Conv", "Conv_downsample", "Gemm")
ZIGZAG_OPERATORS = ("Max", "Conv", "Pooling", "Add", "Conv_downsample", "Gemm", "Pool", "MaxPool",
                    "AveragePool", "GlobalAveragePool")
BATCH_DIMS = ("B", "D")
KNOWN_DIMS = (*BATCH_DIMS, "G", "K", "C", "OY", "OX", "IY", "IX", "FY", "FX")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ZigZagLayer(_Strict):
    """One entry of a ZigZag workload file."""

    id: int
    name: str | None = None
    operator_type: Literal[ZIGZAG_OPERATORS]  # type: ignore[valid-type]
    equation: str = Field(pattern=EQUATION)
    dimension_relations: list[str] = Field(default_factory=list)
    loop_dims: list[str]
    loop_sizes: list[PositiveInt]
    operand_precision: dict[Literal["I", "W", "O", "O_final"], PositiveInt]
    operand_source: dict[Literal["I", "W"], int] = Field(default_factory=dict)
    pr_loop_dims: list[str] | None = None
    pr_loop_sizes: list[PositiveInt] | None = None
    padding: list[tuple[int, int]] | None = None

    @model_validator(mode="after")
    def _lengths(self) -> ZigZagLayer:
        if len(self.loop_dims) != len(self.loop_sizes):
            raise ValueError(f"dimension mismatch: {len(self.loop_dims)} loop_dims but "
                             f"{len(self.loop_sizes)} loop_sizes")
        for name, values in (("padding", self.padding), ("pr_loop_sizes", self.pr_loop_sizes)):
            if values is not None and len(values) != len(self.pr_loop_dims or []):
                raise ValueError(f"dimension mismatch: {len(values)} {name} for "
                                 f"{len(self.pr_loop_dims or [])} pr_loop_dims")
        for operand in ("O", "O_final"):
            if operand not in self.operand_precision:
                raise ValueError(f"operand_precision needs {operand}")
        return self

    @property
    def label(self) -> str:
        return self.name if self.name is not None else f"Layer{self.id}"


class ZigZagWorkload(RootModel[list[ZigZagLayer]]):
    root: list[ZigZagLayer] = Field(min_length=1)


def import_zigzag_workload(path: str | Path) -> Imported[Workload]:
    """Read a ZigZag workload file; the notes say what the import decided."""
    source = str(path)
    data, duplicates = read_peer_yaml(path, "ZigZag")
    _check_entries(data, source)
    entries = validate(ZigZagWorkload, data, source).root
    notes = list(duplicates)
    layers: list[Layer] = []
    by_id: dict[int, Layer] = {}
    skipped = [entry for entry in entries if entry.operator_type not in MAC_OPERATORS]
    for index, entry in enumerate(entries):
        if entry.operator_type not in MAC_OPERATORS:
            continue
        layer = _layer(entry, index, source, notes)
        layer = _with_edge(layer, entry, index, by_id, {e.id for e in skipped}, source, notes)
        layers.append(layer)
        by_id[entry.id] = layer
    if skipped:
        notes.insert(0, _skipped_note(skipped))
    if not layers:
        raise RippleInputError(f"no MAC layer ({', '.join(MAC_OPERATORS)}); Ripple models "
                               "layers with MACs", source=source, field="[0].operator_type")
    name = Path(source).stem
    return Imported(validate(Workload, {"name": name, "layers": layers}, source), tuple(notes))


ZIGZAG_LAYER_KEYS = ("id", "operator_type", "equation", "loop_dims", "loop_sizes",
                     "operand_precision")


def _check_entries(data: object, source: str) -> None:
    """A top-level list is read as ZigZag's workload format: refuse in one line an entry that
    is not a layer of it at all (a number, or none of its keys), saying which format it is."""
    if not isinstance(data, list):
        return
    for index, entry in enumerate(data):
        if not isinstance(entry, dict) or not set(entry) & set(ZIGZAG_LAYER_KEYS):
            raise RippleInputError(
                f"expected a ZigZag layer (a mapping with {', '.join(ZIGZAG_LAYER_KEYS)}): a "
                "top-level list is read as ZigZag's workload format; Ripple's own is a mapping "
                "with 'layers:' (docs/formats.md)", source=source, field=f"[{index}]")


def zigzag_workload_file(path: str | Path) -> bool:
    """Whether ``path`` names a ZigZag workload (a YAML list of layers), not an ONNX model or
    a zoo name."""
    text = str(path)
    if text.startswith("zoo:") or text.lower().endswith(".onnx"):
        return False
    return isinstance(read_peer_yaml(text, "ZigZag")[0], list)


def zigzag_operator_types(path: str | Path) -> dict[str, str]:
    """Layer name -> ZigZag ``operator_type``, which picks a layer's mapping entry."""
    data = read_peer_yaml(path, "ZigZag")[0]
    _check_entries(data, str(path))
    entries = validate(ZigZagWorkload, data, str(path)).root
    return {entry.label: entry.operator_type for entry in entries}


def _fail(message: str, source: str, index: int, field: str) -> RippleInputError:
    return RippleInputError(message, source=source, field=f"[{index}].{field}")


def _skipped_note(skipped: list[ZigZagLayer]) -> str:
    """The layers ZigZag evaluates and Ripple does not (no MACs: ``Add``, ``Pooling``), with
    their count per operator type, so that none is dropped silently."""
    counts = Counter(entry.operator_type for entry in skipped)
    kinds = ", ".join(f"{kind} {count}" for kind, count in counts.items())
    return (f"skipped {len(skipped)} layer(s) without MACs, which ZigZag evaluates and Ripple "
            f"does not ({kinds}): {', '.join(entry.label for entry in skipped)}")


def _layer(entry: ZigZagLayer, index: int, source: str, notes: list[str]) -> Layer:
    sizes: dict[str, int] = {}
    for dim, size in zip(entry.loop_dims, entry.loop_sizes, strict=True):
        dim = dim.upper()
        if dim not in KNOWN_DIMS:
            raise _fail(f"loop dimension {dim!r} has no Ripple equivalent (known: "
                        f"{' '.join(KNOWN_DIMS)})", source, index, "loop_dims")
        sizes[dim] = size
    batch = [sizes[d] for d in BATCH_DIMS if sizes.get(d, 1) > 1]
    if len(batch) > 1:
        raise _fail("both B and D are larger than 1; Ripple has one batch dimension N", source,
                    index, "loop_dims")
    for operand in ("I", "W"):
        if operand not in entry.operand_precision:
            raise _fail(f"a {entry.operator_type} layer needs the precision of {operand}", source,
                        index, "operand_precision")
    groups = sizes.get("G", 1)
    spec: dict[str, object] = {
        "name": entry.label, "N": batch[0] if batch else 1, "G": groups,
        "K": sizes.get("K", 1) * groups, "C": sizes.get("C", 1) * groups,
        "precision": Precision(**entry.operand_precision),
    }
    if entry.operator_type == "Gemm":
        spatial = set(sizes) & {"OY", "OX", "IY", "IX", "FY", "FX"}
        if spatial:
            raise _fail(f"a Gemm has no spatial dimension, got {sorted(spatial)}", source, index,
                        "loop_dims")
        spec["operator"] = "fc"
        return _validated(spec, source, index)
    has_out, has_in = {"OY", "OX"} & set(sizes), {"IY", "IX"} & set(sizes)
    if has_out and has_in:
        raise _fail("loop_dims mix OY/OX with IY/IX; a layer iterates one or the other", source,
                    index, "loop_dims")
    relations = _relations(entry, index, source)
    if has_in:
        spec.update(_input_indexed(entry, sizes, relations, index, source, notes))
        return _validated(spec, source, index)
    spec.update(_output_indexed(entry, sizes, relations, index, source))
    layer = _validated(spec, source, index)
    if (sizes.get("OY", 1), sizes.get("OX", 1)) != (layer.OY, layer.OX):
        raise _fail(f"dimension mismatch: the input {layer.IY}x{layer.IX} with padding "
                    f"{list(layer.padding)} gives a {layer.OY}x{layer.OX} output, loop_sizes say "
                    f"{sizes.get('OY', 1)}x{sizes.get('OX', 1)}", source, index, "loop_sizes")
    return layer


def _validated(spec: dict[str, object], source: str, index: int) -> Layer:
    return validate(Layer, spec, source, prefix=(index,))


def _relations(entry: ZigZagLayer, index: int, source: str) -> dict[str, dict[str, int]]:
    """``{lhs: {term: coefficient}}`` for every relation, dims upper-case."""
    out: dict[str, dict[str, int]] = {}
    for i, text in enumerate(entry.dimension_relations):
        found = RELATION.match(text.replace(" ", ""))
        if not found:
            raise _fail(f"not a relation 'a=c*b+c*d': {text!r}", source, index,
                        f"dimension_relations[{i}]")
        lhs, c2, d2, c3, d3 = found.groups()
        out[lhs.upper()] = {d2.upper(): int(c2 or 1), d3.upper(): int(c3 or 1)}
    return out


def _axis_terms(relations: dict[str, dict[str, int]], lhs: str, position: str, tap: str,
                index: int, source: str) -> tuple[int, int]:
    """(coefficient of the position dim, coefficient of the tap dim) of ``lhs``'s relation."""
    terms = relations.get(lhs)
    if terms is None:
        return (1, 1)
    if set(terms) != {position, tap}:
        raise _fail(f"the relation of {lhs.lower()} must combine {position.lower()} and "
                    f"{tap.lower()}, got {' + '.join(t.lower() for t in terms)}", source, index,
                    "dimension_relations")
    return terms[position], terms[tap]


def _output_indexed(entry: ZigZagLayer, sizes: dict[str, int],
                    relations: dict[str, dict[str, int]], index: int,
                    source: str) -> dict[str, object]:
    pads = {d.upper(): p for d, p in zip(entry.pr_loop_dims or [], entry.padding or [],
                                         strict=False)}
    given = {d.upper(): s for d, s in zip(entry.pr_loop_dims or [], entry.pr_loop_sizes or [],
                                          strict=False)}
    spec: dict[str, object] = {}
    geometry = {}
    for axis in ("Y", "X"):
        out, tap = sizes.get(f"O{axis}", 1), sizes.get(f"F{axis}", 1)
        stride, dilation = _axis_terms(relations, f"I{axis}", f"O{axis}", f"F{axis}", index,
                                       source)
        before, after = pads.get(f"I{axis}", (0, 0))
        spanned = (out - 1) * stride + (tap - 1) * dilation + 1
        spec[f"I{axis}"] = given.get(f"I{axis}", spanned - before - after)
        spec[f"F{axis}"] = tap
        geometry[axis] = (stride, dilation, before, after)
    spec["stride"] = (geometry["Y"][0], geometry["X"][0])
    spec["dilation"] = (geometry["Y"][1], geometry["X"][1])
    spec["padding"] = (geometry["Y"][2], geometry["Y"][3], geometry["X"][2], geometry["X"][3])
    return spec


def _input_indexed(entry: ZigZagLayer, sizes: dict[str, int],
                   relations: dict[str, dict[str, int]], index: int, source: str,
                   notes: list[str]) -> dict[str, object]:
    if entry.padding or entry.pr_loop_dims:
        raise _fail("padding is not supported in the input-indexed form", source, index,
                    "padding")
    spec: dict[str, object] = {}
    dilation = []
    for axis in ("Y", "X"):
        scale, dil = _axis_terms(relations, f"O{axis}", f"I{axis}", f"F{axis}", index, source)
        if scale != 1:
            raise _fail(f"o{axis.lower()} = {scale}*i{axis.lower()} + ...: a strided "
                        "convolution has no input-indexed relation without division", source,
                        index, "dimension_relations")
        spec[f"I{axis}"] = sizes.get(f"I{axis}", 1)
        spec[f"F{axis}"] = sizes.get(f"F{axis}", 1)
        dilation.append(dil)
    spec["dilation"] = tuple(dilation)
    if relations:
        notes.append(f"{entry.label}: the input-indexed relations "
                     f"{', '.join(entry.dimension_relations)} are read as the convolution "
                     "i = o + d*f iterated over inputs (ZigZag's scatter count is Ripple's "
                     "boundary: scatter)")
    return spec


def _with_edge(layer: Layer, entry: ZigZagLayer, index: int, by_id: dict[int, Layer],
               skipped: set[int], source: str, notes: list[str]) -> Layer:
    """Attach the producer of I named by ``operand_source``, when its shape fits and it was
    not skipped."""
    w_source = entry.operand_source.get("W", entry.id)
    if w_source != entry.id:
        raise _fail(f"W comes from layer {w_source}; Ripple layers have constant weights",
                    source, index, "operand_source.W")
    i_source = entry.operand_source.get("I", entry.id)
    if i_source == entry.id:
        return layer
    if i_source in skipped:
        notes.append(f"{layer.name}: operand_source I = {i_source} dropped: that layer has no "
                     "MACs and was skipped")
        return layer
    producer = by_id.get(i_source)
    if producer is None:
        raise _fail(f"I comes from layer id {i_source}, which is not listed before this layer",
                    source, index, "operand_source.I")
    problem = edge_mismatch(producer, layer, 0)
    if problem:
        notes.append(f"{layer.name}: operand_source I = {i_source} dropped: {problem} (ZigZag "
                     "does not check this; a layer may be missing between them)")
        return layer
    return layer.model_copy(update={"inputs": (producer.name,)})
