"""LHE reading: activesci versus pylhe on real MadGraph files, side by side in one process.

Cases (issue "Built-in simulators ... and fast LHE input/output"):
* the MadGraph 3.5.8 file (1,000 events, 145 weights each) and the 10k-event MadGraph 2.2.1 Z
  file: the median wall time of activesci.io.read_lhe and of pylhe (every event with its
  particles and weights), their ratio (target >= 30x), events per second, and the floors:
  reading plus gunzip of the same file with zlib (what pylhe uses) and with ISA-L (what
  activesci uses when the optional isal is installed; activesci inflates in the calling
  thread while a C worker thread parses the previous piece, so with a free second core its
  time can approach the ISA-L floor).  The runs of the two readers alternate, so that both
  see the same load on a shared machine; the machine line gives the load and, on Linux, the
  share of time some task waited for a CPU (/proc/pressure/cpu, avg10).
  Quality: every event, particle field and weight equals pylhe's (equal_to_pylhe).
* peak Python memory of iter_lhe on the file repeated k times (it must not grow with k).

Prints one JSON line per case.
Usage: python benchmarks/bench_lhe.py [--repeats 7] [--data ../shared/data/lhe]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import pathlib
import tempfile
import time
import tracemalloc

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
import _checkout  # noqa: E402,F401  (activesci installed, or this checkout)

PARTICLE_MAP = (("pdgid", "id"), ("status", "status"), ("mother1", "mother1"),
                ("mother2", "mother2"), ("color1", "color1"), ("color2", "color2"),
                ("px", "px"), ("py", "py"), ("pz", "pz"), ("e", "e"), ("m", "m"),
                ("lifetime", "lifetime"), ("spin", "spin"))


def median_time(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def equal_to_pylhe(ev, ref) -> bool:
    info = [e.eventinfo for e in ref]
    ok = len(ev) == len(ref)
    ok &= np.array_equal(ev.nparticles, [i.nparticles for i in info])
    ok &= np.array_equal(ev.process_id, [i.pid for i in info])
    for name in ("weight", "scale", "aqed", "aqcd"):
        ok &= np.array_equal(getattr(ev, name), [getattr(i, name) for i in info])
    for name, ref_name in PARTICLE_MAP:
        ok &= np.array_equal(getattr(ev, name),
                             [getattr(p, ref_name) for e in ref for p in e.particles])
    col = {n: j for j, n in enumerate(ev.weight_names)}
    for i, e in enumerate(ref):
        for key, value in (e.weights or {}).items():
            ok &= bool(ev.weights[i, col[key]] == value)
    return bool(ok)


def case_read(path: pathlib.Path, repeats: int):
    import pylhe

    from activesci.io import read_lhe

    def ours():
        return read_lhe(path)

    def ref():  # materialise what read_lhe gives: events, particles and weights
        events = list(pylhe.LHEFile.fromfile(str(path)).events)
        for e in events:
            e.weights
            e.particles
        return events

    def floor():
        with open(path, "rb") as fh:
            raw = fh.read()
        return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw

    def floor_isal():
        from isal import isal_zlib
        with open(path, "rb") as fh:
            raw = fh.read()
        return isal_zlib.decompressobj(31).decompress(raw) if raw[:2] == b"\x1f\x8b" else raw

    def floor_isal_streamed():  # inflate in 128 kB slices, keeping no output: the cheapest
        from isal import isal_zlib  # way to read and gunzip (no 10 MB output buffer to grow)
        with open(path, "rb") as fh:
            raw = fh.read()
        if raw[:2] != b"\x1f\x8b":
            return len(raw)
        d, view, size = isal_zlib.decompressobj(31), memoryview(raw), 0
        for pos in range(0, len(view), 1 << 17):
            size += len(d.decompress(view[pos:pos + (1 << 17)]))
        return size

    ours()  # warm the page cache and the imports
    t_floor, text = median_time(floor, repeats)
    try:
        t_floor_isal, _ = median_time(floor_isal, repeats)
        t_floor_stream, _ = median_time(floor_isal_streamed, repeats)
    except ImportError:
        t_floor_isal = t_floor_stream = float("nan")
    t_ours, t_ref, cpu_ours = [], [], []
    n_ref = repeats
    for r in range(repeats):  # alternate the two readers: both see the same machine load
        c0, t0 = time.process_time(), time.perf_counter()
        ev = ours()
        t_ours.append(time.perf_counter() - t0)
        cpu_ours.append(time.process_time() - c0)
        if r < n_ref:
            t0 = time.perf_counter()
            evs = ref()
            t_ref.append(time.perf_counter() - t0)
    a, b = float(np.median(t_ours)), float(np.median(t_ref))
    n = len(ev)
    return {"case": "read", "file": path.name, "events": n,
            "weights_per_event": len(ev.weight_names), "megabytes_text": len(text) / 1e6,
            "activesci_median_s": a, "pylhe_median_s": b, "ratio": b / a,
            "activesci_min_s": float(np.min(t_ours)), "activesci_cpu_median_s":
            float(np.median(cpu_ours)),
            "activesci_events_per_s": n / a, "pylhe_events_per_s": n / b,
            "floor_read_gunzip_zlib_s": t_floor, "floor_read_gunzip_isal_s": t_floor_isal,
            "activesci_over_isal_floor": a / t_floor_isal,
            "floor_read_gunzip_isal_streamed_s": t_floor_stream,
            "activesci_over_streamed_floor": a / t_floor_stream,
            "repeats": {"activesci": repeats, "pylhe": n_ref},
            "equal_to_pylhe": equal_to_pylhe(ev, evs), "target": ">= 30x pylhe",
            "target_met": bool(b / a >= 30)}


def case_memory(path: pathlib.Path):
    from activesci.io import iter_lhe, read_lhe, write_lhe

    ev = read_lhe(path)
    peaks = {}
    with tempfile.TemporaryDirectory() as tmp:
        from activesci.io import LHEEvents
        for k in (1, 4):
            big = pathlib.Path(tmp) / f"x{k}.lhe"
            write_lhe(big, LHEEvents.concatenate([ev] * k))
            tracemalloc.start()
            n = sum(len(b) for b in iter_lhe(big, chunk_size=1000))
            peaks[k] = (n, tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
    return {"case": "iter_lhe_memory", "file": path.name,
            "events_1x": peaks[1][0], "peak_bytes_1x": peaks[1][1],
            "events_4x": peaks[4][0], "peak_bytes_4x": peaks[4][1],
            "target": "peak does not grow with the file",
            "target_met": bool(peaks[4][1] < 1.5 * peaks[1][1] + 2e6)}


def main(argv=None):
    here = pathlib.Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--data", default=str(here.parent / "shared" / "data" / "lhe"))
    args = ap.parse_args(argv)
    data = pathlib.Path(args.data)
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    try:
        import isal
        isal_version = isal.__version__
    except ImportError:
        isal_version = None
    import pylhe
    try:
        with open("/proc/pressure/cpu") as fh:
            pressure = float(fh.readline().split()[1].split("=")[1])
    except (OSError, IndexError, ValueError):
        pressure = float("nan")
    print(json.dumps({"machine": {"cpus": os.cpu_count(), "load_1min": load,
                                  "cpu_pressure_some_avg10_percent": pressure},
                      "pylhe": pylhe.__version__, "isal": isal_version}))
    for name in ("pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz",
                 "pylhe-testfile-madgraph-2.2.1-Z-mlm.lhe.gz"):
        print(json.dumps(case_read(data / name, args.repeats)), flush=True)
    print(json.dumps(case_memory(data / "pylhe-testfile-madgraph-2.2.1-Z-mlm.lhe.gz")), flush=True)


if __name__ == "__main__":
    main()
