"""Saving and loading optimizers and results without pickle: JSON or NPZ.

``dump(obj, path)`` writes an :class:`~activesci.optimizer.Optimizer` or an
:class:`~activesci.optimizer.OptimizeResult`; ``load(path)`` reads it back. The format is
chosen by the file name: ``.npz`` (NumPy's zip, read with ``allow_pickle=False``) or anything
else for JSON. Both hold the same JSON document (in NPZ under the key ``state``, beside the
arrays ``func_vals`` and ``x_iters_transformed`` for convenience):

``{"format": "activesci.optimizer", "version": 1, "kind": "Optimizer" | "OptimizeResult", ...}``

An optimizer's document holds the space (``Space.to_dict``), the constructor parameters, every
observation (``Xi``, ``yi``, ``noise_i``), the pending points, the initial design, the GP
hyperparameters (``theta``, log scale, with the observation counts ``n_fit`` and ``model_n``
that say which data they were fitted on), gp_hedge's gains and the state of the random
generator (``numpy``'s ``bit_generator.state``). Floats are written with ``repr``, so they
read back bit for bit: a loaded optimizer rebuilds its GP from the same data in the same order
and proposes exactly what the original would have. A result's document holds ``x``, ``fun``,
``x_iters``, ``func_vals``, ``space``, ``specs`` (as JSON-safe text where needed),
``expected_minimum``, the last model's hyperparameters, and, when it came from an optimizer
(``Optimizer.tell``/``get_result``, ``minimize``), that optimizer's document under
``"optimizer"``; the loaded result then has an ``optimizer`` entry to resume from.

Only ``base_estimator="gp"`` and ``"dummy"`` optimizers can be saved (a custom GP's kernel has
no serialized form yet).

Examples
--------
>>> import os, tempfile
>>> from activesci.optimizer import Optimizer
>>> from activesci.persistence import dump, load
>>> opt = Optimizer([(0.0, 1.0)], n_initial_points=2, random_state=0)
>>> for _ in range(4):
...     x = opt.ask()
...     _ = opt.tell(x, (x[0] - 0.3) ** 2)
>>> path = os.path.join(tempfile.mkdtemp(), "opt.json")
>>> dump(opt, path)
>>> opt.ask() == load(path).ask()
True
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from typing import Any, Dict, Union

import numpy as np

from .space import Space

__all__ = ["dump", "load", "optimizer_state", "optimizer_from_state"]

_FORMAT = "activesci.optimizer"
_VERSION = 1


def _jsonable(obj: Any) -> Any:
    """Plain JSON types: NumPy scalars and arrays become numbers and lists, anything else
    unknown its repr."""
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else repr(obj)
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Space):
        return obj.to_dict()
    return repr(obj)


def optimizer_state(opt) -> Dict[str, Any]:
    """The JSON document of an optimizer (see the module docstring)."""
    if not isinstance(opt.base_estimator, str):
        raise ValueError("dump supports optimizers with base_estimator='gp' or 'dummy'; a "
                         "custom GaussianProcessRegressor cannot be saved yet")
    rs = opt.random_state if isinstance(opt.random_state, (int, np.integer)) else None
    return {
        "format": _FORMAT, "version": _VERSION, "kind": "Optimizer",
        "space": opt.space.to_dict(),
        "params": {
            "base_estimator": opt.base_estimator,
            "n_initial_points": opt.n_initial_points,
            "initial_point_generator": opt.initial_point_generator,
            "acq_func": opt.acq_func, "acq_optimizer": opt.acq_optimizer,
            "acq_func_kwargs": _jsonable(opt.acq_func_kwargs),
            "acq_optimizer_kwargs": _jsonable(opt.acq_optimizer_kwargs),
            "model_queue_size": opt.model_queue_size, "refit_fraction": opt.refit_fraction,
            "random_state": None if rs is None else int(rs),
        },
        "rng": _jsonable(opt.rng.bit_generator.state),
        "initial_points": _jsonable(opt._initial_points),
        "Xi": _jsonable(opt.Xi), "yi": [float(v) for v in opt.yi],
        "noise_i": [None if v is None else float(v) for v in opt.noise_i],
        "pending": _jsonable(opt.pending),
        "gains": [float(g) for g in opt.gains_],
        "hedge_xs": None if opt._hedge_xs is None else opt._hedge_xs.tolist(),
        "theta": None if opt._theta is None else [float(t) for t in opt._theta],
        "n_fit": int(opt._n_fit), "model_n": int(opt._model_n),
        "fit_seed_n": int(opt._fit_seed_n),
    }


def _restore_rng(state: Dict[str, Any]) -> np.random.Generator:
    name = state["bit_generator"]
    bitgen_cls = getattr(np.random, name, None)
    if bitgen_cls is None:
        raise ValueError(f"unknown bit generator {name!r} in the saved state")
    bg = bitgen_cls()
    bg.state = state
    return np.random.Generator(bg)


def optimizer_from_state(doc: Dict[str, Any]):
    """Rebuild an :class:`~activesci.optimizer.Optimizer` from :func:`optimizer_state`."""
    from .optimizer import Optimizer

    _check_doc(doc, "Optimizer")
    p = dict(doc["params"])
    random_state = p.pop("random_state")
    space = Space.from_dict(doc["space"])
    opt = Optimizer(space, random_state=0, **p)
    opt.random_state = random_state
    opt.rng = _restore_rng(doc["rng"])
    opt._initial_points = [list(x) for x in doc["initial_points"]]
    for x, y, s in zip(doc["Xi"], doc["yi"], doc["noise_i"]):
        x = space.check_point(x)
        opt.Xi.append(x)
        opt.yi.append(float(y))
        opt.noise_i.append(s)
        opt._seen.add(opt._key(x))
    opt.pending = [space.check_point(x) for x in doc["pending"]]
    opt.gains_ = np.asarray(doc["gains"], dtype=float)
    opt._hedge_xs = None if doc["hedge_xs"] is None else np.asarray(doc["hedge_xs"], float)
    opt._fit_seed_n = int(doc["fit_seed_n"])
    if doc["theta"] is not None:
        opt._theta = np.asarray(doc["theta"], dtype=float)
        opt._n_fit = int(doc["n_fit"])
        model_n = int(doc["model_n"])
        if model_n > 0:
            X = space.transform(opt.Xi[:model_n])
            y = np.asarray(opt.yi[:model_n], dtype=float)
            n_fit = opt._n_fit
            gp = opt._fixed_model(X[:n_fit], y[:n_fit], opt.noise_i[:n_fit])
            y_std = float(np.asarray(gp._y_train_std).ravel()[0])
            for i in range(n_fit, model_n):
                gp.add_observation(X[i:i + 1], y[i:i + 1],
                                   opt._alpha(opt.noise_i[i:i + 1], y_std))
            opt._model = gp
            opt._model_n = model_n
            opt.models.append(gp)
    return opt


def _check_doc(doc, kind):
    if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
        raise ValueError("not an activesci optimizer file (the 'format' entry is missing)")
    if doc.get("version") != _VERSION:
        raise ValueError(f"unsupported file version {doc.get('version')!r}; this activesci "
                         f"reads version {_VERSION}")
    if doc.get("kind") != kind:
        raise ValueError(f"expected a saved {kind}, got {doc.get('kind')!r}")


def _result_state(res) -> Dict[str, Any]:
    doc = {"format": _FORMAT, "version": _VERSION, "kind": "OptimizeResult",
           "x": _jsonable(res.get("x")), "fun": _jsonable(res.get("fun")),
           "x_iters": _jsonable(res.get("x_iters", [])),
           "func_vals": [float(v) for v in res.get("func_vals", [])],
           "space": res["space"].to_dict(),
           "specs": _jsonable(res.get("specs")),
           "expected_minimum": _jsonable(res.get("expected_minimum")),
           "model_theta": (res["models"][-1].kernel_.theta.tolist()
                           if res.get("models") else None)}
    opt = getattr(res, "_optimizer_ref", None)
    if opt is not None and isinstance(opt.base_estimator, str):
        doc["optimizer"] = optimizer_state(opt)
    return doc


def _result_from_state(doc):
    from .optimizer import OptimizeResult

    _check_doc(doc, "OptimizeResult")
    res = OptimizeResult()
    space = Space.from_dict(doc["space"])
    res.x, res.fun = doc["x"], doc["fun"]
    res.x_iters = [list(x) for x in doc["x_iters"]]
    res.func_vals = np.asarray(doc["func_vals"], dtype=float)
    res.space = space
    res.specs = doc["specs"]
    em = doc["expected_minimum"]
    res.expected_minimum = None if em is None else (list(em[0]), float(em[1]))
    res.model_theta = None if doc["model_theta"] is None else np.asarray(doc["model_theta"])
    res.random_state = None
    if "optimizer" in doc:
        opt = optimizer_from_state(doc["optimizer"])
        res.optimizer = opt
        res.models = list(opt.models)
        res.random_state = opt.rng
    else:
        res.models = []
    return res


def _atomic_write(path: str, write) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.splitext(path)[1], dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def dump(obj, path: Union[str, os.PathLike]) -> None:
    """Write an Optimizer or OptimizeResult to ``path`` (``.npz``: NPZ, else JSON),
    atomically (a temporary file in the same directory, then a rename).

    Parameters
    ----------
    obj : Optimizer or OptimizeResult
    path : str or path-like
    """
    from .optimizer import OptimizeResult, Optimizer

    path = os.fspath(path)
    if isinstance(obj, Optimizer):
        doc = optimizer_state(obj)
        xt = obj.space.transform(obj.Xi) if obj.Xi else np.empty((0,
                                                                  obj.space.transformed_n_dims))
        fv = np.asarray(obj.yi, dtype=float)
    elif isinstance(obj, OptimizeResult):
        doc = _result_state(obj)
        space = obj["space"]
        xt = (space.transform(obj["x_iters"]) if len(obj["x_iters"])
              else np.empty((0, space.transformed_n_dims)))
        fv = np.asarray(obj["func_vals"], dtype=float)
    else:
        raise TypeError(f"dump saves an Optimizer or an OptimizeResult, got "
                        f"{type(obj).__name__}")
    text = json.dumps(doc, allow_nan=False)
    if path.endswith(".npz"):
        def write(fh):
            np.savez(fh, state=np.array(text), func_vals=fv, x_iters_transformed=xt)
    else:
        def write(fh):
            fh.write(text.encode("utf-8"))
    _atomic_write(path, write)


def load(path: Union[str, os.PathLike]):
    """Read what :func:`dump` wrote: an Optimizer, or an OptimizeResult (with an
    ``optimizer`` entry to resume from when the result came from one).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Optimizer or OptimizeResult
    """
    path = os.fspath(path)
    if path.endswith(".npz"):
        with np.load(path, allow_pickle=False) as z:
            text = str(z["state"])
    else:
        with open(path, "r", encoding="utf-8") as fh:
            text = fh.read()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not a JSON document written by activesci.dump ({exc})"
                         ) from None
    kind = doc.get("kind") if isinstance(doc, dict) else None
    if kind == "Optimizer":
        return optimizer_from_state(doc)
    if kind == "OptimizeResult":
        return _result_from_state(doc)
    _check_doc(doc, "Optimizer or OptimizeResult")
