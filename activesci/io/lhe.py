"""Les Houches Event files: a fast columnar reader (C parser) and a MadGraph-style writer.

Conventions (Alwall et al., Comput. Phys. Commun. 176 (2007) 300; LHEF 3.0: arXiv:1405.1067):
per event ``nparticles`` (NUP), ``process_id`` (IDPRUP), ``weight`` (XWGTUP), ``scale``
(SCALUP), ``aqed``, ``aqcd``; per particle ``pdgid`` (IDUP), ``status`` (ISTUP), ``mother1``,
``mother2`` (1-based, as in the file), ``color1``, ``color2``, ``px, py, pz, e, m`` (GeV),
``lifetime`` (mm) and ``spin``. Particles are stored flat; event ``i`` owns
``offsets[i]:offsets[i+1]``. Extra weights (``<rwgt>``/``<wgt>``, ``<weight>``, positional
``<weights>`` named by the header's ``<initrwgt>`` ids) form an ``(n_events, n_weights)``
matrix with ``weight_names``; a weight missing from an event is NaN.

Examples
--------
>>> import numpy as np
>>> from activesci.io import LHEEvents, LHEInit, read_lhe, write_lhe
>>> ev = LHEEvents.from_particles(
...     offsets=[0, 2], pdgid=[13, -13], status=[1, 1],
...     px=[1.0, -1.0], py=[0.0, 0.0], pz=[2.0, -2.0], e=[np.sqrt(5), np.sqrt(5)])
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "mumu.lhe.gz")
>>> write_lhe(path, ev, LHEInit(beam_id=(11, -11), beam_energy=(10.0, 10.0)))
>>> back = read_lhe(path)
>>> len(back), back.pdgid.tolist()
(1, [13, -13])
"""
from __future__ import annotations

import dataclasses
import gzip
import io
import os
import re
import zlib
from typing import Any, BinaryIO, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from .. import _core
from ..exceptions import LHEParseError

__all__ = [
    "LHEEvents",
    "LHEFile",
    "LHEInit",
    "read_lhe",
    "iter_lhe",
    "count_events",
    "write_lhe",
    "invariant_mass",
    "costheta",
    "pt",
    "rapidity",
    "pseudorapidity",
]

PathOrFile = Union[str, os.PathLike, BinaryIO]
_CHUNK = 1 << 20  # bytes per read: the parser's memory holds ~one chunk of events
# compressed bytes per inflate call (~250 kB of text out): smaller pieces start the parser
# sooner and stay in the allocator's heap (1 MB pieces were mapped and unmapped each time);
# 32 kB read the test files 3-15% faster than 128 kB in alternating runs in one process
_GZ_STEP = 1 << 15

try:  # Intel ISA-L inflates ~3x faster than zlib; optional (pip install "activesci[fast]")
    from isal import isal_zlib as _inflate_module
    _INFLATE_ERRORS: Tuple[type, ...] = (zlib.error, _inflate_module.error)
except ImportError:  # pragma: no cover - exercised when isal is absent
    _inflate_module = zlib
    _INFLATE_ERRORS = (zlib.error,)

_EVENT_FIELDS_INT = ("nparticles", "process_id")
_EVENT_FIELDS_FLOAT = ("weight", "scale", "aqed", "aqcd")
_PARTICLE_FIELDS_INT = ("pdgid", "status", "mother1", "mother2", "color1", "color2")
_PARTICLE_FIELDS_FLOAT = ("px", "py", "pz", "e", "m", "lifetime", "spin")


