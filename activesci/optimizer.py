"""Bayesian optimization with an ask/tell interface (scikit-optimize's names and shapes).

:class:`Optimizer` proposes points (``ask``) and learns from evaluations (``tell``);
:func:`minimize` runs the loop for a Python function in the style of ``skopt.gp_minimize``,
and :func:`dummy_minimize` is random search, the baseline. The surrogate is the C Gaussian
process of :mod:`activesci.gp` (``ConstantKernel * Matern(ν = 5/2, one length scale per
dimension) + WhiteKernel`` on the unit cube, targets standardized, as scikit-optimize's
default, except that the noise variance may go down to 1e-10 instead of 1e-5, so that a
deterministic objective is interpolated), and the acquisition is computed and maximized in C
(:mod:`activesci.acquisition`).

How a proposal is made (``ask``):

1. The first ``n_initial_points`` points come from the initial design (scrambled Sobol' by
   default).
2. Then the GP is brought up to date. Its hyperparameters are re-optimized (warm-started from
   the previous ones) when the number of observations has grown by ``refit_fraction`` since the
   last optimization (every tell while there are fewer than 20 observations); in between, a new
   observation is added to the Cholesky factor in O(n²) at fixed hyperparameters.
3. ``n_points`` candidates are drawn from the space; the predictive mean and std over all of
   them are computed once and shared by every acquisition; the best ``n_restarts_optimizer``
   candidates of each acquisition are polished by the bounded quasi-Newton method with
   analytic gradients (only the real dimensions move; integer and categorical columns keep
   their candidate's value). ``"gp_hedge"`` picks among EI, PI and LCB with probabilities
   softmax(η · gains), the gains being the model's later predictions at each one's proposals
   (Hoffman, Brochu & de Freitas, UAI 2011), as scikit-optimize does.
4. A proposal that rounds to a point already told or pending is replaced by the best candidate
   that does not.

Points asked and not yet told are *pending*: they enter the model as fantasy observations
(the "constant liar" value ``min(y)``), so the next ``ask`` proposes something else. Batches
(``ask(n_points=q, strategy=...)``) are built the same way: after each point, one fantasy
observation is appended to a copy of the GP at fixed hyperparameters (no refit).

References
----------
D. R. Jones, M. Schonlau, W. J. Welch, J. Global Optim. 13 (1998) 455; D. Ginsbourger,
R. Le Riche, L. Carraro, "Kriging is well-suited to parallelize optimization" (2010) for the
constant liar and kriging believer; M. Hoffman, E. Brochu, N. de Freitas, "Portfolio
allocation for Bayesian optimization", UAI 2011.

Examples
--------
>>> from activesci.optimizer import Optimizer
>>> from activesci.benchmarks import branin
>>> opt = Optimizer([(-5.0, 10.0), (0.0, 15.0)], n_initial_points=5, acq_func="EI",
...                 random_state=0)
>>> for _ in range(8):
...     x = opt.ask()
...     res = opt.tell(x, branin(x))
>>> len(res.x_iters), bool(res.fun < 20)
(8, True)
"""
from __future__ import annotations

import copy
import math
import numbers
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ._validation import RandomState, check_random_state
from .acquisition import optimize_acquisition
from .gp import GaussianProcessRegressor
from .gp.kernels import ConstantKernel, Matern, WhiteKernel
from .sampler import GENERATORS, initial_design
from .persistence import dump, load
from .space import Space

__all__ = ["Optimizer", "OptimizeResult", "minimize", "gp_minimize", "dummy_minimize",
           "expected_minimum", "dump", "load", "ACQ_FUNCS", "STRATEGIES"]

ACQ_FUNCS = ("EI", "LogEI", "PI", "LCB", "gp_hedge")
STRATEGIES = ("cl_min", "cl_mean", "cl_max", "kb")
_HEDGE = ("EI", "PI", "LCB")
_ALPHA_MIN = 1e-10  # the GP's default alpha, added where no noise is known
# Lower bound of the default GP's WhiteKernel (a variance, in units of the standardized
# targets). It is a numerical nugget, the GP's default alpha, not a prior on the noise: the
# noise is estimated by maximum likelihood above it. scikit-optimize's bound, 1e-5, puts a
# floor of ~0.3% of the spread of y on the noise std; on a deterministic objective whose y
# spans its bad initial points, that is larger than the improvements left near the optimum,
# so the model smooths over them and the acquisitions re-propose points next to the incumbent.
_NOISE_FLOOR = 1e-10


# ---------------------------------------------------------------------------- result


