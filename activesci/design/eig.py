"""Expected information gain of an experiment, estimated by simulation.

For a design φ with ``n_events`` events and the current belief p(θ) (prior or posterior), the
expected information gain is the mutual information between θ and the data D (Lindley 1956,
"On a measure of the information provided by an experiment", Ann. Math. Stat. 27:986):

    EIG(φ) = E_{θ ~ p(θ), D ~ p(D | θ, φ)} [ KL( p(θ | D, φ) || p(θ) ) ]
           = H[p(θ)] − E_D H[p(θ | D, φ)],

the expected reduction of the posterior's entropy. It is estimated by drawing K parameter
points from p(θ), simulating one data set for each, computing each data set's posterior on the
grid of p(θ) (with the exact or a simulation-based likelihood), and averaging the K
divergences; the Monte Carlo standard error is their standard deviation over √K. The
alternative utility ``"variance_reduction"`` averages Var_p(θ) − Var_post(θ) instead
(summed over parameters, each relative to its prior variance when there are two).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

import numpy as np

from .._validation import RandomState, check_random_state, check_scalar, seed_from_random_state
from .likelihood import make_likelihood
from .posterior import GridPosterior

__all__ = ["EIGResult", "expected_information_gain", "as_grid_posterior", "resolve_n_events"]

UTILITIES = ("information_gain", "variance_reduction")


@dataclass
class EIGResult:
    """An estimate of a design's utility with its Monte Carlo standard error.

    Attributes
    ----------
    value, stderr : float
    phi : float or array
    n_events : int
    method, utility : str
    per_dataset : ndarray of shape (n_datasets,)
    """

    value: float
    stderr: float
    phi: Any
    n_events: int
    method: str
    utility: str
    per_dataset: np.ndarray = field(repr=False)

    def __float__(self) -> float:
        return float(self.value)

    def __repr__(self) -> str:
        unit = " nats" if self.utility == "information_gain" else ""
        return (f"EIGResult({self.utility} = {self.value:.5g} ± {self.stderr:.2g}{unit} at "
                f"phi={np.round(self.phi, 6).tolist()}, n_events={self.n_events}, "
                f"method={self.method!r}, n_datasets={len(self.per_dataset)})")


def as_grid_posterior(belief: Any, simulator=None, n_points: int = 201) -> GridPosterior:
    """A :class:`GridPosterior` from a GridPosterior, or from a distribution with ``logpdf``
    (e.g. ``activesci.distributions.Normal``), discretized on the simulator's θ bounds (or the
    distribution's own ``bounds`` when it has them)."""
    if isinstance(belief, GridPosterior):
        return belief
    if not hasattr(belief, "logpdf"):
        raise TypeError("prior_or_posterior must be a GridPosterior or a distribution with "
                        f"logpdf, got {type(belief).__name__}")
    bounds = getattr(belief, "bounds", None)
    if bounds is None and simulator is not None:
        bounds = simulator.theta_bounds
    if bounds is None:
        raise ValueError("cannot place a grid: give a GridPosterior or a simulator with "
                         "theta_bounds")
    bounds = np.asarray(bounds, dtype=float).reshape(-1, 2)
    names = getattr(simulator, "param_names", None)

    def logpdf(points):
        out = belief.logpdf(points if points.shape[1] > 1 else points[:, 0])
        return np.asarray(out, dtype=float).reshape(-1)

    return GridPosterior.from_logpdf(logpdf, bounds, n_points, names)


def resolve_n_events(n_events: Union[int, Callable], phi: Any) -> int:
    """Events in an experiment at φ: a fixed count, or ``n_events(phi)`` (e.g. luminosity ×
    cross section)."""
    n = n_events(phi) if callable(n_events) else n_events
    if isinstance(n, (float, np.floating)) and float(n).is_integer():
        n = int(n)
    if not isinstance(n, (numbers.Integral, np.integer)) or n < 1:
        raise ValueError(f"n_events must be a positive integer (or a callable returning one), "
                         f"got {n!r}")
    return int(n)


def _utility(post: GridPosterior, prior: GridPosterior, utility: str) -> float:
    if utility == "information_gain":
        return post.kl_from(prior)
    var_prior = np.diag(prior.cov())
    var_post = np.diag(post.cov())
    if len(var_prior) == 1:
        return float(var_prior[0] - var_post[0])
    return float(np.sum((var_prior - var_post) / var_prior))


