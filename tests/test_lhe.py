"""LHE reading against pylhe on real generator files, round trips, streaming and bad input."""
import gzip
import io
import os
import pathlib
import tracemalloc

import numpy as np
import pytest

from activesci import _core
from activesci.exceptions import LHEParseError
from activesci.io import (LHEEvents, LHEFile, LHEInit, costheta, count_events, invariant_mass,
                          iter_lhe, pseudorapidity, pt, rapidity, read_lhe, write_lhe)

DATA = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data" / "lhe"
FILES = sorted(p for p in DATA.glob("*.lhe*") if not p.name.endswith(".readme")) \
    if DATA.is_dir() else []
needs_data = pytest.mark.skipif(not FILES, reason=f"real LHE test files not found in {DATA} "
                                "(a user's checkout without ../shared)")

PARTICLE_MAP = (("pdgid", "id"), ("status", "status"), ("mother1", "mother1"),
                ("mother2", "mother2"), ("color1", "color1"), ("color2", "color2"),
                ("px", "px"), ("py", "py"), ("pz", "pz"), ("e", "e"), ("m", "m"),
                ("lifetime", "lifetime"), ("spin", "spin"))


@needs_data
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_equals_pylhe(path):
    pylhe = pytest.importorskip("pylhe")
    ref_file = pylhe.LHEFile.fromfile(str(path))
    ref = list(ref_file.events)
    ev = read_lhe(path)
    assert len(ev) == len(ref) == count_events(path)
    info = [(e.eventinfo.nparticles, e.eventinfo.pid, e.eventinfo.weight, e.eventinfo.scale,
             e.eventinfo.aqed, e.eventinfo.aqcd) for e in ref]
    np.testing.assert_array_equal(ev.nparticles, [i[0] for i in info])
    np.testing.assert_array_equal(ev.process_id, [i[1] for i in info])
    for k, name in enumerate(("weight", "scale", "aqed", "aqcd"), start=2):
        np.testing.assert_array_equal(getattr(ev, name), [i[k] for i in info])
    for name, ref_name in PARTICLE_MAP:
        flat = [getattr(p, ref_name) for e in ref for p in e.particles]
        np.testing.assert_array_equal(getattr(ev, name), flat, err_msg=name)
    for i, e in enumerate(ref):  # every weight pylhe knows, by name and value
        for key, value in (e.weights or {}).items():
            assert ev.weights[i, ev.weight_names.index(key)] == value, (i, key)
        for key, value in (e.scales or {}).items():
            assert ev.scales[key][i] == value, (i, key)
    init = ref_file.init.initInfo
    f = ev.file
    assert f.init.beam_id == (init.beamA, init.beamB)
    assert f.init.beam_energy == (init.energyA, init.energyB)
    assert f.init.weighting_strategy == init.weightingStrategy
    assert f.init.xsec == [p.xSection for p in ref_file.init.procInfo]
    assert f.init.process_id == [p.procId for p in ref_file.init.procInfo]


@needs_data
def test_madgraph_file_weights_header_and_cards():
    path = DATA / "pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz"
    ev = read_lhe(path)
    assert ev.weights.shape == (1000, 145)
    assert ev.weight_names[:3] == ["1", "2", "3"]
    # weight "2" is the nominal one, written with 8 significant digits
    np.testing.assert_allclose(ev.weight_by_name("2"), ev.weight, rtol=1e-7)
    f = LHEFile(path)
    assert f.version == "3.0" and f.init.beam_energy == (6500.0, 6500.0)
    assert len(f.init_weight_ids) == 145
    cards = f.cards
    assert cards["run_card"]["ebeam1"] == 6500.0
    assert cards["param_card"]["mass"][23] == pytest.approx(91.188)
    assert "generate" in cards["proc_card"]
    assert "6.99671e+08 pb" in repr(f)
    with pytest.raises(KeyError, match="no weight named"):
        ev.weight_by_name("nope")


@needs_data
def test_observables_on_z_events():
    ev = read_lhe(DATA / "pylhe-testfile-madgraph-2.2.1-Z-mlm.lhe.gz")
    leptons = np.isin(np.abs(ev.pdgid), (11, 13, 15)) & (ev.status == 1)
    mll = invariant_mass(ev, leptons)
    two = np.add.reduceat(leptons.astype(int), ev.offsets[:-1]) == 2
    assert two.mean() > 0.9
    assert 88 < np.median(mll[two]) < 94
    i = 3  # check one event by hand
    sel = slice(ev.offsets[i], ev.offsets[i + 1])
    p = np.array([ev.e[sel], ev.px[sel], ev.py[sel], ev.pz[sel]])[:, leptons[sel]].sum(1)
    assert mll[i] == pytest.approx(np.sqrt(p[0] ** 2 - p[1:] @ p[1:]))
    c = costheta(ev, 11)
    assert np.all((np.abs(c) <= 1) | np.isnan(c))
    assert pt(ev).shape == ev.px.shape and rapidity(ev).shape == ev.px.shape
    assert np.all(np.isfinite(pseudorapidity(ev)[ev.status == 1]))