class OptimizeResult(dict):
    """The outcome of an optimization: a dict whose keys are also attributes.

    Keys (scikit-optimize's): ``x`` (best observed point), ``fun`` (its value), ``x_iters``,
    ``func_vals``, ``models`` (the last ``model_queue_size`` GPs), ``space``,
    ``random_state``, ``specs``; and ``expected_minimum`` ``(x, mean)``: the minimum of the
    model's mean (noise-free prediction) over the space, None before a model exists.

    Examples
    --------
    >>> r = OptimizeResult(x=[1.0], fun=2.0)
    >>> r.fun
    2.0
    """

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __missing__(self, key):
        # values computed on first access (the model's minimum costs an optimization)
        lazy = self.__dict__.get("_lazy", {})
        if key in lazy:
            value = lazy.pop(key)()
            self[key] = value
            return value
        raise KeyError(key)

    def __contains__(self, key):
        return dict.__contains__(self, key) or key in self.__dict__.get("_lazy", {})

    def get(self, key, default=None):
        return self[key] if key in self else default

    def __setattr__(self, name, value):
        self[name] = value

    def __dir__(self):
        return list(self.keys())

    def _summary(self) -> List[Tuple[str, str]]:
        rows = []
        for key in ("x", "fun", "expected_minimum"):
            if key in self:
                rows.append((key, repr(self[key])))
        if "func_vals" in self:
            rows.append(("n_calls", str(len(self["func_vals"]))))
        if "models" in self:
            rows.append(("models", f"{len(self['models'])} GP(s)"))
        if "space" in self:
            rows.append(("space", repr(self["space"]).replace("\n", " ")))
        for key in sorted(set(self) - {"x", "fun", "expected_minimum", "func_vals",
                                       "x_iters", "models", "space", "specs",
                                       "random_state"}):
            rows.append((key, repr(self[key])))
        return rows

    def __repr__(self) -> str:
        rows = self._summary()
        if not rows:
            return "OptimizeResult()"
        w = max(len(k) for k, _ in rows)
        return "OptimizeResult\n" + "\n".join(f"  {k.rjust(w)}: {v}" for k, v in rows)

    def _repr_html_(self) -> str:
        import html

        body = "".join(f"<tr><th style='text-align:right'>{html.escape(k)}</th>"
                       f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
                       for k, v in self._summary())
        return f"<table><caption>OptimizeResult</caption>{body}</table>"


# ---------------------------------------------------------------------------- helpers


def _default_gp(n_dims: int, random_state: int) -> GaussianProcessRegressor:
    kernel = (ConstantKernel(1.0, (0.01, 1000.0))
              * Matern(np.ones(n_dims), [(0.01, 100.0)] * n_dims, nu=2.5)
              + WhiteKernel(1.0, (_NOISE_FLOOR, 1e5)))
    return GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=2,
                                    random_state=random_state)


def _is_2d(x) -> bool:
    if isinstance(x, np.ndarray):
        return x.ndim == 2
    if isinstance(x, (list, tuple)) and len(x) > 0:
        first = x[0]
        return isinstance(first, (list, tuple, np.ndarray)) and not isinstance(first, str)
    return False


def _check_y(y, name: str = "y") -> float:
    if isinstance(y, (bool, np.bool_)) or not isinstance(y, (numbers.Real, np.floating,
                                                             np.integer)):
        if isinstance(y, np.ndarray) and y.size == 1:
            y = y.item()
        else:
            raise TypeError(f"{name} must be a real number, got {y!r}; a multi-objective "
                            "value is not supported")
    y = float(y)
    if not math.isfinite(y):
        raise ValueError(f"{name} is {y}; the objective must return a finite value (replace "
                         "failed evaluations by a finite penalty, or leave them out)")
    return y


def _check_noise(noise, name: str = "noise") -> Optional[float]:
    if noise is None:
        return None
    if isinstance(noise, bool) or not isinstance(noise, (numbers.Real, np.floating)):
        raise TypeError(f"{name} must be a non-negative variance or None, got {noise!r}")
    noise = float(noise)
    if not math.isfinite(noise) or noise < 0:
        raise ValueError(f"{name} (a noise variance) must be finite and >= 0, got {noise}")
    return noise


