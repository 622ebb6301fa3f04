"""The simulators' binding neither leaks nor steals references, on success and on error paths,
and returns arrays owned only by the caller; the GIL is released while sampling."""
import gc
import resource
import sys
import threading
import time

import numpy as np
import pytest

from activesci import _core
from activesci.simulators import EEToMuMu, GaussianDemo, GaussianToy

EE = EEToMuMu(polarization=-0.5, cos_max=0.9)._c_model_spec()
EE4 = EEToMuMu(output="four_momenta")._c_model_spec()
TOY = GaussianToy()._c_model_spec()
DEMO = GaussianDemo()._c_model_spec()
SEED = 12_345_678_901_234  # not a cached small int: its count is checked too
THETA2 = np.full((3, 1), 0.2)
THETA1 = np.full(3, 0.2)
X = np.zeros((3, 5))

OK = [
    ("sim_simulate", (EE, THETA2, 45.0, 10, SEED)),
    ("sim_simulate", (EE4, THETA2, 45.0, 10, 1, 2, 2)),
    ("sim_simulate", (TOY, THETA2, 1.0, 10, 1)),
    ("sim_simulate", (DEMO, THETA2, 1.0, 0, 1)),
    ("sim_logpdf", (EE, THETA1, 45.0, X)),
    ("sim_logpdf", (TOY, THETA1, 1.0, X)),
    ("ee_mumu_observables", (EE, THETA1, np.full(3, 90.0))),
    ("ee_mumu_fisher", (EE, THETA1, np.full(3, 40.0))),
    ("ee_mumu_inverse_cdf", (0.3, 0.9, np.linspace(0, 1, 5))),
]
BAD = [
    ("sim_simulate", (EE, np.full((3, 1), 0.9), 45.0, 10, 1)),        # θ out of bounds
    ("sim_simulate", (EE, THETA2, 1.0, 10, 1)),                        # φ out of bounds
    ("sim_simulate", (EE, THETA2, 45.0, -1, 1)),                       # n < 0
    ("sim_simulate", (EE, np.zeros((3, 2)), 45.0, 10, 1)),             # columns
    ("sim_simulate", (("ee_mumu", {"x": 1.0}), THETA2, 45.0, 10, 1)),  # unknown field
    ("sim_simulate", (("nope", {}), THETA2, 45.0, 10, 1)),
    ("sim_simulate", ((1, 2, 3), THETA2, 45.0, 10, 1)),
    ("sim_logpdf", (EE, THETA1, 45.0, np.zeros((2, 5)))),              # rows
    ("sim_logpdf", (TOY, THETA1, 1.0, X, True)),                       # no score for gaussians
    ("ee_mumu_observables", (EE, THETA1, np.full(2, 90.0))),           # lengths
    ("ee_mumu_observables", (TOY, THETA1, np.full(3, 90.0))),          # wrong model
    ("ee_mumu_fisher", (EE, THETA1, np.full(3, -1.0))),
    ("ee_mumu_inverse_cdf", (3.0, 0.9, np.linspace(0, 1, 5))),
]


def _refcounts(args):
    # small ints are shared by the whole interpreter: their counts move with unrelated code
    return [sys.getrefcount(a) for a in args if not (isinstance(a, int) and -5 <= a <= 256)]


def _call_many(name, args, n=200, expect_error=False):
    fn = getattr(_core, name)
    before = _refcounts(args)
    for _ in range(n):
        if expect_error:
            with pytest.raises((ValueError, TypeError)):
                fn(*args)
        else:
            out = fn(*args)
            del out
    gc.collect()
    assert _refcounts(args) == before, name


def test_reference_counts_on_success_and_error_paths():
    for name, args in OK:
        _call_many(name, args)
    for name, args in BAD:
        _call_many(name, args, expect_error=True)


def test_outputs_are_owned_by_the_caller_and_inputs_unchanged():
    for name, args in OK:
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        out = getattr(_core, name)(*args)
        for a, c in zip(args, copies):
            if isinstance(a, np.ndarray):
                np.testing.assert_array_equal(a, c)
        if isinstance(out, tuple):
            arrays = list(out)
            del out
            for a in arrays:
                assert sys.getrefcount(a) == 3, name
        else:
            assert sys.getrefcount(out) == 2, name


def test_memory_is_stable():
    for name, args in OK + BAD:
        try:
            getattr(_core, name)(*args)
        except (ValueError, TypeError):
            pass
    gc.collect()
    start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(1000):
        for name, args in OK + BAD:
            try:
                getattr(_core, name)(*args)
            except (ValueError, TypeError):
                pass
    gc.collect()
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start
    assert grown < 20_000, f"peak RSS grew by {grown} KiB"


def test_sampling_releases_the_gil():
    """A Python thread keeps running while the C sampler works."""
    sim = EEToMuMu()
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)
    t = threading.Thread(target=ticker)
    t.start()
    time.sleep(0.01)
    n0 = len(ticks)
    start = time.perf_counter()
    sim.simulate(np.full(20, 0.23), 45.0, 200_000)
    elapsed = time.perf_counter() - start
    n1 = len(ticks)
    stop.set()
    t.join()
    if elapsed < 0.02:
        pytest.skip(f"the sampler finished in {elapsed:.3f} s, too fast to observe the ticker")
    assert n1 - n0 >= 3


def test_ctrl_c_interrupts_a_long_simulation():
    import _thread
    sim = EEToMuMu()
    timer = threading.Timer(0.005, _thread.interrupt_main)
    timer.start()
    finished = []
    try:
        with pytest.raises(KeyboardInterrupt):
            # 8 rows x 1M events: the C loop polls for Ctrl-C about every 2^20 values
            sim.simulate(np.full(8, 0.23), 45.0, 1_000_000)
            finished.append(True)
            time.sleep(1.0)  # if the sampler won the race, the interrupt lands here
    finally:
        timer.cancel()
    if finished:
        pytest.skip("the sampler finished before the interrupt arrived")
    # the process is still usable afterwards
    assert sim.simulate(0.23, 45.0, 3, random_state=1).shape == (3,)