@needs_data
def test_streaming_equals_whole_read_and_memory_is_bounded(tmp_path):
    path = DATA / "pylhe-testfile-madgraph-2.2.1-Z-ckkwl.lhe.gz"
    whole = read_lhe(path)
    batches = list(iter_lhe(path, chunk_size=777))
    assert [len(b) for b in batches[:-1]] == [777] * (len(batches) - 1)
    joined = LHEEvents.concatenate(batches)
    for name in ("weight", "nparticles", "pdgid", "px", "spin"):
        np.testing.assert_array_equal(getattr(joined, name), getattr(whole, name))
    # memory: streaming a file 4x longer does not need more memory
    small, big = tmp_path / "small.lhe", tmp_path / "big.lhe"
    write_lhe(small, whole)  # ~10 MB: enough to reach the reader's steady state
    write_lhe(big, LHEEvents.concatenate([whole] * 4))
    peaks = []
    for p in (small, big):
        tracemalloc.start()
        n = sum(len(b) for b in iter_lhe(p, chunk_size=500))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert n == count_events(p)
    assert peaks[1] < 1.5 * peaks[0] + 2e6, peaks


def synthetic_mumu(n=50, seed=0):
    rng = np.random.default_rng(seed)
    c = rng.uniform(-1, 1, n)
    phi = rng.uniform(0, 2 * np.pi, n)
    E = 45.6
    s = np.sqrt(1 - c ** 2)
    px, py, pz = E * s * np.cos(phi), E * s * np.sin(phi), E * c
    zeros = np.zeros(n)
    parts = {
        "pdgid": np.column_stack([np.full(n, 11), np.full(n, -11), np.full(n, 13),
                                  np.full(n, -13)]).ravel(),
        "status": np.column_stack([-np.ones(n), -np.ones(n), np.ones(n), np.ones(n)]).ravel(),
        "mother1": np.column_stack([zeros, zeros, np.ones(n), np.ones(n)]).ravel(),
        "mother2": np.column_stack([zeros, zeros, 2 * np.ones(n), 2 * np.ones(n)]).ravel(),
        "px": np.column_stack([zeros, zeros, px, -px]).ravel(),
        "py": np.column_stack([zeros, zeros, py, -py]).ravel(),
        "pz": np.column_stack([np.full(n, E), np.full(n, -E), pz, -pz]).ravel(),
        "e": np.full(4 * n, E),
        "m": np.zeros(4 * n),
    }
    return LHEEvents.from_particles(
        offsets=np.arange(0, 4 * n + 1, 4), **parts,
        weights=np.column_stack([np.ones(n), rng.uniform(0.5, 1.5, n)]),
        weight_names=["nominal", "sin2w=0.24"])


@pytest.mark.parametrize("suffix", [".lhe", ".lhe.gz"])
def test_round_trip_is_exact_and_readable_by_pylhe(tmp_path, suffix):
    ev = synthetic_mumu()
    init = LHEInit(beam_id=(11, -11), beam_energy=(45.6, 45.6), xsec=[1976.5],
                   xsec_error=[1.2], unit_weight=[1.0], process_id=[1])
    path = tmp_path / ("mumu" + suffix)
    write_lhe(path, ev, init)
    back = read_lhe(path)
    for name in ("nparticles", "process_id", "weight", "scale", "aqed", "aqcd", "pdgid",
                 "status", "mother1", "mother2", "color1", "color2", "px", "py", "pz", "e", "m",
                 "lifetime", "spin"):
        np.testing.assert_array_equal(getattr(back, name), getattr(ev, name), err_msg=name)
    np.testing.assert_array_equal(back.weights, ev.weights)
    assert back.weight_names == ev.weight_names
    assert back.file.init.xsec == [1976.5]
    np.testing.assert_allclose(costheta(back, 13), ev.pz[2::4] / 45.6)
    pylhe = pytest.importorskip("pylhe")
    ref = list(pylhe.LHEFile.fromfile(str(path)).events)
    assert len(ref) == 50 and ref[3].particles[2].pz == ev.pz[3 * 4 + 2]
    assert ref[7].weights["sin2w=0.24"] == ev.weights[7, 1]


def test_file_objects_text_mode_and_random_chunking():
    ev = synthetic_mumu(30, seed=1)
    buf = io.StringIO()
    write_lhe_to = pathlib.Path  # noqa: F841 (documentation: write_lhe takes paths)
    text = _render_text(ev)
    whole = read_lhe(io.BytesIO(text.encode()))
    np.testing.assert_array_equal(whole.px, ev.px)
    assert len(read_lhe(io.StringIO(text))) == 30
    gz = io.BytesIO(gzip.compress(text.encode()))
    assert len(read_lhe(gz)) == 30

    class Trickle(io.RawIOBase):  # returns tiny random pieces: lines cut anywhere
        def __init__(self, data, seed):
            self.data, self.pos, self.rng = data, 0, np.random.default_rng(seed)

        def read(self, n=-1):
            k = int(self.rng.integers(1, 40))
            out = self.data[self.pos:self.pos + k]
            self.pos += len(out)
            return out

    for seed in range(3):
        got = read_lhe(Trickle(text.encode(), seed))
        np.testing.assert_array_equal(got.px, ev.px)
        np.testing.assert_array_equal(got.weights, ev.weights)
    del buf