class Optimizer:
    """Ask/tell Bayesian optimization (minimization) with a GP surrogate in C.

    Parameters
    ----------
    dimensions : list
        The search space: :class:`~activesci.space.Dimension` objects or their shorthand
        (``(low, high)``, ``(low, high, "log-uniform")``, a list of categories).
    base_estimator : "gp", "dummy" or GaussianProcessRegressor, default="gp"
        ``"gp"``: scikit-optimize's default GP with a lower noise floor (see the module
        docstring). ``"dummy"``: random search. A
        :class:`~activesci.gp.GaussianProcessRegressor` (single output) is used as given
        (cloned; its kernel should include a WhiteKernel for noisy objectives).
    n_initial_points : int, default=10
        Points from the initial design before the model is used.
    initial_point_generator : {"sobol", "halton", "lhs", "grid", "random"}, default="sobol"
    acq_func : {"gp_hedge", "EI", "LogEI", "PI", "LCB"}, default="gp_hedge"
        ``"EI"`` and ``"LogEI"`` have the same maximizer; both are maximized through log-EI,
        which stays smooth where EI underflows.
    acq_optimizer : {"auto", "lbfgs", "sampling"}, default="auto"
        ``"sampling"``: the best of the candidates; ``"lbfgs"`` (and ``"auto"``): the best
        candidates are polished by the C quasi-Newton method.
    random_state : int, Generator or None
    acq_func_kwargs : dict, optional
        ``xi`` (0.01), ``kappa`` (1.96), ``eta`` (1.0, gp_hedge's learning rate).
    acq_optimizer_kwargs : dict, optional
        ``n_points`` (10000 candidates), ``n_restarts_optimizer`` (5 polished starts per
        acquisition), ``max_iter`` (20 quasi-Newton iterations per start).
    model_queue_size : int or None
        Keep only the last this many models in ``models`` (None: all).
    refit_fraction : float, default=0.1
        Re-optimize the GP hyperparameters when the data have grown by this fraction since the
        last optimization (0: at every new observation).

    Attributes
    ----------
    Xi : list of lists
        Points told so far.
    yi : list of float
    space : Space
    models : list of GaussianProcessRegressor
    gains_ : ndarray of shape (3,)
        gp_hedge's gains for EI, PI, LCB.
    rng : numpy.random.Generator

    Examples
    --------
    >>> opt = Optimizer([(0.0, 1.0)], n_initial_points=3, random_state=1)
    >>> x = opt.ask()
    >>> len(x), opt.tell(x, (x[0] - 0.3) ** 2).func_vals.shape
    (1, (1,))
    """

    def __init__(self, dimensions, base_estimator: Union[str, GaussianProcessRegressor] = "gp",
                 n_initial_points: int = 10, initial_point_generator: str = "sobol",
                 acq_func: str = "gp_hedge", acq_optimizer: str = "auto",
                 random_state: RandomState = None, acq_func_kwargs: Optional[dict] = None,
                 acq_optimizer_kwargs: Optional[dict] = None,
                 model_queue_size: Optional[int] = None, refit_fraction: float = 0.1):
        self.space = Space(dimensions)
        self.base_estimator = base_estimator
        if isinstance(base_estimator, str):
            if base_estimator.lower() not in ("gp", "dummy"):
                raise ValueError(f"base_estimator must be 'gp', 'dummy' or a "
                                 f"GaussianProcessRegressor, got {base_estimator!r}")
        elif not isinstance(base_estimator, GaussianProcessRegressor):
            raise TypeError("base_estimator must be 'gp', 'dummy' or an activesci.gp."
                            f"GaussianProcessRegressor, got {type(base_estimator).__name__}")
        if isinstance(n_initial_points, bool) or not isinstance(n_initial_points,
                                                                (numbers.Integral, np.integer)):
            raise TypeError(f"n_initial_points must be an int, got {n_initial_points!r}")
        if n_initial_points < 0:
            raise ValueError(f"n_initial_points must be >= 0, got {n_initial_points}")
        self.n_initial_points = int(n_initial_points)
        if initial_point_generator not in GENERATORS:
            raise ValueError(f"initial_point_generator must be one of {GENERATORS}, got "
                             f"{initial_point_generator!r}")
        self.initial_point_generator = initial_point_generator
        if acq_func not in ACQ_FUNCS:
            raise ValueError(f"acq_func must be one of {ACQ_FUNCS}, got {acq_func!r}")
        self.acq_func = acq_func
        if acq_optimizer not in ("auto", "lbfgs", "sampling"):
            raise ValueError(f"acq_optimizer must be 'auto', 'lbfgs' or 'sampling', got "
                             f"{acq_optimizer!r}")
        self.acq_optimizer = acq_optimizer
        self.acq_func_kwargs = dict(acq_func_kwargs or {})
        unknown = set(self.acq_func_kwargs) - {"xi", "kappa", "eta"}
        if unknown:
            raise ValueError(f"acq_func_kwargs: unknown keys {sorted(unknown)}; use xi, kappa, "
                             "eta")
        self.xi = float(self.acq_func_kwargs.get("xi", 0.01))
        self.kappa = float(self.acq_func_kwargs.get("kappa", 1.96))
        self.eta = float(self.acq_func_kwargs.get("eta", 1.0))
        if not (math.isfinite(self.xi) and math.isfinite(self.kappa) and self.kappa >= 0
                and math.isfinite(self.eta)):
            raise ValueError("acq_func_kwargs: xi, eta must be finite and kappa finite >= 0")
        self.acq_optimizer_kwargs = dict(acq_optimizer_kwargs or {})
        unknown = set(self.acq_optimizer_kwargs) - {"n_points", "n_restarts_optimizer",
                                                    "max_iter", "n_jobs"}
        if unknown:
            raise ValueError(f"acq_optimizer_kwargs: unknown keys {sorted(unknown)}; use "
                             "n_points, n_restarts_optimizer, max_iter")
        self.n_points = int(self.acq_optimizer_kwargs.get("n_points", 10000))
        self.n_restarts_optimizer = int(self.acq_optimizer_kwargs.get("n_restarts_optimizer", 5))
        self.max_iter = int(self.acq_optimizer_kwargs.get("max_iter", 20))
        if self.n_points < 1 or self.n_restarts_optimizer < 0 or self.max_iter < 0:
            raise ValueError("acq_optimizer_kwargs: n_points must be >= 1, "
                             "n_restarts_optimizer and max_iter >= 0")
        if model_queue_size is not None and (isinstance(model_queue_size, bool) or not
                                             isinstance(model_queue_size, numbers.Integral)
                                             or model_queue_size < 1):
            raise ValueError(f"model_queue_size must be None or an int >= 1, got "
                             f"{model_queue_size!r}")
        self.model_queue_size = model_queue_size
        if not (isinstance(refit_fraction, numbers.Real) and 0 <= refit_fraction < 10):
            raise ValueError(f"refit_fraction must be a number in [0, 10), got "
                             f"{refit_fraction!r}")
        self.refit_fraction = float(refit_fraction)
        self.random_state = random_state
        self.rng = check_random_state(random_state)

        self._initial_points = self.space.from_unit(initial_design(
            initial_point_generator, self.n_initial_points, self.space.n_dims, self.rng))
        self.Xi: List[list] = []
        self.yi: List[float] = []
        self.noise_i: List[Optional[float]] = []
        self.pending: List[list] = []
        self.models: List[GaussianProcessRegressor] = []
        self.gains_ = np.zeros(len(_HEDGE))
        self._hedge_xs: Optional[np.ndarray] = None  # proposals awaiting a gains update
        self._model: Optional[GaussianProcessRegressor] = None
        self._model_n = 0
        self._theta: Optional[np.ndarray] = None    # hyperparameters of the last optimization
        self._n_fit = 0                             # observations at the last optimization
        self._fit_seed_n = 0                        # optimizations done (seeds their restarts)
        self._free = self.space.continuous_mask()
        self._seen = set()

    # ------------------------------------------------------------------ conveniences
    @property
    def _is_dummy(self) -> bool:
        return isinstance(self.base_estimator, str) and self.base_estimator.lower() == "dummy"

    def _key(self, x: list) -> tuple:
        return tuple(repr(v) for v in x)

    def copy(self, random_state: RandomState = None) -> "Optimizer":
        """A deep copy (with ``random_state``, a copy with a new random stream).

        Examples
        --------
        >>> opt = Optimizer([(0.0, 1.0)], random_state=0)
        >>> opt.copy().ask() == opt.ask()
        True
        """
        new = copy.deepcopy(self)
        if random_state is not None:
            new.rng = check_random_state(random_state)
        return new

    # ------------------------------------------------------------------ tell
    def tell(self, x, y, fit: bool = True, noise=None) -> OptimizeResult:
        """Record evaluations: ``x`` one point and ``y`` a number, or a list of points and a
        list of numbers.

        Parameters
        ----------
        x : list or list of lists
        y : float or list of floats
            Finite values; NaN or infinity raises ValueError and leaves the optimizer
            unchanged.
        fit : bool, default=True
            False defers the model update (the next ``ask`` or ``get_result`` does it anyway).
        noise : float, list of floats or None
            Known noise variance of each evaluation (None: estimated by the GP's WhiteKernel).

        Returns
        -------
        OptimizeResult
            As :meth:`get_result`.
        """
        if _is_2d(x):
            points = [self.space.check_point(p, f"x[{i}]") for i, p in enumerate(x)]
            if isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
                raise ValueError("y must be a list with one value per point of x")
            if len(y) != len(points):
                raise ValueError(f"x has {len(points)} points but y has {len(y)} values")
            values = [_check_y(v, f"y[{i}]") for i, v in enumerate(y)]
            if noise is None or np.ndim(noise) == 0:
                noises = [_check_noise(noise)] * len(points)
            else:
                if len(noise) != len(points):
                    raise ValueError(f"noise has {len(noise)} values but x has {len(points)}")
                noises = [_check_noise(v, f"noise[{i}]") for i, v in enumerate(noise)]
        else:
            points = [self.space.check_point(x)]
            if hasattr(y, "__len__") and not isinstance(y, (np.ndarray, str, bytes)):
                raise ValueError("y must be a number when x is a single point")
            values = [_check_y(y)]
            noises = [_check_noise(noise)]
        if not points:
            raise ValueError("x must hold at least one point")
        keys = [self._key(p) for p in points]
        for i, k in enumerate(keys):
            if k in self._seen or k in keys[:i]:
                raise ValueError(f"point {points[i]!r} was already told; each point is told "
                                 "once (pass its noise variance to tell instead of repeats)")
        # validated: now mutate
        for p, v, s, k in zip(points, values, noises, keys):
            self.Xi.append(p)
            self.yi.append(v)
            self.noise_i.append(s)
            self._seen.add(k)
            self.pending = [q for q in self.pending if self._key(q) != k]
        if fit:
            self._update_model()
        return self.get_result()

    # ------------------------------------------------------------------ model
    def _needs_optimization(self, n: int) -> bool:
        if self._theta is None or n < 20 or self.refit_fraction == 0:
            return True
        return n - self._n_fit >= max(1, int(self.refit_fraction * self._n_fit))

    def _alpha(self, noises: Sequence[Optional[float]], y_std: float) -> np.ndarray:
        return np.array([_ALPHA_MIN if s is None else max(s / y_std ** 2, _ALPHA_MIN)
                         for s in noises])

    def _template(self) -> GaussianProcessRegressor:
        if isinstance(self.base_estimator, GaussianProcessRegressor):
            gp = copy.deepcopy(self.base_estimator)
            gp.normalize_y = True
            return gp
        return _default_gp(self.space.transformed_n_dims, 0)

    def _update_model(self) -> Optional[GaussianProcessRegressor]:
        """Bring the GP up to date with the told points (lazily; returns it)."""
        n = len(self.Xi)
        if self._is_dummy or n == 0 or (n < self.n_initial_points and self._model is None
                                        and not self.pending):
            return None
        if self._model is not None and self._model_n == n:
            return self._model
        X = self.space.transform(self.Xi)
        y = np.asarray(self.yi, dtype=float)
        if self._needs_optimization(n):
            gp = self._template()
            if self._theta is not None:
                gp.kernel = gp.kernel.clone_with_theta(self._theta)
                gp.n_restarts_optimizer = 0
            gp.random_state = self._fit_seed_n
            y_std = float(np.std(y)) if n > 1 and np.std(y) > 10 * np.finfo(float).eps else 1.0
            gp.alpha = self._alpha(self.noise_i, y_std)
            gp.fit(X, y)
            self._theta = gp.kernel_.theta.copy()
            self._n_fit = n
            self._fit_seed_n += 1
            gp = self._fixed_model(X, y, self.noise_i)
        else:
            gp = self._model.copy()
            y_std = float(np.asarray(gp._y_train_std).ravel()[0])
            try:
                for i in range(self._model_n, n):
                    gp.add_observation(X[i:i + 1], y[i:i + 1],
                                       self._alpha(self.noise_i[i:i + 1], y_std))
            except np.linalg.LinAlgError:
                # a point so close to an observation that the appended pivot is not positive
                # in floating point (possible with a small noise): factor again, with jitter
                gp = self._fixed_model(X, y, self.noise_i)
        self._model = gp
        self._model_n = n
        if self._hedge_xs is not None:
            self.gains_ -= gp.predict(self._hedge_xs)
            self._hedge_xs = None
        self.models.append(gp)
        if self.model_queue_size is not None and len(self.models) > self.model_queue_size:
            del self.models[:len(self.models) - self.model_queue_size]
        return gp

    def _fixed_model(self, X, y, noises) -> GaussianProcessRegressor:
        """The GP at the stored hyperparameters, factored once (what a restored optimizer
        rebuilds bit for bit from the same observations)."""
        gp = self._template()
        gp.kernel = gp.kernel.clone_with_theta(self._theta)
        gp.optimizer = None
        gp.n_restarts_optimizer = 0
        y_std = float(np.std(y)) if len(y) > 1 and np.std(y) > 10 * np.finfo(float).eps else 1.0
        gp.alpha = self._alpha(noises, y_std)
        return gp.fit(X, y)

    def _fantasy(self, gp: GaussianProcessRegressor, points: List[list], lie: str
                 ) -> GaussianProcessRegressor:
        """A copy of gp conditioned on `points` with lie values (fixed hyperparameters)."""
        if not points:
            return gp
        base, gp = gp, gp.copy()
        y_std = float(np.asarray(gp._y_train_std).ravel()[0])
        Xt = self.space.transform(points)
        lies = []
        try:
            for i in range(len(points)):
                lies.append(self._lie_value(gp, Xt[i:i + 1], lie))
                gp.add_observation(Xt[i:i + 1], [lies[-1]], self._alpha([None], y_std))
        except np.linalg.LinAlgError:
            # as in _update_model: factor the data and the lies again, with jitter
            y_base = np.asarray(base._y_train_mean).ravel()[0] + y_std * base.y_train_
            X_all = np.vstack([base.X_train_, Xt[:len(lies)]])
            y_all = np.concatenate([y_base, lies])
            noises = list(base._noise * y_std ** 2) + [None] * len(lies)
            gp = self._fixed_model(X_all, y_all, noises)
            for i in range(len(lies), len(points)):
                gp = self._fantasy(gp, [points[i]], lie)
        return gp

    def _lie_value(self, gp, xt, lie: str) -> float:
        if lie == "kb":
            return float(gp.predict(xt)[0])
        y = np.asarray(self.yi, dtype=float)
        return float({"cl_min": np.min, "cl_mean": np.mean, "cl_max": np.max}[lie](y))

    # ------------------------------------------------------------------ ask
    def ask(self, n_points: Optional[int] = None, strategy: str = "cl_min"):
        """Propose the next point, or a batch of ``n_points`` points.

        Parameters
        ----------
        n_points : int or None
            None: one point (a list); an int >= 1: a list of that many points.
        strategy : {"cl_min", "cl_mean", "cl_max", "kb"}, default="cl_min"
            How the batch is spread: each point is followed by a fantasy observation at the
            minimum, mean or maximum of the observed values (constant liar) or at the model's
            prediction (kriging believer), at fixed hyperparameters. Points pending from
            earlier asks are fantasies with the same rule.

        Returns
        -------
        list or list of lists
        """
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
        if n_points is None:
            single = True
            n_points = 1
        else:
            if isinstance(n_points, bool) or not isinstance(n_points, (numbers.Integral,
                                                                       np.integer)):
                raise TypeError(f"n_points must be None or an int >= 1, got {n_points!r}")
            if n_points < 1:
                raise ValueError(f"n_points must be >= 1, got {n_points}; use None for one "
                                 "point")
            single = False
        batch: List[list] = []
        gp = None
        for i in range(int(n_points)):
            k = len(self.Xi) + len(self.pending)
            if k < self.n_initial_points or self._is_dummy or not self.Xi:
                x = self._initial_or_random(k)
            else:
                if gp is None:
                    gp = self._fantasy(self._update_model(), self.pending, strategy)
                x = self._propose(gp, record_hedge=(i == 0))
                gp = self._fantasy(gp, [x], strategy)
            self.pending.append(x)
            batch.append(x)
        return batch[0] if single else batch

    def _initial_or_random(self, k: int) -> list:
        if k < self.n_initial_points:
            x = self._initial_points[k]
            if not self._is_taken(x):
                return list(x)
        for _ in range(1000):
            x = self.space.rvs(1, random_state=self.rng)[0]
            if not self._is_taken(x):
                return x
        raise RuntimeError("could not find a point of the space that was not evaluated yet; "
                           "the space may be exhausted")

    def _is_taken(self, x: list) -> bool:
        k = self._key(x)
        return k in self._seen or any(self._key(p) == k for p in self.pending)

    def _acq_names(self) -> Tuple[str, ...]:
        if self.acq_func == "gp_hedge":
            return ("LogEI", "PI", "LCB")
        return ({"EI": "LogEI"}.get(self.acq_func, self.acq_func),)

    def _candidates(self) -> np.ndarray:
        U = self.rng.random((self.n_points, self.space.n_dims))
        if self.space.is_real:
            # real dimensions: the transform of the inverse CDF of u is u itself
            return U
        return self.space.transform(self.space.from_unit(U))

    def _propose(self, gp: GaussianProcessRegressor, record_hedge: bool = True) -> list:
        cand = self._candidates()
        n_polish = 0 if self.acq_optimizer == "sampling" else self.n_restarts_optimizer
        out = optimize_acquisition(gp, self._acq_names(), cand, y_opt=float(np.min(self.yi)),
                                   xi=self.xi, kappa=self.kappa, free=self._free,
                                   n_polish=n_polish, max_iter=self.max_iter)
        xs = np.clip(out["x"], 0.0, 1.0)
        if self.acq_func == "gp_hedge":
            logits = self.eta * (self.gains_ - np.max(self.gains_))
            probs = np.exp(logits) / np.sum(np.exp(logits))
            q = int(np.argmax(self.rng.multinomial(1, probs)))
            if record_hedge:
                self._hedge_xs = xs.copy()
        else:
            q = 0
        x = self.space.inverse_transform(xs[q:q + 1])[0]
        if not self._is_taken(x):
            return x
        for i in np.argsort(out["values"][q], kind="stable"):
            x = self.space.inverse_transform(cand[i:i + 1])[0]
            if not self._is_taken(x):
                return x
        return self._initial_or_random(self.n_initial_points)

    # ------------------------------------------------------------------ results
    def _expected_minimum_of(self, gp) -> Tuple[list, float]:
        n = gp.X_train_.shape[0]
        cand = np.ascontiguousarray(gp.X_train_[:n])  # start from the observed points
        out = optimize_acquisition(gp, ("mean",), cand, y_opt=0.0, free=self._free,
                                   n_polish=5, max_iter=50)
        x = self.space.inverse_transform(np.clip(out["x"], 0.0, 1.0))[0]
        mean = float(gp.predict(self.space.transform([x]))[0])
        return x, mean

    def get_result(self) -> OptimizeResult:
        """The result so far (the model is brought up to date first).

        Returns
        -------
        OptimizeResult
        """
        gp = self._update_model() if self.Xi else None
        res = OptimizeResult()
        if self.yi:
            best = int(np.argmin(self.yi))
            res.x = list(self.Xi[best])
            res.fun = float(self.yi[best])
        else:
            res.x, res.fun = None, None
        res.func_vals = np.asarray(self.yi, dtype=float)
        res.x_iters = [list(p) for p in self.Xi]
        res.models = list(self.models)
        res.space = self.space
        res.random_state = self.rng
        if gp is None:
            res.expected_minimum = None
        else:  # computed on first access
            object.__setattr__(res, "_lazy",
                               {"expected_minimum": lambda: self._expected_minimum_of(gp)})
        res.specs = {"args": self.get_params(), "function": "Optimizer"}
        object.__setattr__(res, "_optimizer_ref", self)  # lets dump(res) save the state
        return res

    def get_params(self) -> Dict[str, Any]:
        """The constructor arguments."""
        return {"dimensions": self.space.dimensions, "base_estimator": self.base_estimator,
                "n_initial_points": self.n_initial_points,
                "initial_point_generator": self.initial_point_generator,
                "acq_func": self.acq_func, "acq_optimizer": self.acq_optimizer,
                "random_state": self.random_state, "acq_func_kwargs": self.acq_func_kwargs,
                "acq_optimizer_kwargs": self.acq_optimizer_kwargs,
                "model_queue_size": self.model_queue_size,
                "refit_fraction": self.refit_fraction}

    def run(self, func: Callable, n_iter: int = 1) -> OptimizeResult:
        """Ask, evaluate ``func`` and tell, ``n_iter`` times.

        Examples
        --------
        >>> opt = Optimizer([(-2.0, 2.0)], n_initial_points=3, random_state=0)
        >>> opt.run(lambda x: x[0] ** 2, n_iter=5).func_vals.shape
        (5,)
        """
        for _ in range(n_iter):
            x = self.ask()
            self.tell(x, func(x))
        return self.get_result()


