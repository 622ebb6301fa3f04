"""Acquisition functions for Bayesian optimization, computed in C (``csrc/acquisition.c``).

For a minimization problem with incumbent ``y_opt``, predictive mean μ(x) and standard
deviation σ(x) of the latent function, and z = (y_opt − ξ − μ)/σ:

* expected improvement  EI  = σ (z Φ(z) + φ(z))  (Jones, Schonlau & Welch, J. Global Optim.
  13 (1998) 455);
* log-EI = log σ + log h(z), h(z) = z Φ(z) + φ(z), evaluated without cancellation for z ≪ 0
  with the continued fraction of Mills' ratio (so it stays finite and smooth where EI
  underflows; S. Ament et al., "Unexpected improvements to expected improvement", NeurIPS
  2023);
* probability of improvement  PI = Φ(z)  (H. J. Kushner, J. Basic Eng. 86 (1964) 97);
* lower confidence bound  LCB = μ − κ σ  (N. Srinivas et al., ICML 2010).

The public functions take a fitted GP and points and return the acquisition as
scikit-optimize's ``gaussian_ei``/``gaussian_pi``/``gaussian_lcb`` do (EI and PI positive,
larger is better; LCB to be minimized). :func:`optimize_acquisition` is what the
:class:`~activesci.optimizer.Optimizer` calls: the predictive mean and std of all candidates
come from one triangular solve per block of candidates, every acquisition is evaluated on
them, and the best few candidates of each are polished with the bounded quasi-Newton method of
the C core using analytic gradients.

Examples
--------
>>> import numpy as np
>>> from activesci.gp import GaussianProcessRegressor
>>> from activesci.acquisition import gaussian_ei, gaussian_lcb
>>> gp = GaussianProcessRegressor().fit([[0.0], [1.0]], [0.0, 1.0])
>>> ei = gaussian_ei([[0.0], [0.5], [1.0]], gp, y_opt=0.0)
>>> bool(ei[1] > ei[2])
True
>>> gaussian_lcb([[0.0]], gp, kappa=0.0).round(6).tolist()
[0.0]
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from . import _core
from .gp import GaussianProcessRegressor
from .gp.kernels import Kernel, Sum, WhiteKernel

__all__ = ["ACQ_CODES", "gaussian_ei", "gaussian_log_ei", "gaussian_pi", "gaussian_lcb",
           "acquisition_values", "optimize_acquisition", "latent_kernel"]

#: codes of csrc/acquisition.h
ACQ_CODES: Dict[str, int] = {"EI": 0, "LogEI": 1, "PI": 2, "LCB": 3, "mean": 4}


def latent_kernel(kernel: Kernel) -> Kernel:
    """The kernel without its top-level :class:`WhiteKernel` terms: predictions of the latent
    (noise-free) function, as scikit-optimize's GP does at prediction time.

    Examples
    --------
    >>> from activesci.gp.kernels import RBF, WhiteKernel
    >>> latent_kernel(RBF(1.0) + WhiteKernel(0.1))
    RBF(length_scale=1)
    """
    if isinstance(kernel, Sum):
        if isinstance(kernel.k2, WhiteKernel):
            return latent_kernel(kernel.k1)
        if isinstance(kernel.k1, WhiteKernel):
            return latent_kernel(kernel.k2)
        return Sum(latent_kernel(kernel.k1), latent_kernel(kernel.k2))
    return kernel


def _model_arrays(model: GaussianProcessRegressor):
    """Spec of the latent kernel and the fitted arrays, as the C core takes them."""
    if not hasattr(model, "L_"):
        raise ValueError("the model is not fitted; call fit first")
    d = model.n_features_in_
    spec = latent_kernel(model.kernel_)._spec(d)
    return (spec,) + tuple(model._fitted_arrays())


def _predict(model, X) -> Tuple[np.ndarray, np.ndarray]:
    X = np.ascontiguousarray(np.asarray(X, dtype=float).reshape(len(X), -1))
    spec, Xt, L, alpha, ym, ys = _model_arrays(model)
    mean, std, _ = _core.gp_predict(spec, Xt, L, alpha, ym, ys, X, True, False)
    return mean[:, 0], std[:, 0]


def acquisition_values(mean, std, acq_func: str = "EI", y_opt: float = 0.0, xi: float = 0.01,
                       kappa: float = 1.96, return_grad: bool = False):
    """The acquisition *to minimize* (−EI, −log EI, −PI, LCB, or μ for ``"mean"``) at given
    predictive means and standard deviations; with ``return_grad`` also its derivatives with
    respect to the mean and the std.

    Examples
    --------
    >>> acquisition_values([0.0], [1.0], "EI", y_opt=0.0, xi=0.0).round(6).tolist()
    [-0.398942]
    """
    if acq_func not in ACQ_CODES:
        raise ValueError(f"acq_func must be one of {tuple(ACQ_CODES)}, got {acq_func!r}")
    mean = np.ascontiguousarray(mean, dtype=float).ravel()
    std = np.ascontiguousarray(std, dtype=float).ravel()
    v, dm, ds = _core.acq_point((ACQ_CODES[acq_func], float(y_opt), float(xi), float(kappa)),
                                mean, std)
    return (v, dm, ds) if return_grad else v


def gaussian_ei(X, model, y_opt: float = 0.0, xi: float = 0.01) -> np.ndarray:
    """Expected improvement (positive) at X under the fitted GP ``model``.

    Examples
    --------
    >>> gp = GaussianProcessRegressor().fit([[0.0], [1.0]], [0.0, 1.0])
    >>> float(gaussian_ei([[0.0]], gp, y_opt=0.0, xi=0.0)[0]) < 1e-4
    True
    """
    mean, std = _predict(model, X)
    return -acquisition_values(mean, std, "EI", y_opt, xi)


def gaussian_log_ei(X, model, y_opt: float = 0.0, xi: float = 0.01) -> np.ndarray:
    """log of the expected improvement, finite where EI underflows to 0.

    Examples
    --------
    >>> gp = GaussianProcessRegressor().fit([[0.0], [1.0]], [0.0, 1.0])
    >>> bool(np.isfinite(gaussian_log_ei([[1.0]], gp, y_opt=-50.0)[0]))
    True
    """
    mean, std = _predict(model, X)
    return -acquisition_values(mean, std, "LogEI", y_opt, xi)


def gaussian_pi(X, model, y_opt: float = 0.0, xi: float = 0.01) -> np.ndarray:
    """Probability of improvement at X.

    Examples
    --------
    >>> gp = GaussianProcessRegressor().fit([[0.0], [1.0]], [0.0, 1.0])
    >>> round(float(gaussian_pi([[5.0]], gp, y_opt=0.0, xi=0.0)[0]), 2)  # far away: 1/2
    0.5
    """
    mean, std = _predict(model, X)
    return -acquisition_values(mean, std, "PI", y_opt, xi)


def gaussian_lcb(X, model, kappa: float = 1.96) -> np.ndarray:
    """Lower confidence bound μ − κσ at X (smaller is better).

    Examples
    --------
    >>> gp = GaussianProcessRegressor().fit([[0.0], [1.0]], [0.0, 1.0])
    >>> round(float(gaussian_lcb([[5.0]], gp, kappa=1.0)[0]), 2)  # far away: 0 - 1 * 1
    -1.0
    """
    mean, std = _predict(model, X)
    return acquisition_values(mean, std, "LCB", kappa=kappa)


def optimize_acquisition(model: GaussianProcessRegressor, acq_funcs: Sequence[str],
                         candidates: np.ndarray, y_opt: float, xi: float = 0.01,
                         kappa: float = 1.96, free: Optional[Sequence[bool]] = None,
                         n_polish: int = 5, max_iter: int = 20,
                         lower: Optional[np.ndarray] = None, upper: Optional[np.ndarray] = None):
    """Minimize several acquisitions of one GP over candidates, polishing the best ones.

    Parameters
    ----------
    model : fitted GaussianProcessRegressor (single output)
    acq_funcs : sequence of {"EI", "LogEI", "PI", "LCB", "mean"}
    candidates : ndarray of shape (m, d)
        Points in the transformed space (the unit cube by default).
    y_opt, xi, kappa : float
    free : sequence of bool, optional
        Coordinates the polish may move (False: integer and one-hot columns, kept at the
        starting candidate's value). None: all.
    n_polish : int
        Starts of the bounded quasi-Newton polish per acquisition (0: sampling only).
    max_iter : int
        Quasi-Newton iterations per start.
    lower, upper : ndarray of shape (d,), optional
        The box (default [0, 1]^d).

    Returns
    -------
    dict with ``mean``, ``std`` (m,), ``values`` (n_acq, m) at the candidates, ``x`` (n_acq, d)
    the best point of each acquisition and ``fun`` (n_acq,) its value (to minimize).

    Examples
    --------
    >>> gp = GaussianProcessRegressor().fit([[0.2], [0.8]], [1.0, 0.0])
    >>> out = optimize_acquisition(gp, ["mean"], np.linspace(0, 1, 11)[:, None], y_opt=0.0)
    >>> out["x"].shape, round(float(out["x"][0, 0]), 6)  # the mean decreases towards 1
    ((1, 1), 1.0)
    """
    spec, Xt, L, alpha, ym, ys = _model_arrays(model)
    cand = np.ascontiguousarray(candidates, dtype=float)
    d = cand.shape[1]
    lower = np.zeros(d) if lower is None else np.ascontiguousarray(lower, dtype=float)
    upper = np.ones(d) if upper is None else np.ascontiguousarray(upper, dtype=float)
    acqs = []
    for name in acq_funcs:
        if name not in ACQ_CODES:
            raise ValueError(f"acq_func must be one of {tuple(ACQ_CODES)}, got {name!r}")
        acqs.append((ACQ_CODES[name], float(y_opt), float(xi), float(kappa)))
    mean, std, values, xb, fb = _core.acq_optimize(
        spec, Xt, L, alpha, ym, ys, cand, acqs, lower, upper,
        None if free is None else [bool(f) for f in free], int(n_polish), int(max_iter))
    return {"mean": mean, "std": std, "values": values, "x": xb, "fun": fb}
