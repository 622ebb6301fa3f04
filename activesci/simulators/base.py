"""The simulator interface and the adapter for plain Python callables.

A simulator maps theory parameters θ and an experimental setting φ to data:

``simulate(theta, phi, n, random_state=None) -> ndarray``
    ``n`` independent events for every row of a batch of θ, at one design φ.
``param_names``, ``theta_bounds``, ``phi_bounds``
    Names of the components of θ, their bounds (array of shape ``(n_params, 2)``) and the
    bounds of φ (``(low, high)``; ``(n_design, 2)`` for a vector design).
``logpdf(x, theta, phi)``
    The per-event log density where it is tractable (``has_logpdf`` tells).

Shapes: θ is a scalar (one parameter), a vector ``(n_params,)`` (one point) or a batch
``(n_theta, n_params)`` (a 1-D array is a batch when ``n_params == 1``).  ``simulate`` returns
``(n_theta, n, *event_shape)`` for a batch and ``(n, *event_shape)`` for a single point.

Randomness: ``random_state`` (None, int or ``numpy.random.Generator``) gives one 64-bit seed
(:func:`activesci._validation.seed_from_random_state`); row ``b`` of a batch uses stream
``stream_offset + b`` of that seed, so a batch split into parts with the matching
``stream_offset`` gives the same data as the whole batch.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable, Optional, Sequence, Tuple

import numpy as np

from .._estimator import BaseEstimator
from .._validation import RandomState, as_float_array, seed_from_random_state

__all__ = ["Simulator", "CallableSimulator", "as_simulator"]


def _bounds_array(bounds: Any, name: str, n: Optional[int] = None) -> np.ndarray:
    """Bounds as a float array of shape (n, 2) with low < high (infinite allowed)."""
    arr = as_float_array(bounds, name)
    if arr.ndim == 1 and arr.shape[0] == 2:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] < 1:
        raise ValueError(f"{name} must be a pair (low, high) or an array of shape (n, 2), got "
                         f"shape {np.shape(bounds)}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} must have {n} row(s) (one per parameter), got {arr.shape[0]}")
    if np.isnan(arr).any() or not (arr[:, 0] < arr[:, 1]).all():
        raise ValueError(f"{name} must satisfy low < high in every row, got {arr.tolist()}; "
                         "swap reversed bounds")
    return arr


class Simulator(BaseEstimator):
    """Base class of simulators: validation of θ, φ and n, shapes, and the common interface.

    Subclasses define ``param_names``, ``theta_bounds``, ``phi_bounds`` and ``_simulate(rows,
    phi, n, seed, stream_offset, n_jobs) -> (n_theta, n, ...)``, and optionally ``_logpdf``.
    """

    #: shape of one event (``()`` for a scalar observable)
    event_shape: Tuple[int, ...] = ()

    # -------------------------------------------------------------- interface
    @property
    def param_names(self) -> Tuple[str, ...]:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def theta_bounds(self) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def phi_bounds(self) -> Tuple[float, float]:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def n_params(self) -> int:
        """Number of components of θ."""
        return len(self.param_names)

    @property
    def has_logpdf(self) -> bool:
        """Whether :meth:`logpdf` is available."""
        return False

    def simulate(self, theta: Any, phi: Any, n: int, random_state: RandomState = None, *,
                 stream_offset: int = 0, n_jobs: int = 1) -> np.ndarray:
        """Simulate ``n`` events for every θ in a batch at design φ.

        Parameters
        ----------
        theta : float or array-like of shape (n_params,) or (n_theta, n_params)
            Parameter point(s), inside ``theta_bounds``.
        phi : float or array-like
            The design, inside ``phi_bounds``.
        n : int
            Events per θ (>= 0).
        random_state : None, int or numpy.random.Generator
            Seed of the random streams.
        stream_offset : int, default=0
            Stream of the first row (row ``b`` uses ``stream_offset + b``).
        n_jobs : int, default=1
            Threads over the rows (built-in simulators; results do not depend on it).

        Returns
        -------
        ndarray of shape (n_theta, n, *event_shape), or (n, *event_shape) for one point.

        Examples
        --------
        >>> from activesci.simulators import GaussianToy
        >>> sim = GaussianToy()
        >>> sim.simulate([0.0, 1.0, 2.0], phi=0.5, n=4, random_state=0).shape
        (3, 4)
        >>> sim.simulate(1.0, phi=0.5, n=4, random_state=0).shape
        (4,)
        """
        rows, single = self._check_theta(theta)
        phi_v = self._check_phi(phi)
        n = self._check_n(n)
        offset = self._check_int(stream_offset, "stream_offset", 0)
        n_jobs = self._check_int(n_jobs, "n_jobs", 1)
        seed = seed_from_random_state(random_state)
        out = self._simulate(rows, phi_v, n, seed, offset, n_jobs)
        return out[0] if single else out

    def logpdf(self, x: Any, theta: Any, phi: Any) -> np.ndarray:
        """Per-event log density log p(x | θ, φ) (where tractable).

        ``x`` has the shape ``simulate`` returns: ``(n, *event_shape)`` for one θ (or to be
        shared by every θ of a batch) or ``(n_theta, n, *event_shape)`` for a batch.

        Examples
        --------
        >>> from activesci.simulators import GaussianToy
        >>> GaussianToy().logpdf([0.0, 1.0], theta=[0.0, 0.5], phi=1.0).shape
        (2, 2)
        """
        raise NotImplementedError(
            f"{type(self).__name__} has no tractable likelihood (has_logpdf is False); use "
            "likelihood-free inference (ratios, ABC) instead")

    def _c_model_spec(self) -> Optional[Tuple[str, dict]]:
        """What a C binding needs to build this simulator as an ``as_model`` (None: no C model).

        Built-in simulators return ``(name, params)``: ``name`` one of ``"gaussian_toy"``,
        ``"gaussian_demo"``, ``"ee_mumu"`` and ``params`` a dict of the C config's fields
        (floats, and ints for enum fields); the design φ and the number of events are passed
        separately to the C constructor (``as_py_model_from_spec(spec, phi, n_events, &bm)`` in
        ``csrc/binding/simulators.inc``).  θ bounds are part of the spec: the C model rejects θ
        outside them.
        """
        return None

    def _repr_html_(self) -> str:
        import html  # noqa: PLC0415 - only for notebooks
        return f"<code>{html.escape(repr(self))}</code>"

    # -------------------------------------------------------------- validation
    @staticmethod
    def _check_int(value: Any, name: str, low: int) -> int:
        if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
            raise TypeError(f"{name} must be an integer, got {value!r} of type "
                            f"{type(value).__name__}")
        if value < low:
            raise ValueError(f"{name} must be >= {low}, got {value}")
        return int(value)

    def _check_n(self, n: Any) -> int:
        if isinstance(n, (float, np.floating)) and float(n).is_integer():
            n = int(n)
        return self._check_int(n, "n (the number of events)", 0)

    def _theta_rows(self, theta: Any) -> Tuple[np.ndarray, bool]:
        """θ as a C-contiguous (n_theta, n_params) array and whether it was a single point."""
        arr = as_float_array(theta, "theta")
        k = self.n_params
        if arr.ndim == 0:
            if k != 1:
                raise ValueError(f"theta must have {k} components {self.param_names}, got a "
                                 "scalar")
            return arr.reshape(1, 1), True
        if arr.ndim == 1:
            if k == 1:
                rows, single = arr.reshape(-1, 1), False
            elif arr.shape[0] == k:
                rows, single = arr.reshape(1, k), True
            else:
                raise ValueError(f"theta must have {k} components {self.param_names}, got shape "
                                 f"{arr.shape}")
        elif arr.ndim == 2:
            if arr.shape[1] != k:
                raise ValueError(f"theta must have shape (n_theta, {k}) (columns "
                                 f"{self.param_names}), got {arr.shape}")
            rows, single = arr, False
        else:
            raise ValueError(f"theta must be a scalar, a vector or a 2-D batch, got shape "
                             f"{arr.shape}")
        if rows.shape[0] == 0:
            raise ValueError("theta is empty; pass at least one parameter point")
        return np.ascontiguousarray(rows), single

    def _check_theta(self, theta: Any) -> Tuple[np.ndarray, bool]:
        rows, single = self._theta_rows(theta)
        bad = ~np.isfinite(rows)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ValueError(f"theta contains NaN or infinity (row {i}, parameter "
                             f"{self.param_names[j]!r}); pass finite values")
        b = self.theta_bounds
        out = (rows < b[:, 0]) | (rows > b[:, 1])
        if out.any():
            i, j = np.argwhere(out)[0]
            raise ValueError(
                f"theta[{i}] has {self.param_names[j]} = {rows[i, j]:g}, outside theta_bounds "
                f"[{b[j, 0]:g}, {b[j, 1]:g}]; draw theta inside the bounds (or widen "
                "theta_bounds)")
        return rows, single

    def _check_phi(self, phi: Any) -> Any:
        """A finite φ inside phi_bounds: a float for a scalar design, else a 1-D array."""
        b = np.asarray(self.phi_bounds, dtype=float).reshape(-1, 2)
        arr = as_float_array(phi, "phi")
        if b.shape[0] == 1:
            if arr.size != 1:
                raise ValueError(f"phi must be a single number (the design), got shape "
                                 f"{arr.shape}")
            value = float(arr.reshape(()))
            if not np.isfinite(value):
                raise ValueError(f"phi must be finite, got {value}")
            if not (b[0, 0] <= value <= b[0, 1]):
                raise ValueError(f"phi = {value:g} is outside phi_bounds [{b[0, 0]:g}, "
                                 f"{b[0, 1]:g}]; choose a design inside the bounds")
            return value
        arr = arr.reshape(-1)
        if arr.shape[0] != b.shape[0]:
            raise ValueError(f"phi must have {b.shape[0]} components, got shape {np.shape(phi)}")
        if not np.isfinite(arr).all():
            raise ValueError("phi contains NaN or infinity; pass finite values")
        out = (arr < b[:, 0]) | (arr > b[:, 1])
        if out.any():
            j = int(np.argmax(out))
            raise ValueError(f"phi[{j}] = {arr[j]:g} is outside phi_bounds [{b[j, 0]:g}, "
                             f"{b[j, 1]:g}]")
        return arr

    def _broadcast_x(self, x: Any, rows: np.ndarray, single: bool) -> np.ndarray:
        """x as (n_theta, m, *event_shape) float64 matching the θ rows."""
        arr = as_float_array(x, "x")
        es = self.event_shape
        base = arr.ndim - len(es)
        if base < 0 or arr.shape[arr.ndim - len(es):] != es:
            raise ValueError(f"x must end with the event shape {es}, got shape {arr.shape}")
        k = rows.shape[0]
        if base == 0:
            arr = arr.reshape((1, 1) + es)
        elif base == 1:
            arr = arr[None]
        elif base != 2:
            raise ValueError(f"x must have shape (n, {', '.join(map(str, es)) or ''}) or "
                             f"(n_theta, n, ...), got {arr.shape}")
        if arr.shape[0] == 1 and k > 1:
            arr = np.broadcast_to(arr, (k,) + arr.shape[1:])
        elif arr.shape[0] != k:
            raise ValueError(f"x has {arr.shape[0]} rows but theta has {k}; pass one row of "
                             "events per theta or a single row shared by all")
        return np.ascontiguousarray(arr, dtype=np.float64)

    def _shape_out(self, out: np.ndarray, x_ndim: int, single: bool) -> np.ndarray:
        """Drop the batch axis when θ was one point, and the event axis for a scalar x."""
        nd = x_ndim - len(self.event_shape)
        if single:
            out = out[0]
            return out.reshape(()) if nd == 0 else out
        return out


class CallableSimulator(Simulator):
    """Wrap a plain Python function as a :class:`Simulator`.

    Parameters
    ----------
    func : callable
        ``func(theta, phi, n, rng) -> array``: ``n`` events for one θ (a float when there is
        one parameter, else a 1-D array) with ``rng`` a ``numpy.random.Generator``; with
        ``vectorized=True``, ``func(theta_rows, phi, n, rng)`` receives the whole
        ``(n_theta, n_params)`` batch and returns ``(n_theta, n, ...)``.
    param_names : sequence of str, default=("theta",)
        Names of the components of θ.
    theta_bounds : array-like of shape (2,) or (n_params, 2), default=(-inf, inf)
        Bounds of θ (infinite allowed).
    phi_bounds : array-like of shape (2,) or (n_design, 2), default=(-inf, inf)
        Bounds of the design.
    logpdf : callable, optional
        ``logpdf(x, theta, phi) -> array`` for one θ point, with x of shape ``(n, ...)``.
    vectorized : bool, default=False
        Whether ``func`` takes the whole batch.

    Notes
    -----
    Row ``b`` gets ``numpy.random.Generator(numpy.random.Philox(key=seed + 2**64 * stream,
    counter=2**256 - 1))`` with ``stream = stream_offset + b``: bit for bit the C core's
    stream (seed, stream) (NumPy's Philox advances its counter before the first block, so the
    counter starts one below 0), and results do not depend on how a batch is split.  A
    vectorized function gets the generator of stream ``stream_offset``.

    Examples
    --------
    >>> import numpy as np
    >>> sim = CallableSimulator(lambda th, phi, n, rng: rng.normal(th, phi, size=n),
    ...                         theta_bounds=(-5, 5), phi_bounds=(0.1, 10))
    >>> sim.simulate([0.0, 1.0], 2.0, 3, random_state=0).shape
    (2, 3)
    """

    def __init__(self, func: Callable, *, param_names: Sequence[str] = ("theta",),
                 theta_bounds: Any = (-np.inf, np.inf), phi_bounds: Any = (-np.inf, np.inf),
                 logpdf: Optional[Callable] = None, vectorized: bool = False):
        # the interface's names (param_names, theta_bounds, ...) are properties, so the
        # constructor's arguments are stored under other names; get_params maps them back
        self.func = func
        self._param_names = param_names
        self.theta_bounds_arg = theta_bounds
        self.phi_bounds_arg = phi_bounds
        self.logpdf_func = logpdf
        self.vectorized = vectorized

    # BaseEstimator reads the constructor's names; map them to the stored attributes.
    def get_params(self, deep: bool = True) -> dict:
        return {"func": self.func, "param_names": self._param_names,
                "theta_bounds": self.theta_bounds_arg, "phi_bounds": self.phi_bounds_arg,
                "logpdf": self.logpdf_func, "vectorized": self.vectorized}

    def set_params(self, **params: Any) -> "CallableSimulator":
        mapping = {"func": "func", "param_names": "_param_names",
                   "theta_bounds": "theta_bounds_arg", "phi_bounds": "phi_bounds_arg",
                   "logpdf": "logpdf_func", "vectorized": "vectorized"}
        for key, value in params.items():
            if key not in mapping:
                raise ValueError(f"Invalid parameter {key!r} for CallableSimulator; valid "
                                 f"parameters are {sorted(mapping)}")
            setattr(self, mapping[key], value)
        return self

    def __repr__(self) -> str:
        name = getattr(self.func, "__name__", type(self.func).__name__)
        return (f"CallableSimulator({name}, param_names={tuple(self.param_names)!r}, "
                f"vectorized={self.vectorized})")

    @property
    def param_names(self) -> Tuple[str, ...]:
        names = self._param_names
        if isinstance(names, str):
            names = (names,)
        names = tuple(names)
        if not names or not all(isinstance(s, str) for s in names):
            raise TypeError("param_names must be a non-empty sequence of strings")
        return names

    @property
    def theta_bounds(self) -> np.ndarray:
        return _bounds_array(self.theta_bounds_arg, "theta_bounds", len(self.param_names))

    @property
    def phi_bounds(self) -> Any:
        b = _bounds_array(self.phi_bounds_arg, "phi_bounds")
        return (float(b[0, 0]), float(b[0, 1])) if b.shape[0] == 1 else b

    @property
    def has_logpdf(self) -> bool:
        return self.logpdf_func is not None

    @staticmethod
    def _generator(seed: int, stream: int) -> np.random.Generator:
        return np.random.Generator(np.random.Philox(key=int(seed) + (int(stream) << 64),
                                                    counter=(1 << 256) - 1))

    def _simulate(self, rows, phi, n, seed, stream_offset, n_jobs):
        if not callable(self.func):
            raise TypeError(f"func must be callable, got {type(self.func).__name__}")
        if self.vectorized:
            out = np.asarray(self.func(rows, phi, n, self._generator(seed, stream_offset)),
                             dtype=float)
            if out.ndim < 2 or out.shape[:2] != (rows.shape[0], n):
                raise ValueError(f"func returned shape {out.shape}; a vectorized simulator must "
                                 f"return (n_theta, n, ...) = ({rows.shape[0]}, {n}, ...)")
            return out
        results = []
        for b, row in enumerate(rows):
            th = float(row[0]) if row.shape[0] == 1 else row.copy()
            res = np.asarray(self.func(th, phi, n, self._generator(seed, stream_offset + b)),
                             dtype=float)
            if res.ndim < 1 or res.shape[0] != n:
                raise ValueError(f"func returned shape {res.shape} for theta row {b}; it must "
                                 f"return n = {n} events along the first axis")
            if results and res.shape != results[0].shape:
                raise ValueError(f"func returned shape {res.shape} for theta row {b} but "
                                 f"{results[0].shape} for row 0; events must have one shape")
            results.append(res)
        return np.stack(results)

    def logpdf(self, x: Any, theta: Any, phi: Any) -> np.ndarray:
        """Per-event log density from the user's ``logpdf`` (see :class:`Simulator`)."""
        if self.logpdf_func is None:
            return super().logpdf(x, theta, phi)
        rows, single = self._check_theta(theta)
        phi_v = self._check_phi(phi)
        xs = as_float_array(x, "x")
        outs = []
        batched = xs.ndim >= 2 and xs.shape[0] == rows.shape[0] and not single
        for b, row in enumerate(rows):
            th = float(row[0]) if row.shape[0] == 1 else row.copy()
            outs.append(np.asarray(self.logpdf_func(xs[b] if batched else xs, th, phi_v),
                                   dtype=float))
        return outs[0] if single else np.stack(outs)


def as_simulator(obj: Any, **kwargs: Any) -> Simulator:
    """Return ``obj`` if it is a :class:`Simulator`, else wrap a callable.

    Examples
    --------
    >>> sim = as_simulator(lambda th, phi, n, rng: rng.normal(th, 1.0, size=n))
    >>> sim.simulate(0.5, 0.0, 4, random_state=1).shape
    (4,)
    """
    if isinstance(obj, Simulator):
        if kwargs:
            raise TypeError("keyword arguments are only used to wrap a callable")
        return obj
    if callable(obj):
        return CallableSimulator(obj, **kwargs)
    raise TypeError(f"a simulator must be a Simulator or a callable func(theta, phi, n, rng), "
                    f"got {type(obj).__name__}")