def _render_text(ev):
    from activesci.io.lhe import _render
    return _render(ev, LHEInit(), "")


def test_count_events_across_chunk_boundaries():
    text = _render_text(synthetic_mumu(40)).encode()
    from activesci.io import lhe as lhe_mod
    chunks = list(lhe_mod._byte_chunks(io.BytesIO(text), 7))
    assert len(chunks) > 100
    assert count_events(io.BytesIO(text)) == 40


@pytest.mark.parametrize("mutate, match", [
    (lambda t: t.replace("<init>", "<nit>"), "no <init> block|ended before an <init>"),
    (lambda t: t.replace(" 4 0 ", " 5 0 ", 1), "declares 5 particles"),
    (lambda t: t.replace("+4.5600000000000001e+01", "4.56x+01", 1), "13 numbers|number"),
    (lambda t: t[: t.index("</event>", 500)], "truncated"),
    (lambda t: t.replace("</LesHouchesEvents>\n", ""), "without </LesHouchesEvents>"),
    (lambda t: "hello world\n", "not a Les Houches Event file"),
    (lambda t: t.replace("<event>", "<event>\n 1 0 1 1 1\n", 1), "6 numbers"),
])
def test_malformed_input_raises_with_line_number(mutate, match):
    text = mutate(_render_text(synthetic_mumu(20)))
    with pytest.raises(LHEParseError, match=match) as info:
        read_lhe(io.BytesIO(text.encode()))
    assert info.value.line >= 1
    assert isinstance(info.value, ValueError)


def test_iter_lhe_yields_complete_events_before_the_error():
    text = _render_text(synthetic_mumu(20))
    cut = text.index("<event>", text.index("<event>", len(text) // 2) + 1) + 60
    got = []
    with pytest.raises(LHEParseError, match="truncated") as info:
        for batch in iter_lhe(io.BytesIO(text[:cut].encode()), chunk_size=3):
            got.append(batch)
    n_complete = text[:cut].count("</event>")
    assert sum(len(b) for b in got) == n_complete
    assert info.value.line > 0


def test_bad_arguments():
    with pytest.raises(FileNotFoundError):
        read_lhe("/nonexistent/file.lhe")
    with pytest.raises(TypeError, match="path or a file object"):
        read_lhe(42)
    with pytest.raises(ValueError, match="chunk_size"):
        next(iter_lhe(io.BytesIO(b""), chunk_size=0))
    with pytest.raises(ValueError, match="init is required"):
        write_lhe("/tmp/x.lhe", synthetic_mumu(2))
    with pytest.raises(TypeError, match="LHEEvents"):
        write_lhe("/tmp/x.lhe", {"px": []}, LHEInit())
    with pytest.raises(ValueError, match="offsets"):
        LHEEvents.from_particles(offsets=[1, 2])
    with pytest.raises(ValueError, match="entries"):
        LHEEvents.from_particles(offsets=[0, 2], px=[1.0])
    with pytest.raises(IndexError):
        synthetic_mumu(2)[5]


def test_number_parser_is_exact():
    rng = np.random.default_rng(0)
    samples = ["0", "-0.0", "1.", ".5", "-.93544317E+03", "0.14322906E+03", "+6.9967067e+08",
               "1577.9467111209792", "2.8947316e-19", "1e308", "4.9e-324", "1.0D+02",
               "12345678901234567890123", "0.000000000000000000000001234", "9."]
    for _ in range(3000):
        x = rng.standard_normal() * 10.0 ** rng.integers(-30, 30)
        samples += [f"{x:.10e}", f"{x:+.16e}", f"{x:.17g}", f"{x:.6E}", repr(float(x))]
    for s in samples:
        value, used = _core.lhe_parse_double(s)
        assert used == len(s), s
        assert value == float(s.replace("D", "e")), s
    assert _core.lhe_parse_double("abc") == (0.0, 0)
    assert np.isnan(_core.lhe_parse_double("nan")[0])


def test_to_awkward_and_indexing():
    ak = pytest.importorskip("awkward")
    ev = synthetic_mumu(5)
    arr = ev.to_awkward()
    assert len(arr) == 5 and ak.to_list(arr.particles.pdgid[0]) == [11, -11, 13, -13]
    sub = ev[[0, 2, 4]]
    assert len(sub) == 3 and sub.n_particles == 12
    np.testing.assert_array_equal(sub.px[4:8], ev.px[8:12])
    mask = ev.weights[:, 1] > 1.0
    assert len(ev[mask]) == int(mask.sum())
    assert ev[-1]["pdgid"].tolist() == [11, -11, 13, -13]
    assert "LHEEvents" in repr(ev) and "<table>" in ev._repr_html_()