# ---------------------------------------------------------------------------- byte sources
def _byte_chunks(source: PathOrFile, chunk_size: int = _CHUNK) -> Iterator[bytes]:
    """Decompressed bytes of a plain or gzip file path or binary/text file object."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            yield from _decompressed(fh, chunk_size)
    elif hasattr(source, "read"):
        yield from _decompressed(source, chunk_size)
    else:
        raise TypeError(f"expected a path or a file object, got {type(source).__name__}")


def _decompressed(fh, chunk_size: int) -> Iterator[bytes]:
    try:
        yield from _decompressed_raw(fh, chunk_size)
    except _INFLATE_ERRORS as exc:
        err = LHEParseError(f"corrupt gzip data ({exc}); the file is damaged or not gzip")
        err.line = None  # no line number: the text after the damage is unknown
        raise err from None


def _decompressed_raw(fh, chunk_size: int) -> Iterator[bytes]:
    first = fh.read(chunk_size)
    if isinstance(first, str):  # a text-mode file object
        yield first.encode()
        while True:
            more = fh.read(chunk_size)
            if not more:
                return
            yield more.encode()
    if not first:
        return
    if first[:2] != b"\x1f\x8b":
        yield first
        while True:
            more = fh.read(chunk_size)
            if not more:
                return
            yield more
    # gzip, possibly several members: one decompressor per member.  The compressed input goes
    # in slices of _GZ_STEP bytes, so that the decompressed pieces (~7x larger) stay around a
    # quarter of a megabyte and the parser can start on the first while the next is inflated.
    d = _inflate_module.decompressobj(wbits=31)
    started = False  # has the current member received any input?
    data = first
    while True:
        view, pos = memoryview(data), 0
        while pos < len(view):
            out = d.decompress(view[pos:pos + _GZ_STEP])
            started = True
            pos += _GZ_STEP
            if out:
                yield out
            if d.eof:
                rest = d.unused_data + bytes(view[pos:])
                d, started = _inflate_module.decompressobj(wbits=31), False
                if rest[:2] != b"\x1f\x8b":
                    if rest.strip(b"\x00"):
                        raise LHEParseError("gzip stream followed by data that is not gzip")
                    rest = b""
                view, pos = memoryview(rest), 0
        data = fh.read(chunk_size)
        if not data:
            tail = d.flush()
            if tail:
                yield tail
            if started and not d.eof:
                err = LHEParseError("the gzip stream ends before its end marker (truncated file)")
                err.line = None
                raise err
            return


# ---------------------------------------------------------------------------- init and file
@dataclasses.dataclass
class LHEInit:
    """The ``<init>`` block: beams, PDFs, weighting strategy and one row per process.

    Parameters
    ----------
    beam_id : (int, int)
        PDG ids of the beams (IDBMUP).
    beam_energy : (float, float)
        Beam energies in GeV (EBMUP).
    pdf_group, pdf_set : (int, int)
        PDFGUP and PDFSUP (0 and 0 for lepton beams).
    weighting_strategy : int
        IDWTUP (3: unweighted events of weight +XWGTUP; -4: weighted, signed).
    xsec, xsec_error, unit_weight : sequence of float
        XSECUP (pb), XERRUP (pb), XMAXUP per process.
    process_id : sequence of int
        LPRUP per process.

    Examples
    --------
    >>> LHEInit(beam_id=(11, -11), beam_energy=(45.6, 45.6)).n_processes
    1
    """

    beam_id: Tuple[int, int] = (11, -11)
    beam_energy: Tuple[float, float] = (45.6, 45.6)
    pdf_group: Tuple[int, int] = (0, 0)
    pdf_set: Tuple[int, int] = (0, 0)
    weighting_strategy: int = 3
    xsec: Sequence[float] = (1.0,)
    xsec_error: Sequence[float] = (0.0,)
    unit_weight: Sequence[float] = (1.0,)
    process_id: Sequence[int] = (1,)
    extra: str = ""

    @property
    def n_processes(self) -> int:
        return len(self.xsec)

    @property
    def cross_section(self) -> float:
        """Total cross section (pb): the sum of XSECUP."""
        return float(np.sum(self.xsec))


class LHEFile:
    """Metadata of an event file: ``version``, raw ``header`` text, parsed MadGraph ``cards``,
    ``init`` (:class:`LHEInit`) and the ``<initrwgt>`` weight ids.

    ``LHEFile(path)`` reads only up to the end of ``<init>``; ``.events`` reads everything.

    Examples
    --------
    >>> f = LHEFile.__new__(LHEFile)  # normally: LHEFile("unweighted_events.lhe.gz")
    """

    def __init__(self, source: Optional[PathOrFile] = None):
        self.source = source
        self.version = ""
        self.header = ""
        self.init: Optional[LHEInit] = None
        self.init_weight_ids: List[str] = []
        if source is not None:
            parser = _core.lhe_new()
            status = None
            for chunk in _byte_chunks(source, 1 << 16):
                status = _core.lhe_feed(parser, chunk)
                if status is not None or _core.lhe_info(parser)["init_done"]:
                    break
            else:
                status = _core.lhe_finish(parser)
            info = _core.lhe_info(parser)
            if not info["init_done"]:
                if status is not None:
                    raise _parse_error(source, *status)
                raise LHEParseError(f"{_name(source)}: no complete <init> block found")
            self._set_info(info)

    def _set_info(self, info: Dict[str, Any]) -> None:
        self.version = info["version"]
        self.header = info["header"]
        self.init_weight_ids = list(info["init_weight_ids"])
        if info["init_done"]:
            self.init = LHEInit(
                beam_id=tuple(info["beam_id"]), beam_energy=tuple(info["beam_energy"]),
                pdf_group=tuple(info["pdf_group"]), pdf_set=tuple(info["pdf_set"]),
                weighting_strategy=info["weighting_strategy"],
                xsec=info["xsec"].tolist(), xsec_error=info["xsec_error"].tolist(),
                unit_weight=info["unit_weight"].tolist(),
                process_id=info["process_id"].tolist(), extra=info["init_extra"])

    @property
    def cards(self) -> Dict[str, Any]:
        """MadGraph cards found in the header: ``run_card`` and ``param_card`` as dicts,
        ``proc_card`` as text (empty dict when the generator is not MadGraph)."""
        return _parse_cards(self.header)

    @property
    def events(self) -> "LHEEvents":
        if self.source is None:
            raise ValueError("this LHEFile has no source to read events from")
        return read_lhe(self.source)

    def __repr__(self) -> str:
        init = self.init
        beams = (f"{init.beam_id[0]}({init.beam_energy[0]:g} GeV) + "
                 f"{init.beam_id[1]}({init.beam_energy[1]:g} GeV)") if init else "?"
        xs = f", sigma = {init.cross_section:.6g} pb" if init else ""
        return f"<LHEFile {_name(self.source)} LHEF {self.version or '?'}: {beams}{xs}>"


def _name(source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return getattr(source, "name", type(source).__name__)


def _parse_error(source, message: str, line: int) -> LHEParseError:
    exc = LHEParseError(f"{_name(source)}: {message}")
    exc.line = int(line)
    return exc


# ---------------------------------------------------------------------------- events
class LHEEvents:
    """Columnar events: per-event arrays, flat per-particle arrays with ``offsets``, and the
    extra weights as an ``(n_events, n_weights)`` matrix.

    Indexing with an int returns a dict for that event; with a slice, an index array or a
    boolean mask, a new :class:`LHEEvents`.

    Examples
    --------
    >>> ev = LHEEvents.from_particles(offsets=[0, 1, 3], pdgid=[22, 11, -11])
    >>> len(ev), ev.nparticles.tolist(), ev[1]["pdgid"].tolist()
    (2, [1, 2], [11, -11])
    """

    def __init__(self, fields: Dict[str, np.ndarray], weight_names: Sequence[str] = (),
                 weights: Optional[np.ndarray] = None, scales: Optional[Dict[str, np.ndarray]] = None,
                 attributes: Optional[Dict[str, np.ndarray]] = None, file: Optional[LHEFile] = None):
        self.nparticles = np.asarray(fields["nparticles"], dtype=np.int32)
        n = self.nparticles.shape[0]
        self.offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(self.nparticles, out=self.offsets[1:])
        for name in _EVENT_FIELDS_INT[1:]:
            setattr(self, name, np.asarray(fields.get(name, np.zeros(n)), dtype=np.int32))
        for name in _EVENT_FIELDS_FLOAT:
            default = np.ones(n) if name == "weight" else np.zeros(n)
            setattr(self, name, np.asarray(fields.get(name, default), dtype=np.float64))
        n_part = int(self.offsets[-1])
        for name in _PARTICLE_FIELDS_INT:
            setattr(self, name, np.asarray(fields.get(name, np.zeros(n_part)), dtype=np.int32))
        for name in _PARTICLE_FIELDS_FLOAT:
            default = np.full(n_part, 9.0) if name == "spin" else np.zeros(n_part)
            setattr(self, name, np.asarray(fields.get(name, default), dtype=np.float64))
        self.weight_names = list(weight_names)
        self.weights = (np.empty((n, 0)) if weights is None
                        else np.asarray(weights, dtype=np.float64).reshape(n, len(weight_names)))
        self.scales = dict(scales or {})
        self.attributes = dict(attributes or {})
        self.file = file

    @classmethod
    def from_particles(cls, offsets, **fields) -> "LHEEvents":
        """Build events from flat particle arrays and ``offsets`` (length n_events + 1).

        Missing particle fields default to 0 (spin to 9, "unknown"); ``weight`` to 1.
        Optional ``weights`` (n_events, n_weights) with ``weight_names``.
        """
        offsets = np.asarray(offsets, dtype=np.int64)
        if offsets.ndim != 1 or offsets.size < 1 or offsets[0] != 0 or np.any(np.diff(offsets) < 0):
            raise ValueError("offsets must be a non-decreasing 1-D array starting at 0")
        n_part = int(offsets[-1])
        for key in _PARTICLE_FIELDS_INT + _PARTICLE_FIELDS_FLOAT:
            if key in fields and np.shape(fields[key]) != (n_part,):
                raise ValueError(f"{key} must have {n_part} entries (offsets[-1]), got shape "
                                 f"{np.shape(fields[key])}")
        weight_names = fields.pop("weight_names", ())
        weights = fields.pop("weights", None)
        fields["nparticles"] = np.diff(offsets)
        return cls(fields, weight_names, weights)

    def __len__(self) -> int:
        return int(self.nparticles.shape[0])

    @property
    def n_particles(self) -> int:
        return int(self.offsets[-1])

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            i = int(key) + (len(self) if key < 0 else 0)
            if not 0 <= i < len(self):
                raise IndexError(f"event index {key} out of range for {len(self)} events")
            a, b = self.offsets[i], self.offsets[i + 1]
            out = {name: getattr(self, name)[i] for name in _EVENT_FIELDS_INT + _EVENT_FIELDS_FLOAT}
            out.update({name: getattr(self, name)[a:b]
                        for name in _PARTICLE_FIELDS_INT + _PARTICLE_FIELDS_FLOAT})
            out["weights"] = dict(zip(self.weight_names, self.weights[i]))
            return out
        idx = np.arange(len(self))[key]
        counts = self.nparticles[idx]
        starts = self.offsets[idx]
        part = (np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
                + np.arange(int(counts.sum()))) if len(idx) else np.zeros(0, dtype=np.int64)
        fields = {name: getattr(self, name)[idx] for name in _EVENT_FIELDS_INT + _EVENT_FIELDS_FLOAT}
        fields.update({name: getattr(self, name)[part]
                       for name in _PARTICLE_FIELDS_INT + _PARTICLE_FIELDS_FLOAT})
        return LHEEvents(fields, self.weight_names, self.weights[idx],
                         {k: v[idx] for k, v in self.scales.items()},
                         {k: v[idx] for k, v in self.attributes.items()}, self.file)

    def weight_by_name(self, name: str) -> np.ndarray:
        """The column of the extra weight called ``name`` (KeyError naming the known ones)."""
        try:
            return self.weights[:, self.weight_names.index(name)]
        except ValueError:
            raise KeyError(f"no weight named {name!r}; known: {self.weight_names[:10]}"
                           f"{' ...' if len(self.weight_names) > 10 else ''}") from None

    @staticmethod
    def concatenate(parts: Sequence["LHEEvents"]) -> "LHEEvents":
        """Join batches (as produced by :func:`iter_lhe`) into one."""
        parts = list(parts)
        if not parts:
            return LHEEvents({"nparticles": np.zeros(0, np.int32)})
        names: List[str] = []
        for p in parts:
            names += [w for w in p.weight_names if w not in names]
        weights = np.full((sum(len(p) for p in parts), len(names)), np.nan)
        row = 0
        for p in parts:
            cols = [names.index(w) for w in p.weight_names]
            weights[row:row + len(p), cols] = p.weights
            row += len(p)
        fields = {name: np.concatenate([getattr(p, name) for p in parts])
                  for name in _EVENT_FIELDS_INT + _EVENT_FIELDS_FLOAT + _PARTICLE_FIELDS_INT
                  + _PARTICLE_FIELDS_FLOAT}
        scales = _concat_named([p.scales for p in parts], [len(p) for p in parts])
        attrs = _concat_named([p.attributes for p in parts], [len(p) for p in parts])
        return LHEEvents(fields, names, weights, scales, attrs, parts[0].file)

    def to_awkward(self):
        """An awkward Array of events with a nested ``particles`` record (needs awkward)."""
        try:
            import awkward as ak
        except ImportError:
            raise ImportError("to_awkward needs the awkward package: pip install awkward") from None
        particles = ak.zip({name: self_arr for name, self_arr in
                            ((n, getattr(self, n)) for n in _PARTICLE_FIELDS_INT
                             + _PARTICLE_FIELDS_FLOAT)})
        record = {name: getattr(self, name) for name in _EVENT_FIELDS_INT + _EVENT_FIELDS_FLOAT}
        record["particles"] = ak.unflatten(particles, self.nparticles)
        if self.weight_names:
            record["weights"] = ak.zip({n: self.weights[:, i]
                                        for i, n in enumerate(self.weight_names)})
        return ak.zip(record, depth_limit=1)

    def __repr__(self) -> str:
        return (f"<LHEEvents: {len(self)} events, {self.n_particles} particles, "
                f"{len(self.weight_names)} extra weights>")

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in (
            ("events", len(self)), ("particles", self.n_particles),
            ("extra weights", len(self.weight_names)),
            ("sum of weights", f"{np.sum(self.weight):.6g}")))
        return f"<table><caption>LHEEvents</caption>{rows}</table>"


def _concat_named(dicts: List[Dict[str, np.ndarray]], sizes: List[int]) -> Dict[str, np.ndarray]:
    keys: List[str] = []
    for d in dicts:
        keys += [k for k in d if k not in keys]
    return {k: np.concatenate([d.get(k, np.full(n, np.nan)) for d, n in zip(dicts, sizes)])
            for k in keys}


def _dense(table, n_events: int) -> Tuple[List[str], np.ndarray]:
    names, values = table  # built densely in C: NaN where absent, the file's last value wins
    assert values.shape == (n_events, len(names))
    return names, values


def _batch(raw: Dict[str, Any], file: Optional[LHEFile], with_weights: bool) -> LHEEvents:
    n = raw["nparticles"].shape[0]
    wnames, weights = _dense(raw["weights"], n) if with_weights else ([], None)
    if with_weights and raw["positional"][0]:
        # positional <weights> values fill in where no named <wgt>/<weight> gave one
        pnames, pos = _dense(raw["positional"], n)
        for j, name in enumerate(pnames):
            if name not in wnames:
                wnames = list(wnames) + [name]
                weights = np.hstack([weights, np.full((n, 1), np.nan)])
            col = weights[:, wnames.index(name)]
            fill = np.isnan(col)
            col[fill] = pos[fill, j]
    snames, scales = _dense(raw["scales"], n)
    anames, attrs = _dense(raw["attributes"], n)
    return LHEEvents(raw, wnames, weights, dict(zip(snames, scales.T)),
                     dict(zip(anames, attrs.T)), file)


# ---------------------------------------------------------------------------- reading
def iter_lhe(source: PathOrFile, chunk_size: int = 10_000, weights: bool = True
             ) -> Iterator[LHEEvents]:
    """Stream an event file in batches of at most ``chunk_size`` events (bounded memory).

    Every complete event is yielded before a parse error is raised, so a truncated file gives
    all its complete events and then :class:`~activesci.exceptions.LHEParseError` with the
    line number.

    The text is decompressed in the calling thread while a C worker thread (which never needs
    the GIL) parses the previous pieces; at most four pieces of about a quarter of a megabyte
    are queued, so memory stays bounded by ``chunk_size`` events plus a few megabytes.

    Parameters
    ----------
    source : path or binary/text file object
        Plain or gzip-compressed (detected from the content).
    chunk_size : int, default=10000
        Maximum events per batch.
    weights : bool, default=True
        Build the extra-weight matrices.

    Yields
    ------
    LHEEvents
    """
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    parser = _core.lhe_new()
    meta = LHEFile()
    pending: List[LHEEvents] = []
    n_pending = 0
    error = None

    def flush(final: bool):
        nonlocal pending, n_pending
        while n_pending >= chunk_size or (final and n_pending):
            joined = LHEEvents.concatenate(pending) if len(pending) > 1 else pending[0]
            if len(joined) <= chunk_size:  # the whole batch: no copy
                pending, n_pending = [], 0
                yield joined
                continue
            head, tail = joined[:chunk_size], joined[chunk_size:]
            pending = [tail] if len(tail) else []
            n_pending = len(tail)
            yield head

    # The parser keeps the events in its own growing arrays until a batch is full; taking
    # them hands those buffers to NumPy without a copy when no event is cut at the boundary.
    # The chunks are inflated (or read) in this thread while a C worker thread parses the
    # previous ones without the GIL (lhe_feed_async): ISA-L's inflate holds the GIL, so only a
    # thread that never needs it can overlap with it.
    def take():
        """Move the parsed events into a pending batch."""
        nonlocal n_pending
        # lhe_info waits for the worker to parse everything queued, so it is asked only when
        # a batch is handed out (not after the first chunk, which would stall the pipeline)
        if meta.init is None:
            meta._set_info(_core.lhe_info(parser))
        raw = _core.lhe_take(parser)
        if raw["nparticles"].size:
            pending.append(_batch(raw, meta, weights))
            n_pending += len(pending[-1])

    source_error = None
    chunks = _byte_chunks(source)
    try:
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                break
            except LHEParseError as exc:  # damaged gzip data: hand out what was read, then raise
                source_error = exc
                break
            error = _core.lhe_feed_async(parser, chunk)
            if error is not None:
                break
            if _core.lhe_count(parser) + n_pending >= chunk_size:
                take()
                yield from flush(False)
    finally:
        chunks.close()
    worker_error = _core.lhe_sync(parser)  # everything queued is parsed
    if error is None and source_error is None:
        error = worker_error
    if source_error is not None:  # damaged gzip data: the events read so far, then the error
        take()
        yield from flush(True)
        raise source_error
    if error is None:
        error = _core.lhe_finish(parser)
    take()
    yield from flush(True)
    if error is not None:
        raise _parse_error(source, *error)


def read_lhe(source: PathOrFile, weights: bool = True) -> LHEEvents:
    """Read a whole Les Houches Event file into columnar arrays.

    Parameters
    ----------
    source : path or binary/text file object
        ``.lhe`` or gzip-compressed (``.lhe.gz``; detected from the content, not the name).
    weights : bool, default=True
        Read the extra weights (``<rwgt>``, ``<weights>``, ``<weight>``).

    Returns
    -------
    LHEEvents
        With ``.file`` holding the :class:`LHEFile` metadata (init, header, version).

    Raises
    ------
    LHEParseError
        Malformed or truncated input; ``.line`` is the line number.
    """
    batches = list(iter_lhe(source, chunk_size=2**62, weights=weights))
    return batches[0] if len(batches) == 1 else LHEEvents.concatenate(batches)


def count_events(source: PathOrFile) -> int:
    """Number of ``<event>`` blocks, counted on the decompressed bytes without parsing.

    Examples
    --------
    >>> count_events(io.BytesIO(b"<LesHouchesEvents><init>\\n</init>\\n<event>\\n</event>\\n"))
    1
    """
    pattern = re.compile(rb"<event[\s>]")
    total, carry = 0, b""
    for chunk in _byte_chunks(source):
        data = carry + chunk
        total += len(pattern.findall(data))
        # a match needs 7 bytes, so none lies wholly in the last 6: carry them over to catch a
        # tag cut by the chunk boundary, without counting anything twice
        carry = data[-6:]
    return total


# ---------------------------------------------------------------------------- observables
def _four_momenta(events: LHEEvents):
    return events.px, events.py, events.pz, events.e


def invariant_mass(events: LHEEvents, mask: Optional[np.ndarray] = None) -> np.ndarray:
    """Invariant mass per event of the particles selected by ``mask`` (flat boolean array over
    particles, e.g. ``(abs(ev.pdgid) == 13) & (ev.status == 1)``); all final-state particles
    (status 1) when None.

    Examples
    --------
    >>> ev = LHEEvents.from_particles(offsets=[0, 2], status=[1, 1], px=[1.0, -1.0],
    ...                               py=[0.0, 0.0], pz=[0.0, 0.0], e=[5.0, 5.0])
    >>> invariant_mass(ev).tolist()
    [10.0]
    """
    if mask is None:
        mask = events.status == 1
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != events.px.shape:
        raise ValueError(f"mask must have one entry per particle ({events.px.shape[0]}), got "
                         f"shape {mask.shape}")
    sums = []
    for comp in _four_momenta(events):
        sums.append(_segment_sum(np.where(mask, comp, 0.0), events.offsets))
    px, py, pz, e = sums
    return np.sqrt(np.maximum(e * e - px * px - py * py - pz * pz, 0.0))


def _segment_sum(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(values)])
    return c[offsets[1:]] - c[offsets[:-1]]


def costheta(events: LHEEvents, pdgid: int, status: Optional[int] = 1) -> np.ndarray:
    """cos θ (polar angle to the +z beam) of the first particle with ``pdgid`` (and
    ``status``) in each event; NaN where there is none.

    Examples
    --------
    >>> ev = LHEEvents.from_particles(offsets=[0, 1], pdgid=[13], status=[1],
    ...                               px=[0.6], py=[0.0], pz=[0.8], e=[1.0])
    >>> costheta(ev, 13).round(6).tolist()
    [0.8]
    """
    sel = events.pdgid == pdgid
    if status is not None:
        sel &= events.status == status
    out = np.full(len(events), np.nan)
    idx = np.flatnonzero(sel)
    if idx.size == 0:
        return out
    owner = np.searchsorted(events.offsets, idx, side="right") - 1
    first = np.unique(owner, return_index=True)
    ev_ids, pos = first[0], idx[first[1]]
    p = np.sqrt(events.px[pos] ** 2 + events.py[pos] ** 2 + events.pz[pos] ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[ev_ids] = events.pz[pos] / p
    return out


def pt(events: LHEEvents) -> np.ndarray:
    """Transverse momentum of every particle (flat)."""
    return np.hypot(events.px, events.py)


def rapidity(events: LHEEvents) -> np.ndarray:
    """Rapidity ½ ln((E + pz)/(E − pz)) of every particle (flat; ±inf along the beam)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 0.5 * np.log((events.e + events.pz) / (events.e - events.pz))


