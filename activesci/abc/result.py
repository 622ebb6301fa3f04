"""The result of an ABC run: accepted samples, their distances, weights and summaries."""
from __future__ import annotations

import json
from typing import Any, Dict, Optional, Sequence

import numpy as np

__all__ = ["ABCResult", "load"]


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: np.ndarray) -> np.ndarray:
    order = np.argsort(x)
    xs, ws = x[order], w[order]
    cw = np.cumsum(ws)
    # midpoint convention: the i-th sorted point sits at (cw_i - w_i / 2) / W
    pos = (cw - 0.5 * ws) / cw[-1]
    return np.interp(q, pos, xs)


class ABCResult:
    """Accepted parameter samples of an ABC run and how they were obtained.

    Attributes
    ----------
    samples : ndarray (n, n_params)
        Accepted θ (sorted by increasing distance for quantile runs, in simulation order for eps
        runs).
    distances : ndarray (n,)
    weights : ndarray (n,)
        Importance weights (ones for plain rejection; Epanechnikov kernel weights after
        :meth:`adjust`).
    summaries : ndarray (n, n_summaries)
        Simulated summaries of the accepted samples.
    observed_summary : ndarray (n_summaries,)
    eps : float
        The tolerance: the given eps, or the largest accepted distance for a quantile run.
    n_simulations : int
        Simulations run (including invalid ones).
    n_invalid : int
        Simulations dropped because their summaries were not finite.
    acceptance_rate : float
        n_accepted / n_simulations.
    param_names : tuple of str
    partial : bool
        True when the run was interrupted (Ctrl-C) and holds what was accepted so far.
    method : str
        "rejection" or "rejection+loclinear".

    Examples
    --------
    >>> r = ABCResult(samples=np.array([[0.0], [1.0], [2.0]]), distances=np.array([0.1, 0.2, 0.3]),
    ...               eps=0.3, n_simulations=30)
    >>> r.mean(), r.acceptance_rate
    (array([1.]), 0.1)
    >>> r.ess
    3.0
    """

    def __init__(self, samples: Any, distances: Any, eps: float, n_simulations: int, *,
                 weights: Any = None, summaries: Any = None, observed_summary: Any = None,
                 param_names: Optional[Sequence[str]] = None, n_invalid: int = 0,
                 partial: bool = False, method: str = "rejection",
                 info: Optional[Dict[str, Any]] = None):
        self.distances = np.asarray(distances, dtype=float).reshape(-1)
        n = self.distances.shape[0]
        samples = np.asarray(samples, dtype=float)
        if samples.ndim != 2:
            samples = samples.reshape(n, -1) if n else samples.reshape(0, 1)
        if samples.shape[0] != n:
            raise ValueError(f"samples has {samples.shape[0]} rows but distances has {n}")
        self.samples = samples
        self.weights = (np.ones(n) if weights is None
                        else np.asarray(weights, dtype=float).reshape(-1))
        if summaries is None:
            self.summaries = np.empty((n, 0))
        else:
            summ = np.asarray(summaries, dtype=float)
            self.summaries = summ if summ.ndim == 2 and summ.shape[0] == n else \
                summ.reshape(n, -1)
        self.observed_summary = (np.empty(0) if observed_summary is None
                                 else np.asarray(observed_summary, dtype=float).reshape(-1))
        p = self.samples.shape[1]
        if param_names is None:
            param_names = ("theta",) if p == 1 else tuple(f"theta{i}" for i in range(p))
        self.param_names = tuple(param_names)
        self.eps = float(eps)
        self.n_simulations = int(n_simulations)
        self.n_invalid = int(n_invalid)
        self.partial = bool(partial)
        self.method = str(method)
        self.info = dict(info or {})

    # ------------------------------------------------------------------ figures
    @property
    def n_samples(self) -> int:
        """Number of accepted samples."""
        return self.samples.shape[0]

    @property
    def n_params(self) -> int:
        return self.samples.shape[1]

    @property
    def acceptance_rate(self) -> float:
        return self.n_samples / self.n_simulations if self.n_simulations else 0.0

    @property
    def ess(self) -> float:
        """Kish's effective sample size (Σw)² / Σw²."""
        w = self.weights
        s2 = float((w * w).sum())
        return float(w.sum()) ** 2 / s2 if s2 > 0 else 0.0

    def _check_nonempty(self):
        if self.n_samples == 0 or not (self.weights.sum() > 0):
            raise ValueError("this ABCResult has no accepted samples (or only zero weights): "
                             "increase eps, quantile or n_simulations")

    def mean(self) -> np.ndarray:
        """Weighted posterior mean of each parameter."""
        self._check_nonempty()
        return np.average(self.samples, axis=0, weights=self.weights)

    def std(self) -> np.ndarray:
        """Weighted posterior standard deviation of each parameter."""
        self._check_nonempty()
        m = self.mean()
        return np.sqrt(np.average((self.samples - m) ** 2, axis=0, weights=self.weights))

    def cov(self) -> np.ndarray:
        """Weighted posterior covariance matrix."""
        self._check_nonempty()
        return np.atleast_2d(np.cov(self.samples, rowvar=False, aweights=self.weights, ddof=0))

    def quantiles(self, q: Any = (0.025, 0.5, 0.975)) -> np.ndarray:
        """Weighted marginal quantiles, shape (len(q), n_params).

        Examples
        --------
        >>> r = ABCResult(np.arange(5.0)[:, None], np.zeros(5), 0.0, 5)
        >>> r.quantiles([0.5])
        array([[2.]])
        """
        self._check_nonempty()
        qa = np.atleast_1d(np.asarray(q, dtype=float))
        if not ((qa >= 0) & (qa <= 1)).all():
            raise ValueError(f"q must be probabilities in [0, 1], got {q!r}")
        keep = self.weights > 0
        return np.column_stack([_weighted_quantile(self.samples[keep, j], self.weights[keep], qa)
                                for j in range(self.n_params)])

    # ------------------------------------------------------------------ adjustment
    def adjust(self, method: str = "loclinear", transform: Any = None,
               bounds: Any = None) -> "ABCResult":
        """Regression adjustment; see :func:`activesci.abc.adjust.loclinear_adjust`.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> th = rng.normal(size=(500, 1)); s = th + 0.1 * rng.normal(size=(500, 1))
        >>> r = ABCResult(th, np.abs(s[:, 0]), 3.0, 500, summaries=s, observed_summary=[0.0])
        >>> bool(r.adjust().std()[0] < 0.2)
        True
        """
        from .adjust import adjust_result

        return adjust_result(self, method=method, transform=transform, bounds=bounds)

    # ------------------------------------------------------------------ plots
    def plot_marginals(self, **kwargs: Any):
        """Histograms of each parameter (see :func:`activesci.plots.plot_abc_marginals`)."""
        from ..plots.abc import plot_abc_marginals

        return plot_abc_marginals(self, **kwargs)

    def plot_pairs(self, **kwargs: Any):
        """Pairwise scatter plots (see :func:`activesci.plots.plot_abc_pairs`)."""
        from ..plots.abc import plot_abc_pairs

        return plot_abc_pairs(self, **kwargs)

    # ------------------------------------------------------------------ display
    def _summary_rows(self):
        if self.n_samples == 0:
            return []
        m, s = self.mean(), self.std()
        q = self.quantiles([0.025, 0.975])
        return [(name, m[j], s[j], q[0, j], q[1, j]) for j, name in enumerate(self.param_names)]

    def __repr__(self) -> str:
        head = (f"ABCResult({self.method}: {self.n_samples} samples of {self.n_simulations} "
                f"simulations, acceptance {self.acceptance_rate:.3g}, eps {self.eps:.4g}, "
                f"ess {self.ess:.1f}{', PARTIAL (interrupted)' if self.partial else ''}"
                f"{f', {self.n_invalid} invalid' if self.n_invalid else ''})")
        if self.n_samples == 0:
            return head + "\n  no sample accepted: increase eps, quantile or n_simulations"
        lines = [head, f"  {'param':<10} {'mean':>10} {'std':>10} {'2.5%':>10} {'97.5%':>10}"]
        for name, m, s, lo, hi in self._summary_rows():
            lines.append(f"  {name:<10} {m:>10.4g} {s:>10.4g} {lo:>10.4g} {hi:>10.4g}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        cap = html.escape(self.__repr__().splitlines()[0])
        if self.n_samples == 0:
            return f"<p><b>{cap}</b><br>no sample accepted: increase eps, quantile or " \
                   "n_simulations</p>"
        rows = "".join(f"<tr><td>{html.escape(n)}</td><td>{m:.4g}</td><td>{s:.4g}</td>"
                       f"<td>{lo:.4g}</td><td>{hi:.4g}</td></tr>"
                       for n, m, s, lo, hi in self._summary_rows())
        return (f"<table><caption>{cap}</caption><tr><th>param</th><th>mean</th><th>std</th>"
                f"<th>2.5%</th><th>97.5%</th></tr>{rows}</table>")

    # ------------------------------------------------------------------ persistence
    def save(self, path: str) -> None:
        """Save to a ``.npz`` file (arrays plus a JSON header); :func:`load` reads it back.

        Examples
        --------
        >>> r = ABCResult(np.zeros((2, 1)), np.zeros(2), 0.1, 10)
        >>> r.save("abc_result.npz")
        >>> load("abc_result.npz").n_simulations
        10
        """
        meta = {"eps": self.eps, "n_simulations": self.n_simulations,
                "n_invalid": self.n_invalid, "partial": self.partial, "method": self.method,
                "param_names": list(self.param_names), "info": _jsonable(self.info),
                "format": "activesci.ABCResult/1"}
        with open(path, "wb") as fh:
            np.savez(fh, samples=self.samples, distances=self.distances, weights=self.weights,
                     summaries=self.summaries, observed_summary=self.observed_summary,
                     meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))

    @classmethod
    def load(cls, path: str) -> "ABCResult":
        """Read a result written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            if meta.get("format") != "activesci.ABCResult/1":
                raise ValueError(f"{path} is not an activesci ABCResult file")
            return cls(z["samples"], z["distances"], meta["eps"], meta["n_simulations"],
                       weights=z["weights"], summaries=z["summaries"],
                       observed_summary=z["observed_summary"], param_names=meta["param_names"],
                       n_invalid=meta["n_invalid"], partial=meta["partial"],
                       method=meta["method"], info=meta["info"])


def load(path: str) -> ABCResult:
    """Read an :class:`ABCResult` saved with :meth:`ABCResult.save`."""
    return ABCResult.load(path)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return repr(obj)
