r"""Brain Simulator II network files: load them into a hebblab Network, run them, save them.

Brain Simulator II (Charles J. Simon, FutureAIGuru/BrainSimII, release 1.8; file format of
BrainSimulator/XmlFile.cs, re-expressed, not copied) writes a network as XML: the array-level
settings (``networkNotes``, ``Generation``, ``arraySize``, ``rows``, ``refractoryDelay`` and
``RefractoryDelay``, ``Modules``, display settings), then a sparse ``<Neurons>`` list of the
neurons in use. Per neuron: ``Id``, ``Model`` (omitted when IF), ``LastCharge``, ``LeakRate``
(omitted when 0.1), ``AxonDelay``, ``Label`` ("label||tooltip"), ``ShowSynapses``,
``RecordHistory``, ``Synapses``; per synapse ``Weight`` (omitted when 1), ``TargetNeuron``,
``Model`` (omitted when Fixed; the legacy ``IsHebbian`` tag means Hebbian1).

Grid: ids index a grid of ``rows`` rows and ``arraySize / rows`` columns, numbered column by
column: ``id = x * rows + y`` (BS2's ``NeuronArray.GetNeuronIndex``). A module (ModuleView) owns
the ``Width`` x ``Height`` block starting at ``FirstNeuron``: ids ``FirstNeuron + x * rows + y``.
Modules are C# code and cannot run here: they are listed with the neurons they owned.

Model names are parsed case-sensitively, as BS2's ``Enum.TryParse`` does: an unknown neuron model
loads as IF and an unknown synapse model as Fixed (so ``hebbian2`` is Fixed), with one warning
line listing each unknown name and its count; ``strict=True`` refuses the file instead.

Cycle semantics (threshold 1, reset 0, one-cycle delivery, refractory, models): see
:mod:`hebblab.neurons.bs2_neuron` and the rules ``bs2_cycle_hebbian3``, ``bs2_hebbian1``,
``bs2_hebbian2``, ``bs2_binary``. One step of the Network is one cycle of ``cycle_s`` seconds.

Files are parsed with defusedxml (no DTDs, no entities) and refused, with one ValueError line,
when they are not well formed, when a synapse targets a neuron outside the grid, or when the
grid or the file would not fit in memory (an estimate before allocating).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
import math
import os
from pathlib import Path
import tempfile
import warnings
import xml.etree.ElementTree as ET

import numpy as np

from .. import _validate as V
from ..network import Network, Population, refuse_if_too_big
from ..neurons.bs2_neuron import BS2Neuron, KINDS, MAX_LIF_DELAY
from ..plasticity import BS2Binary, BS2CycleHebbian3, BS2Hebbian1, BS2Hebbian2
from ..units import mark_si, takes_units

NEURON_MODELS = KINDS
SYNAPSE_MODELS = ("Fixed", "Binary", "Hebbian1", "Hebbian2", "Hebbian3")
RULE_OF = {"Hebbian3": BS2CycleHebbian3, "Hebbian1": BS2Hebbian1, "Hebbian2": BS2Hebbian2, "Binary": BS2Binary}
DEFAULT_LEAK = 0.1
TOOLTIP_SEP = "||"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
#: Memory per grid neuron if every neuron of the grid were in use (state rows, index maps).
BYTES_PER_GRID_NEURON = 96
#: Parsed XML trees take about this many bytes per byte of file.
TREE_BYTES_PER_FILE_BYTE = 40
#: Ids are C# ints.
MAX_ARRAY_SIZE = 2**31 - 1

ET.register_namespace("xsi", XSI)
ET.register_namespace("xsd", XSD)


class BS2ImportWarning(UserWarning):
    """Issued once per file when it names models this importer does not know."""


@dataclass
class SynapseRecord:
    target: int
    weight: float = 1.0
    model: str = "Fixed"
    unknown_name: str = ""  # the model name as written, when this importer did not know it


@dataclass
class NeuronRecord:
    id: int
    model: str = "IF"
    last_charge: float = 0.0
    leak: float = DEFAULT_LEAK
    axon_delay: int = 0
    label: str = ""
    show_synapses: bool = False
    record_history: bool = False
    synapses: list = field(default_factory=list)
    unknown_name: str = ""


@dataclass
class ModuleRecord:
    label: str
    type: str
    first: int
    width: int
    height: int
    neurons: tuple  # grid ids owned


@dataclass
class BS2File:
    """What a file says, parsed and checked, before any Network exists."""

    array_size: int
    rows: int
    refractory: int
    neurons: list  # NeuronRecord, in file order
    modules: list  # ModuleRecord
    notes: str = ""
    unknown: dict = field(default_factory=dict)  # "neuron model X" / "synapse model X" -> count
    settings: list = field(default_factory=list)  # (tag, xml text) of the other top-level elements

    def content(self) -> tuple:
        """Everything a round trip must keep (used by tests: load -> save -> load)."""
        return (self.array_size, self.rows, self.refractory, tuple(
            (n.id, n.model, n.unknown_name, n.last_charge, n.leak, n.axon_delay, n.label, n.show_synapses,
             n.record_history, tuple((s.target, s.weight, s.model, s.unknown_name) for s in n.synapses))
            for n in self.neurons),
            tuple((m.label, m.type, m.first, m.width, m.height) for m in self.modules), self.notes,
            tuple(self.settings))


def _fail(path, msg: str):
    raise ValueError(f"{path}: {msg}")


def _text(el) -> str:
    return (el.text or "").strip() if el is not None else ""


def _float(path, what: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        _fail(path, f"{what} must be a number (got {text!r})")
    if not math.isfinite(value):
        _fail(path, f"{what} must be finite (got {text!r})")
    return value


def _int(path, what: str, text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        _fail(path, f"{what} must be an integer (got {text!r})")
    if not low <= value <= high:
        _fail(path, f"{what} must be in [{low}, {high}] (got {value})")
    return value


def _bool(text: str) -> bool:
    return text.strip().lower() == "true"


def _parse_tree(path, data: bytes):
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException
    try:
        return DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as e:
        _fail(path, f"refused: the file declares a DTD or entities ({type(e).__name__}); Brain Simulator II files have none")
    except ET.ParseError as e:
        _fail(path, f"not well-formed XML ({e})")
    except (LookupError, UnicodeError) as e:  # an unknown or wrong encoding declaration
        _fail(path, f"not readable XML text ({type(e).__name__}: {e})".replace("\n", " "))


def parse(data: bytes, path="<bytes>", strict: bool = False) -> BS2File:
    """Parse and check the bytes of a Brain Simulator II file (no Network yet)."""
    refuse_if_too_big(f"{path}: parsing {len(data)} bytes of XML", len(data) * TREE_BYTES_PER_FILE_BYTE)
    root = _parse_tree(path, data)
    if root.tag != "NeuronArray":
        _fail(path, f"not a Brain Simulator II network (root element {root.tag!r}, expected 'NeuronArray')")
    size_el, rows_el = root.find("arraySize"), root.find("rows")
    if size_el is None or rows_el is None:
        _fail(path, "arraySize and rows are required")
    size = _int(path, "arraySize", _text(size_el), 1, MAX_ARRAY_SIZE)
    refuse_if_too_big(f"{path}: a grid of arraySize {size} neurons ({BYTES_PER_GRID_NEURON} bytes each)",
                      float(size) * BYTES_PER_GRID_NEURON)
    rows = _int(path, "rows", _text(rows_el), 1, size)
    refractory = 0
    settings, notes = [], ""
    for el in root:
        if el.tag in ("refractoryDelay", "RefractoryDelay"):  # both spellings; the last one wins, as in BS2
            refractory = _int(path, el.tag, _text(el), 0, 1 << 30)
        if el.tag == "networkNotes":
            notes = el.text or ""
        if el.tag != "Neurons":
            settings.append((el.tag, ET.tostring(el, encoding="unicode").strip()))
    unknown: Counter = Counter()
    neurons: dict[int, NeuronRecord] = {}
    nodes = root.find("Neurons")
    for pos, node in enumerate(nodes if nodes is not None else []):
        if node.tag != "Neuron":
            continue
        id_el = node.find("Id")
        nid = pos if id_el is None else _int(path, "neuron Id", _text(id_el), -1, size - 1)
        if nid == -1:
            continue
        rec = neurons.get(nid) or NeuronRecord(nid)
        neurons[nid] = rec
        where = f"neuron {nid}"
        for el in node:
            tag, text = el.tag, _text(el)
            if tag == "Model":
                if text in NEURON_MODELS:
                    rec.model = text
                else:
                    unknown[f"neuron model {text!r}"] += 1
                    rec.model, rec.unknown_name = "IF", text
            elif tag == "LeakRate":
                rec.leak = _float(path, f"{where} LeakRate", text)
            elif tag == "AxonDelay":
                rec.axon_delay = _int(path, f"{where} AxonDelay", text, 0, 1 << 30)
            elif tag == "LastCharge":
                rec.last_charge = _float(path, f"{where} LastCharge", text)
            elif tag == "Label":
                rec.label = el.text or ""
            elif tag == "ShowSynapses":
                rec.show_synapses = _bool(text)
            elif tag == "RecordHistory":
                rec.record_history = _bool(text)
            elif tag == "Synapses":
                by_target = {s.target: s for s in rec.synapses}
                for snode in el.iter("Synapse"):
                    syn = SynapseRecord(-2)
                    for a in snode:
                        at = _text(a)
                        if a.tag == "TargetNeuron":
                            syn.target = _int(path, f"{where} synapse TargetNeuron", at, -(1 << 62), 1 << 62)
                        elif a.tag == "Weight":
                            syn.weight = _float(path, f"{where} synapse Weight", at)
                        elif a.tag == "IsHebbian":
                            syn.model = "Hebbian1" if _bool(at) else "Fixed"
                        elif a.tag == "Model":
                            if at in SYNAPSE_MODELS:
                                syn.model = at
                            else:
                                unknown[f"synapse model {at!r}"] += 1
                                syn.model, syn.unknown_name = "Fixed", at
                    if not 0 <= syn.target < size:
                        what = "no TargetNeuron" if syn.target == -2 else f"TargetNeuron {syn.target}"
                        _fail(path, f"{where} has a synapse to a missing neuron ({what}; the grid has ids 0..{size - 1})")
                    by_target[syn.target] = syn  # BS2's AddSynapse: a second synapse to the same target updates it
                rec.synapses = list(by_target.values())
    for rec in neurons.values():
        if rec.model == "LIF" and rec.axon_delay > MAX_LIF_DELAY:
            _fail(path, f"neuron {rec.id} AxonDelay must be in [0, {MAX_LIF_DELAY}] for an LIF neuron (got {rec.axon_delay})")
    if unknown:
        listed = ", ".join(f"{k} x{v}" for k, v in sorted(unknown.items()))
        if strict:
            _fail(path, f"unknown model names (case-sensitive, as Brain Simulator II): {listed}")
        warnings.warn(f"{path}: unknown model names loaded as Brain Simulator II does (neuron -> IF, synapse -> "
                      f"Fixed): {listed}", BS2ImportWarning, stacklevel=3)
    modules = []
    mods = root.find("Modules")
    for mv in (mods if mods is not None else []):
        if mv.tag != "ModuleView":
            continue
        the = mv.find("TheModule")
        mtype = the.get(f"{{{XSI}}}type", "") if the is not None else ""
        first = _int(path, "ModuleView FirstNeuron", _text(mv.find("FirstNeuron")) or "0", 0, size - 1)
        width = _int(path, "ModuleView Width", _text(mv.find("Width")) or "0", 0, size)
        height = _int(path, "ModuleView Height", _text(mv.find("Height")) or "0", 0, rows)
        owned = tuple(first + x * rows + y for x in range(width) for y in range(height) if first + x * rows + y < size)
        modules.append(ModuleRecord(_text(mv.find("Label")), mtype or _text(mv.find("CommandLine")), first, width,
                                    height, owned))
    return BS2File(size, rows, refractory, list(neurons.values()), modules, notes, dict(unknown), settings)


def notes_text(notes: str) -> str:
    """Plain text of the XAML notes (paragraphs of Runs), parsed with defusedxml."""
    if not notes.strip():
        return ""
    import defusedxml.ElementTree as DET
    try:
        root = DET.fromstring(notes.encode("utf-8"), forbid_dtd=True)
    except Exception:  # notes are informative only: unreadable XAML gives its raw text
        return notes
    paras = []
    for p in root.iter():
        if p.tag.endswith("Paragraph"):
            paras.append("".join(r.text or "" for r in p.iter() if r.tag.endswith("Run")).strip())
    return "\n".join(x for x in paras if x)


@dataclass
class ImportedNetwork:
    """A loaded Brain Simulator II network: the hebblab Network and what the file said.

    ``ids[k]`` is the grid id of population neuron k (ascending); ``positions[k] = (x, y)`` with
    ``id = x * rows + y``; ``labels`` maps grid id -> label; ``projections`` maps a BS2 synapse
    model to its Projection (Fixed: no rule); ``synapse_ids[model]`` is the (source id, target id)
    of each synapse in the order of that projection's ``w``; ``modules`` lists the modules and
    the grid ids they owned; ``unknown`` counts the model names loaded as IF / Fixed.
    """

    network: Network
    population: Population
    projections: dict
    file: BS2File
    ids: np.ndarray
    cycle_s: float
    synapse_ids: dict

    @property
    def rows(self) -> int:
        return self.file.rows

    @property
    def array_size(self) -> int:
        return self.file.array_size

    @property
    def positions(self) -> np.ndarray:
        return np.stack([self.ids // self.rows, self.ids % self.rows], axis=1)

    @property
    def labels(self) -> dict:
        return {n.id: n.label.split(TOOLTIP_SEP)[0] for n in self.file.neurons if n.label.split(TOOLTIP_SEP)[0]}

    @property
    def models(self) -> list:
        """BS2 neuron model name of each population neuron."""
        return [KINDS[k] for k in self.population.kind]

    @property
    def modules(self) -> list:
        return self.file.modules

    @property
    def unknown(self) -> dict:
        return self.file.unknown

    @property
    def notes(self) -> str:
        return notes_text(self.file.notes)

    def index_of(self, grid_id: int) -> int:
        k = int(np.searchsorted(self.ids, grid_id))
        if k >= self.ids.size or self.ids[k] != grid_id:
            raise ValueError(f"neuron id must be one of the network's neurons (got {grid_id})")
        return k

    def find(self, label_or_id) -> int:
        """Population index of the neuron with this label (exact, before any '||'), or this grid id."""
        key = str(label_or_id)
        hits = [i for i, lab in self.labels.items() if lab == key]
        if len(hits) == 1:
            return self.index_of(hits[0])
        if len(hits) > 1:
            raise ValueError(f"label {key!r} names {len(hits)} neurons (ids {hits[:5]}); stimulate one by its id")
        if key.lstrip("-").isdigit():
            return self.index_of(int(key))
        known = ", ".join(sorted(repr(x) for x in self.labels.values())[:20])
        raise ValueError(f"label must be a neuron label or id of this network (got {key!r}; labels: {known or 'none'})")

    def stimulate(self, label_or_id, cycle: int, charge: float = 1.0) -> int:
        """Fire a neuron at ``cycle`` as a click in Brain Simulator II does: add ``charge``
        (default the threshold, 1) to its charge just before that cycle's update."""
        k = self.find(label_or_id)
        cycle = V.non_negative_int("cycle", cycle)
        if cycle < self.network.step:
            raise ValueError(f"cycle must be >= the current cycle {self.network.step} (got {cycle})")
        self.network.inject(self.population, [mark_si(cycle * self.cycle_s)], [k], [V.finite("charge", charge)],
                            kind="voltage")
        return k

    def run(self, cycles: int, threads: int | None = None) -> None:
        """Run ``cycles`` cycles through the compiled loop (``threads``: parts of a parallel run;
        the result does not depend on it)."""
        cycles = V.non_negative_int("cycles", cycles)
        self.network.run(mark_si(cycles * self.cycle_s), threads=threads)