def expected_minimum(res: OptimizeResult) -> Tuple[list, float]:
    """The minimum of the last model's mean over the space, ``(x, mean)``: the best estimate
    of the optimum for a noisy objective (the best *observed* value is biased low).

    Examples
    --------
    >>> from activesci.benchmarks import bench1
    >>> res = minimize(bench1, [(-2.0, 2.0)], n_calls=12, n_initial_points=4, random_state=0)
    >>> x, mean = expected_minimum(res)
    >>> bool(abs(x[0]) < 0.2)
    True
    """
    if res.get("expected_minimum") is None:
        raise ValueError("the result holds no model (too few evaluations, or random search)")
    return res["expected_minimum"]


def _start(opt: Optimizer, func, n_calls, x0, y0, callback):
    """Check ``n_calls`` and the callbacks, tell ``x0`` (evaluated here unless ``y0`` is
    given); return the evaluations left and the list of callbacks."""
    if n_calls < 0:
        raise ValueError(f"n_calls must be >= 0, got {n_calls}")
    callbacks = [] if callback is None else (list(callback) if isinstance(callback, (list, tuple))
                                             else [callback])
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"callback must be callable or a list of callables, got {cb!r}")
    if x0 is not None:
        x0 = [list(x) for x in x0] if _is_2d(x0) else [list(x0)]
        if y0 is None:
            y0 = [func(x) for x in x0]
            n_calls -= len(x0)  # evaluations of x0 count towards n_calls
        elif np.ndim(y0) == 0:
            y0 = [y0]
        opt.tell(x0, list(y0))
    return n_calls, callbacks