def expected_information_gain(
    simulator,
    phi: Any,
    prior_or_posterior: Any,
    n_events: Union[int, Callable] = 100,
    method: str = "exact",
    n_datasets: int = 200,
    utility: str = "information_gain",
    random_state: RandomState = None,
    likelihood: Any = None,
    **method_kwargs: Any,
) -> EIGResult:
    """Expected information gain (or posterior variance reduction) of an experiment at φ.

    Parameters
    ----------
    simulator : Simulator
        With ``simulate(theta, phi, n, random_state)`` and, for ``method="exact"``, ``logpdf``.
    phi : float or array-like
        The design.
    prior_or_posterior : GridPosterior or distribution with logpdf
        The current belief about θ (1 or 2 parameters).
    n_events : int or callable, default=100
        Events per experiment, or ``n_events(phi)``.
    method : {"exact", "histogram", "kde", "ratio", "abc"}, default="exact"
        How the posterior of each simulated data set is computed: the exact likelihood, a
        simulation-based density estimate (histogram or kernel density), a likelihood-ratio
        model trained on simulations (:class:`RatioLikelihood`; trained anew for every call
        unless passed as ``likelihood``, as :class:`Campaign` does) or the kernel ABC
        likelihood (:class:`ABCLikelihood`).
    n_datasets : int, default=200
        Simulated data sets (Monte Carlo size K).
    utility : {"information_gain", "variance_reduction"}
    random_state : int, Generator or None
    likelihood : object, optional
        A prepared likelihood model (reused across designs by :class:`Campaign`).
    **method_kwargs
        Options of the likelihood model (``bins``, ``n_reference``, ``feature`` for histogram
        and kde; ``n_simulations``, ``quantile``, ``summary`` for abc; ``classifier``,
        ``n_train``, ``phi_space`` for ratio).

    Returns
    -------
    EIGResult

    Examples
    --------
    >>> from activesci.simulators import GaussianToy
    >>> from activesci.design import GridPosterior
    >>> import numpy as np
    >>> prior = GridPosterior.from_logpdf(lambda t: -0.5 * t[:, 0] ** 2, [(-6, 6)], 301)
    >>> r = expected_information_gain(GaussianToy(), 2.0, prior, n_events=10, random_state=0)
    >>> bool(abs(r.value - 0.5 * np.log(1 + 10 / 2.0)) < 3 * r.stderr + 0.02)
    True
    """
    if utility not in UTILITIES:
        raise ValueError(f"utility must be one of {UTILITIES}, got {utility!r}")
    check_scalar(n_datasets, "n_datasets", kind=numbers.Integral, low=2)
    prior = as_grid_posterior(prior_or_posterior, simulator)
    n = resolve_n_events(n_events, phi)
    model = (likelihood if likelihood is not None
             else _model_for(method, simulator, method_kwargs, prior))
    rng = check_random_state(random_state)
    thetas = prior.sample(n_datasets, rng)
    data = simulator.simulate(thetas, phi, n, random_state=seed_from_random_state(rng))
    datasets = [data[k] for k in range(n_datasets)]
    ll = model.loglike(datasets, prior.points, phi, random_state=seed_from_random_state(rng))
    values = np.array([_utility(prior.update(ll[k]), prior, utility) for k in range(n_datasets)])
    return EIGResult(float(values.mean()), float(values.std(ddof=1) / np.sqrt(n_datasets)),
                     phi, n, getattr(model, "name", method), utility, values)


def _model_for(method: str, simulator, kwargs, prior: GridPosterior = None):
    if method == "abc":
        from .abc_likelihood import ABCLikelihood

        return ABCLikelihood(simulator, **kwargs)
    if method == "ratio":
        # trained here for this one call; Campaign trains one and reuses it for every design
        from .ratio_likelihood import RatioLikelihood

        kwargs = dict(kwargs)
        phi_space = kwargs.pop("phi_space", getattr(simulator, "phi_bounds", None))
        if phi_space is None:
            raise ValueError("method='ratio' needs phi_space=(low, high) (the designs the "
                             "classifier is trained on) or a simulator with phi_bounds")
        return RatioLikelihood(simulator, prior, phi_space, **kwargs)
    return make_likelihood(method, simulator, **kwargs)