@takes_units(cycle_s="second")
def build(f: BS2File, cycle_s: float = 1e-3, backend: str = "numba", seed: int = 0, dtype=np.float64) -> ImportedNetwork:
    """A Network (one BS2Neuron population, one projection per synapse model) for ``f``.

    ``dtype``: float64 (default: exact against hand-computed values) or float32 (Brain Simulator
    II's own precision; about twice as fast on large grids, measured in benchmarks/RESULTS.md)."""
    cycle_s = V.positive("cycle_s", cycle_s)
    if np.dtype(dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64 (got {dtype!r})")
    records = {n.id: n for n in f.neurons}
    targets = {s.target for n in f.neurons for s in n.synapses}
    ids = np.array(sorted(set(records) | targets), dtype=np.int64)
    if ids.size == 0:  # an empty grid still runs: one idle neuron
        ids = np.array([0], dtype=np.int64)
    n_syn = sum(len(n.synapses) for n in f.neurons)
    refuse_if_too_big(f"{ids.size} neurons and {n_syn} synapses", ids.size * 200.0 + n_syn * 64.0)
    recs = [records.get(int(i)) or NeuronRecord(int(i)) for i in ids]
    model = BS2Neuron(n=int(ids.size), kinds=tuple(KINDS.index(r.model) for r in recs),
                      leak=tuple(float(r.leak) for r in recs), axon_delay=tuple(int(r.axon_delay) for r in recs),
                      charge=tuple(float(r.last_charge) for r in recs), refractory=int(f.refractory))
    net = Network(dt=cycle_s, seed=seed, backend=backend, dtype=dtype, threads=1)
    pop = net.add(model)
    projections, synapse_ids = {}, {}
    nonfixed = Counter()
    for n in f.neurons:
        for s in n.synapses:
            if s.model != "Fixed":
                nonfixed[s.target] += 1
    for name in SYNAPSE_MODELS:
        pairs = [(n.id, s.target, s.weight) for n in f.neurons for s in n.synapses if s.model == name]
        if not pairs:
            continue
        src = np.searchsorted(ids, [p[0] for p in pairs])
        dst = np.searchsorted(ids, [p[1] for p in pairs])
        w = np.array([p[2] for p in pairs], dtype=np.float64)
        rule = RULE_OF[name]() if name in RULE_OF else None
        proj = net.connect(pop, pop, rule=rule, w=w, delay=0.0, connectivity=(src, dst))
        if name == "Binary":
            proj.post_vars[:, 0] = np.maximum([nonfixed[int(i)] for i in ids], 1)
        projections[name] = proj
        synapse_ids[name] = np.stack([ids[proj.pre_index], ids[proj.post_index]], axis=1)
    return ImportedNetwork(net, pop, projections, f, ids, cycle_s, synapse_ids)


@takes_units(cycle_s="second")
def load(path, cycle_s: float = 1e-3, strict: bool = False, backend: str = "numba", seed: int = 0,
         dtype=np.float64) -> ImportedNetwork:
    """Load a Brain Simulator II ``.xml`` network; see the module docstring for what is refused.

    ``cycle_s``: seconds per cycle (BS2 documents 1 ms or 4 ms; default 1 ms). ``strict``: refuse
    unknown model names instead of loading them as IF / Fixed. ``seed``: for Random neurons.
    ``dtype``: precision of charges and weights (see :func:`build`). The network runs on one
    thread unless ``ImportedNetwork.run(cycles, threads=...)`` asks for more (same result).
    """
    path = Path(path)
    V.positive("cycle_s", cycle_s)
    if not path.is_file():
        raise ValueError(f"path must be an existing Brain Simulator II .xml file (got {str(path)!r})")
    size = path.stat().st_size
    refuse_if_too_big(f"{path}: parsing {size} bytes of XML", float(size) * TREE_BYTES_PER_FILE_BYTE)
    return build(parse(path.read_bytes(), path, strict=strict), cycle_s=cycle_s, backend=backend, seed=seed,
                 dtype=dtype)


def _num(x: float) -> str:
    """A float as BS2 writes one: shortest form, integers without a decimal point."""
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def current_file(imp: ImportedNetwork) -> BS2File:
    """The file's content with the network's present weights and charges."""
    charge = imp.population.charge
    weights = {}
    for name, proj in imp.projections.items():
        for (a, b), w in zip(imp.synapse_ids[name], proj.w):
            weights[(int(a), int(b))] = float(w)
    neurons = []
    listed = set()
    for n in imp.file.neurons:
        k = imp.index_of(n.id)
        c = float(charge[k]) if n.model != "Color" else n.last_charge
        syns = [SynapseRecord(s.target, weights.get((n.id, s.target), s.weight), s.model, s.unknown_name)
                for s in n.synapses]
        neurons.append(NeuronRecord(n.id, n.model, c, n.leak, n.axon_delay, n.label, n.show_synapses,
                                    n.record_history, syns, n.unknown_name))
        listed.add(n.id)
    for k, i in enumerate(imp.ids):  # target-only neurons that now hold a charge are in use
        if int(i) not in listed and float(charge[k]) != 0.0:
            neurons.append(NeuronRecord(int(i), last_charge=float(charge[k])))
    f = imp.file
    return BS2File(f.array_size, f.rows, f.refractory, neurons, f.modules, f.notes, f.unknown, f.settings)


def to_xml(f: BS2File) -> str:
    """The XML text of ``f`` in Brain Simulator II's layout (defaults omitted as it omits them)."""
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<NeuronArray xmlns:xsi="{XSI}" xmlns:xsd="{XSD}">']
    fixed = {"arraySize": str(f.array_size), "rows": str(f.rows), "refractoryDelay": str(f.refractory),
             "RefractoryDelay": str(f.refractory)}
    settings = list(f.settings)
    tags = {t for t, _ in settings}
    wanted = ("arraySize", "rows") + (() if tags & {"refractoryDelay", "RefractoryDelay"} or f.refractory == 0
                                      else ("refractoryDelay", "RefractoryDelay"))  # BS2's default is 0
    for tag in wanted:  # written as the file had them; added only when absent
        if tag not in tags:
            settings.append((tag, f"<{tag}>{fixed[tag]}</{tag}>"))
    for tag, text in settings:
        if tag in fixed:
            text = f"<{tag}>{fixed[tag]}</{tag}>"
        # a fragment that uses xsi:type re-declares the namespace; the root declares it already
        out.append("  " + text.replace(f' xmlns:xsi="{XSI}"', "").replace(f' xmlns:xsd="{XSD}"', ""))
    neurons = ET.Element("Neurons")
    for n in f.neurons:
        el = ET.SubElement(neurons, "Neuron")
        ET.SubElement(el, "Id").text = str(n.id)
        if n.unknown_name or n.model != "IF":  # an unknown name is written back as it was
            ET.SubElement(el, "Model").text = n.unknown_name or n.model
        if n.last_charge != 0:
            ET.SubElement(el, "LastCharge").text = _num(n.last_charge)
        if n.leak != DEFAULT_LEAK:
            ET.SubElement(el, "LeakRate").text = _num(n.leak)
        if n.axon_delay != 0:
            ET.SubElement(el, "AxonDelay").text = str(n.axon_delay)
        if n.label:
            ET.SubElement(el, "Label").text = n.label
        if n.show_synapses:
            ET.SubElement(el, "ShowSynapses").text = "True"
        if n.record_history:
            ET.SubElement(el, "RecordHistory").text = "True"
        if n.synapses:
            ss = ET.SubElement(el, "Synapses")
            for s in n.synapses:
                se = ET.SubElement(ss, "Synapse")
                if s.weight != 1:
                    ET.SubElement(se, "Weight").text = _num(s.weight)
                ET.SubElement(se, "TargetNeuron").text = str(s.target)
                if s.unknown_name or s.model != "Fixed":
                    ET.SubElement(se, "Model").text = s.unknown_name or s.model
    ET.indent(neurons, space="  ", level=1)
    out.append("  " + ET.tostring(neurons, encoding="unicode"))
    out.append("</NeuronArray>")
    return "\n".join(out) + "\n"


def save(imported, path) -> Path:
    """Write ``imported`` (an ImportedNetwork, or a BS2File) as a Brain Simulator II file,
    atomically (a temporary file in the same folder, then ``os.replace``). The network's present
    weights and charges are written, so a learned network can be opened in BS2 again. Settings,
    notes and modules are written back as the file had them; model names this importer did not
    know are written back unchanged (BS2 1.8 reads them as IF / Fixed, newer versions as theirs)."""
    if isinstance(imported, ImportedNetwork):
        f = current_file(imported)
    elif isinstance(imported, BS2File):
        f = imported
    else:
        raise ValueError(f"imported must be an ImportedNetwork or a BS2File (got {type(imported).__name__})")
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"path must be in an existing folder (got {str(path)!r})")
    text = to_xml(f)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


__all__ = ["load", "save", "parse", "build", "ImportedNetwork", "BS2File", "NeuronRecord", "SynapseRecord",
           "ModuleRecord", "BS2ImportWarning", "notes_text", "to_xml", "current_file"]