def _run(opt: Optimizer, func, n_calls, x0, y0, callback, progress, specs) -> OptimizeResult:
    n_calls, callbacks = _start(opt, func, n_calls, x0, y0, callback)
    bar = None
    if progress:
        try:
            from tqdm.auto import tqdm

            bar = tqdm(total=max(n_calls, 0), desc="minimize")
        except ImportError:  # pragma: no cover
            bar = None
    try:
        for _ in range(max(n_calls, 0)):
            x = opt.ask()
            y = func(x)
            res = opt.tell(x, y)
            res.specs = specs
            if bar is not None:
                bar.update(1)
            if any(cb(res) for cb in callbacks):
                break
    except KeyboardInterrupt:
        pass  # keep what was computed
    finally:
        if bar is not None:
            bar.close()
    res = opt.get_result()
    res.specs = specs
    return res


def _run_parallel(opt: Optimizer, func, n_calls, x0, y0, callback, progress, specs,
                  parallel: Dict[str, Any]) -> OptimizeResult:
    """``n_parallel`` evaluations at a time through :mod:`activesci.parallel`: each batch is
    asked at once (fantasy observations for the pending points), evaluated on the executor
    with retries and timeouts, and told in ask order, so the run is the same on any executor
    and any number of workers. Failed evaluations are reported in ``result.failures``."""
    from .parallel import run_async

    n_calls, callbacks = _start(opt, func, n_calls, x0, y0, callback)

    def should_stop() -> bool:
        if not callbacks:
            return False
        res = opt.get_result()
        res.specs = specs
        return any(cb(res) for cb in callbacks)

    failures: List[Dict[str, Any]] = []
    if n_calls > 0:
        out = run_async(opt, func, n_calls, n_parallel=parallel["n_parallel"],
                        executor=parallel["executor"], n_workers=parallel["n_workers"],
                        timeout=parallel["timeout"], max_retries=parallel["max_retries"],
                        store=parallel["storage"], group="minimize", progress=progress,
                        synchronous=True, should_stop=should_stop)
        failures = [{"x": r.task, "error": r.error, "attempts": r.attempts}
                    for r in out.results if not r.ok]
    res = opt.get_result()
    res.specs = specs
    res.failures = failures
    return res


