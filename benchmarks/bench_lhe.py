"""LHE reading: activesci versus pylhe on real MadGraph files, side by side in one process.

Cases (issue "Built-in simulators ... and fast LHE input/output"):
* the MadGraph 3.5.8 file (1,000 events, 145 weights each) and the 10k-event MadGraph 2.2.1 Z
  file: events per second of activesci.io.read_lhe and of pylhe (events with their weights),
  the ratio (target >= 30x), and the floors: reading plus gunzip of the same file with zlib
  (what pylhe uses) and with ISA-L (what activesci uses when the optional isal is installed;
  activesci inflates in a background thread while the C parser runs).
* peak Python memory of iter_lhe on the file repeated k times (it must not grow with k).

Usage: python benchmarks/bench_lhe.py [--repeats 5] [--data ../shared/data/lhe]
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


def median_time(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def case_read(path: pathlib.Path, repeats: int):
    import pylhe

    from activesci.io import read_lhe

    def ours():
        return read_lhe(path)

    def ref():
        return [(e.eventinfo.weight, e.weights, [p.px for p in e.particles])
                for e in pylhe.LHEFile.fromfile(str(path)).events]

    def floor():
        with open(path, "rb") as fh:
            raw = fh.read()
        return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw

    def floor_isal():
        from isal import isal_zlib
        with open(path, "rb") as fh:
            raw = fh.read()
        return isal_zlib.decompressobj(31).decompress(raw) if raw[:2] == b"\x1f\x8b" else raw

    t_floor, raw = median_time(floor, repeats)
    try:
        t_floor_isal, _ = median_time(floor_isal, repeats)
    except ImportError:
        t_floor_isal = float("nan")
    t_ours, ev = median_time(ours, repeats)
    t_ref, evs = median_time(ref, max(1, repeats // 2))
    n = len(ev)
    assert n == len(evs)
    same = all(ev.weight[i] == evs[i][0] for i in range(n))
    return {"case": "read", "file": path.name, "events": n, "weights_per_event": len(ev.weight_names),
            "megabytes": len(raw) / 1e6,
            "activesci_s": t_ours, "pylhe_s": t_ref, "gunzip_floor_s": t_floor,
            "isal_gunzip_floor_s": t_floor_isal,
            "activesci_events_per_s": n / t_ours, "pylhe_events_per_s": n / t_ref,
            "speedup": t_ref / t_ours, "ratio_to_floor": t_ours / t_floor,
            "same_weights_as_pylhe": bool(same), "target": ">= 30x pylhe",
            "target_met": bool(t_ref / t_ours >= 30)}


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
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--data", default=str(here.parent / "shared" / "data" / "lhe"))
    args = ap.parse_args(argv)
    data = pathlib.Path(args.data)
    print(json.dumps({"machine": {"cpus": os.cpu_count()}}))
    for name in ("pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz",
                 "pylhe-testfile-madgraph-2.2.1-Z-mlm.lhe.gz"):
        print(json.dumps(case_read(data / name, args.repeats)), flush=True)
    print(json.dumps(case_memory(data / "pylhe-testfile-madgraph-2.2.1-Z-mlm.lhe.gz")), flush=True)


if __name__ == "__main__":
    main()
