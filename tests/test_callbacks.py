"""Callbacks, dump/load (JSON and NPZ, no pickle) and exact resumption from a checkpoint."""
import io
import json
import os

import numpy as np
import pytest

from activesci.benchmarks import branin
from activesci.callbacks import (CheckpointSaver, DeadlineStopper, DeltaXStopper,
                                 DeltaYStopper, VerboseCallback)
from activesci.optimizer import OptimizeResult, Optimizer, dump, load, minimize
from activesci.space import Categorical, Integer, Real, Space

BRANIN_SPACE = [(-5.0, 10.0), (0.0, 15.0)]


def _run(opt, n, f=branin):
    for _ in range(n):
        x = opt.ask()
        opt.tell(x, f(x))
    return opt


def _mixed(x):
    return (x[0] - 0.2) ** 2 + 0.1 * x[1] + (x[2] == "b")


MIXED = [Real(1e-3, 1.0, prior="log-uniform", name="a"), Integer(0, 4, name="k"),
         Categorical(["a", "b", "c"], name="c")]


@pytest.mark.parametrize("ext", ["json", "npz"])
@pytest.mark.parametrize("acq_func", ["EI", "gp_hedge"])
def test_exact_resume(tmp_path, ext, acq_func):
    opt = Optimizer(BRANIN_SPACE, n_initial_points=5, acq_func=acq_func, random_state=3,
                    refit_fraction=0.3)
    _run(opt, 26)  # past several refits and O(n^2) updates
    opt.ask()      # one pending point
    path = tmp_path / f"opt.{ext}"
    dump(opt, path)
    other = load(path)
    assert other.Xi == opt.Xi and other.yi == opt.yi and other.pending == opt.pending
    np.testing.assert_array_equal(other.gains_, opt.gains_)
    for _ in range(4):
        a, b = opt.ask(), other.ask()
        assert a == b
        opt.tell(a, branin(a))
        other.tell(b, branin(b))
    assert opt.ask(n_points=3, strategy="kb") == other.ask(n_points=3, strategy="kb")


def test_exact_resume_mixed_space_and_noise(tmp_path):
    opt = Optimizer(MIXED, n_initial_points=4, random_state=0)
    for _ in range(12):
        x = opt.ask()
        opt.tell(x, _mixed(x), noise=0.01)
    dump(opt, tmp_path / "m.json")
    other = load(tmp_path / "m.json")
    assert [opt.ask() for _ in range(3)] == [other.ask() for _ in range(3)]


def test_checkpoint_resume_gives_the_same_run(tmp_path):
    path = tmp_path / "ckpt.json"
    full = minimize(branin, BRANIN_SPACE, n_calls=16, n_initial_points=5, random_state=1)
    partial = minimize(branin, BRANIN_SPACE, n_calls=10, n_initial_points=5, random_state=1,
                       callback=CheckpointSaver(path))
    res = load(path)
    assert res.x_iters == partial.x_iters and res.func_vals.tolist() == partial.func_vals.tolist()
    opt = res.optimizer
    _run(opt, 6)
    assert opt.get_result().x_iters == full.x_iters


def test_file_format_is_documented_json(tmp_path):
    opt = _run(Optimizer(MIXED, n_initial_points=3, random_state=0), 5, _mixed)
    dump(opt, tmp_path / "o.json")
    doc = json.loads((tmp_path / "o.json").read_text())
    assert doc["format"] == "activesci.optimizer" and doc["version"] == 1
    assert doc["kind"] == "Optimizer"
    assert Space.from_dict(doc["space"]) == opt.space
    assert doc["Xi"] == opt.Xi and doc["yi"] == opt.yi
    assert len(doc["theta"]) == 1 + opt.space.transformed_n_dims + 1
    assert doc["rng"]["bit_generator"] == "PCG64"
    # the NPZ holds the same document and needs no pickle
    dump(opt, tmp_path / "o.npz")
    with np.load(tmp_path / "o.npz", allow_pickle=False) as z:
        assert json.loads(str(z["state"])) == doc
        np.testing.assert_array_equal(z["func_vals"], opt.yi)


def test_result_roundtrip(tmp_path):
    res = minimize(branin, BRANIN_SPACE, n_calls=8, n_initial_points=4, random_state=0)
    dump(res, tmp_path / "r.npz")
    back = load(tmp_path / "r.npz")
    assert isinstance(back, OptimizeResult)
    assert back.x == res.x and back.fun == res.fun and back.x_iters == res.x_iters
    np.testing.assert_array_equal(back.func_vals, res.func_vals)
    assert back.space == res.space
    assert back.expected_minimum[0] == res.expected_minimum[0]
    np.testing.assert_array_equal(back.model_theta, res.models[-1].kernel_.theta)


def test_checkpoint_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "c.json"
    res = minimize(branin, BRANIN_SPACE, n_calls=4, n_initial_points=3, random_state=0)
    CheckpointSaver(path)(res)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        CheckpointSaver(path)(res)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.json"]  # no temporary left behind


def test_load_rejects_foreign_files(tmp_path):
    (tmp_path / "x.json").write_text('{"a": 1}')
    with pytest.raises(ValueError, match="format"):
        load(tmp_path / "x.json")
    (tmp_path / "y.json").write_text("not json")
    with pytest.raises(ValueError, match="JSON"):
        load(tmp_path / "y.json")
    with pytest.raises(TypeError, match="Optimizer or an OptimizeResult"):
        dump({"x": 1}, tmp_path / "z.json")


# ---------------------------------------------------------------- stoppers


def test_delta_y_stopper_stops():
    res = minimize(lambda x: round(x[0] ** 2, 2), [(-1.0, 1.0)], n_calls=40,
                   n_initial_points=4, random_state=0, callback=DeltaYStopper(0.011, n_best=3))
    vals = np.sort(res.func_vals)
    assert len(res.func_vals) < 40 and vals[2] - vals[0] < 0.011


def test_delta_x_stopper():
    space = Space([(0.0, 10.0)])
    assert DeltaXStopper(0.01)(OptimizeResult(x_iters=[[1.0], [1.05]], space=space))
    assert not DeltaXStopper(0.001)(OptimizeResult(x_iters=[[1.0], [1.05]], space=space))
    with pytest.raises(ValueError):
        DeltaXStopper(0.0)


def test_deadline_stopper():
    stop = DeadlineStopper(3600.0)
    assert not stop(None) and not stop(None)
    res = minimize(branin, BRANIN_SPACE, n_calls=30, n_initial_points=3, random_state=0,
                   callback=DeadlineStopper(0.0))
    assert len(res.func_vals) == 1


def test_callbacks_list_and_verbose():
    out = io.StringIO()
    seen = []
    res = minimize(branin, BRANIN_SPACE, n_calls=4, n_initial_points=3, random_state=0,
                   callback=[VerboseCallback(n_total=4, stream=out),
                             lambda r: seen.append(len(r.func_vals))])
    assert seen == [1, 2, 3, 4]
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 4 and lines[-1].startswith("Iteration 4/4")
    with pytest.raises(TypeError, match="callback"):
        minimize(branin, BRANIN_SPACE, n_calls=2, callback=3)