def minimize(func: Callable, dimensions, n_calls: int = 100, n_initial_points: int = 10,
             acq_func: str = "gp_hedge", x0=None, y0=None, callback=None,
             random_state: RandomState = None, progress: bool = False,
             initial_point_generator: str = "sobol", acq_optimizer: str = "auto",
             n_points: int = 10000, n_restarts_optimizer: int = 5, xi: float = 0.01,
             kappa: float = 1.96, base_estimator="gp", model_queue_size=None,
             refit_fraction: float = 0.1, n_parallel: int = 1, executor: Any = None,
             n_workers: Optional[int] = None, timeout: Optional[float] = None,
             max_retries: int = 0, storage: Any = None) -> OptimizeResult:
    """Bayesian optimization of ``func`` over ``dimensions`` (``skopt.gp_minimize``'s style).

    Parameters
    ----------
    func : callable
        ``func(x) -> float`` with ``x`` a list.
    dimensions : list
    n_calls : int, default=100
        Total evaluations, including ``x0`` when ``y0`` is not given.
    n_initial_points : int, default=10
        Initial-design points, besides ``x0``.
    acq_func, initial_point_generator, acq_optimizer, n_points, n_restarts_optimizer, xi,
    kappa, base_estimator, model_queue_size, refit_fraction :
        As :class:`Optimizer`.
    x0, y0 : optional
        Points to evaluate first (and their values, if known).
    callback : callable or list of callables
        Called with the result after each evaluation; True stops the run (see
        :mod:`activesci.callbacks`).
    random_state : int, Generator or None
    progress : bool, default=False
        A tqdm progress bar. Ctrl-C stops the run and returns the result so far.
    n_parallel : int, default=1
        Evaluations in flight: each batch of ``n_parallel`` points is proposed at once
        (constant-liar fantasies for the pending ones) and evaluated concurrently.
    executor : str, Executor, dask Client or scheduler address, optional
        Where evaluations run (see :func:`activesci.parallel.get_executor`): ``"processes"``,
        ``"dask"``, a ``distributed.Client``, any ``concurrent.futures.Executor``. ``func`` must
        then be picklable (a module-level function). Results do not depend on it.
    n_workers : int, optional
        Workers of an executor created from a string.
    timeout : float, optional
        Seconds after which an evaluation counts as failed.
    max_retries : int, default=0
        Re-runs of an evaluation that raised, returned NaN, timed out or lost its worker;
        after them it is recorded in ``result.failures`` and left out of the model.
    storage : str, path or RunStore, optional
        A SQLite file committing every evaluation as it completes; rerunning with the same
        file and seed resumes after a crash without repeating or losing an evaluation.

    Returns
    -------
    OptimizeResult
        With ``failures`` (a list of ``{"x", "error", "attempts"}``) when run in parallel.

    Examples
    --------
    >>> from activesci.benchmarks import branin
    >>> res = minimize(branin, [(-5.0, 10.0), (0.0, 15.0)], n_calls=15, n_initial_points=5,
    ...                random_state=0)
    >>> len(res.func_vals), bool(res.fun < 10)
    (15, True)
    """
    n_x0 = 0 if x0 is None else (len(x0) if _is_2d(x0) else 1)
    opt = Optimizer(dimensions, base_estimator=base_estimator,
                    n_initial_points=n_initial_points + n_x0,
                    initial_point_generator=initial_point_generator, acq_func=acq_func,
                    acq_optimizer=acq_optimizer, random_state=random_state,
                    acq_func_kwargs={"xi": xi, "kappa": kappa},
                    acq_optimizer_kwargs={"n_points": n_points,
                                          "n_restarts_optimizer": n_restarts_optimizer},
                    model_queue_size=model_queue_size, refit_fraction=refit_fraction)
    specs = {"function": "minimize",
             "args": {"n_calls": n_calls, "n_initial_points": n_initial_points,
                      "acq_func": acq_func, "random_state": random_state,
                      "initial_point_generator": initial_point_generator, "xi": xi,
                      "kappa": kappa, "n_points": n_points}}
    if n_parallel != 1 or executor is not None or storage is not None or timeout is not None \
            or max_retries:
        if isinstance(n_parallel, bool) or not isinstance(n_parallel, numbers.Integral) \
                or n_parallel < 1:
            raise ValueError(f"n_parallel must be a positive integer, got {n_parallel!r}")
        specs["args"]["n_parallel"] = int(n_parallel)
        return _run_parallel(opt, func, n_calls, x0, y0, callback, progress, specs,
                             {"n_parallel": int(n_parallel), "executor": executor,
                              "n_workers": n_workers, "timeout": timeout,
                              "max_retries": max_retries, "storage": storage})
    return _run(opt, func, n_calls, x0, y0, callback, progress, specs)


gp_minimize = minimize


def dummy_minimize(func: Callable, dimensions, n_calls: int = 100, x0=None, y0=None,
                   callback=None, random_state: RandomState = None,
                   progress: bool = False) -> OptimizeResult:
    """Random search (points drawn from the priors), the baseline of :func:`minimize`.

    Examples
    --------
    >>> from activesci.benchmarks import bench1
    >>> res = dummy_minimize(bench1, [(-2.0, 2.0)], n_calls=20, random_state=0)
    >>> len(res.x_iters)
    20
    """
    opt = Optimizer(dimensions, base_estimator="dummy", n_initial_points=0,
                    initial_point_generator="random", random_state=random_state)
    specs = {"function": "dummy_minimize",
             "args": {"n_calls": n_calls, "random_state": random_state}}
    return _run(opt, func, n_calls, x0, y0, callback, progress, specs)