def pseudorapidity(events: LHEEvents) -> np.ndarray:
    """Pseudorapidity −ln tan(θ/2) of every particle (flat)."""
    p = np.sqrt(events.px ** 2 + events.py ** 2 + events.pz ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.arctanh(events.pz / p)


# ---------------------------------------------------------------------------- writing
def write_lhe(path: Union[str, os.PathLike], events: LHEEvents, init: Optional[LHEInit] = None,
              header: str = "") -> None:
    """Write events in MadGraph's layout (LHEF 3.0); gzip when the name ends in ``.gz``.

    Numbers are written with 17 significant digits, so reading the file back gives identical
    arrays. Extra weights go to ``<rwgt>`` blocks with their names declared in the header's
    ``<initrwgt>``; NaN weights (absent in an event) are omitted.

    Parameters
    ----------
    path : str or PathLike
    events : LHEEvents
    init : LHEInit, default=None
        The ``<init>`` block; defaults to ``events.file.init`` when the events were read from a
        file, otherwise it is required.
    header : str
        Extra text placed inside ``<header>``.
    """
    if not isinstance(events, LHEEvents):
        raise TypeError(f"events must be LHEEvents, got {type(events).__name__}")
    if init is None:
        init = events.file.init if events.file is not None else None
        if init is None:
            raise ValueError("init is required: pass an LHEInit describing the beams and "
                             "processes")
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wt", encoding="ascii", newline="\n") as fh:
        fh.write(_render(events, init, header))


def _num(x: float) -> str:
    return f"{x:+.16e}"


def _render(events: LHEEvents, init: LHEInit, header: str) -> str:
    out = io.StringIO()
    w = out.write
    w('<LesHouchesEvents version="3.0">\n<header>\n')
    if header:
        w(header.rstrip("\n") + "\n")
    if events.weight_names:
        w("<initrwgt>\n<weightgroup name='activesci'>\n")
        for name in events.weight_names:
            w(f"<weight id='{name}'> </weight>\n")
        w("</weightgroup>\n</initrwgt>\n")
    w("</header>\n<init>\n")
    w(f" {init.beam_id[0]} {init.beam_id[1]} {_num(init.beam_energy[0])} "
      f"{_num(init.beam_energy[1])} {init.pdf_group[0]} {init.pdf_group[1]} {init.pdf_set[0]} "
      f"{init.pdf_set[1]} {init.weighting_strategy} {init.n_processes}\n")
    for i in range(init.n_processes):
        w(f" {_num(init.xsec[i])} {_num(init.xsec_error[i])} {_num(init.unit_weight[i])} "
          f"{int(init.process_id[i])}\n")
    if init.extra:
        w(init.extra.rstrip("\n") + "\n")
    w("</init>\n")
    ints = np.stack([getattr(events, n) for n in _PARTICLE_FIELDS_INT], axis=1)
    floats = np.stack([getattr(events, n) for n in _PARTICLE_FIELDS_FLOAT], axis=1)
    lines = [" %8d %2d %4d %4d %4d %4d " % tuple(r) + " ".join(map(_num, f))
             for r, f in zip(ints.tolist(), floats.tolist())]
    off = events.offsets
    for i in range(len(events)):
        w("<event>\n")
        w(f" {int(events.nparticles[i])} {int(events.process_id[i])} {_num(events.weight[i])} "
          f"{_num(events.scale[i])} {_num(events.aqed[i])} {_num(events.aqcd[i])}\n")
        for j in range(off[i], off[i + 1]):
            w(lines[j] + "\n")
        if events.weight_names:
            row = events.weights[i]
            w("<rwgt>\n")
            for name, value in zip(events.weight_names, row):
                if not np.isnan(value):
                    w(f"<wgt id='{name}'> {_num(value)} </wgt>\n")
            w("</rwgt>\n")
        w("</event>\n")
    w("</LesHouchesEvents>\n")
    return out.getvalue()


# ---------------------------------------------------------------------------- MadGraph cards
def _typed(value: str):
    v = value.strip()
    low = v.lower()
    if low in ("true", ".true.", "t"):
        return True
    if low in ("false", ".false.", "f"):
        return False
    for cast in (int, float):
        try:
            return cast(v.replace("d", "e").replace("D", "e")) if cast is float else cast(v)
        except ValueError:
            pass
    return v


def _parse_cards(header: str) -> Dict[str, Any]:
    cards: Dict[str, Any] = {}
    run = re.search(r"<MGRunCard>(.*?)</MGRunCard>", header, re.S)
    if run:
        entries = {}
        for line in run.group(1).splitlines():
            line = line.split("!", 1)[0].split("#", 1)[0]
            if "=" in line:
                value, key = line.split("=", 1)
                key = key.strip()
                if key:
                    entries[key] = _typed(value)
        cards["run_card"] = entries
    slha = re.search(r"<slha>(.*?)</slha>", header, re.S) or re.search(
        r"<MGParamCard>(.*?)</MGParamCard>", header, re.S)
    if slha:
        blocks: Dict[str, Dict[Any, float]] = {}
        current = None
        for line in slha.group(1).splitlines():
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            head = parts[0].lower()
            if head == "block":
                current = parts[1].lower()
                blocks[current] = {}
            elif head == "decay":
                blocks.setdefault("decay", {})[int(parts[1])] = float(parts[2].replace("d", "e"))
                current = None
            elif current is not None:
                try:
                    *keys, value = parts
                    ints = tuple(int(k) for k in keys)
                    blocks[current][ints[0] if len(ints) == 1 else ints] = float(
                        value.replace("d", "e").replace("D", "e"))
                except ValueError:
                    continue
        cards["param_card"] = blocks
    proc = re.search(r"<MG5ProcCard>(.*?)</MG5ProcCard>", header, re.S)
    if proc:
        cards["proc_card"] = proc.group(1).replace("<![CDATA[", "").replace("]]>", "").strip()
    return cards
