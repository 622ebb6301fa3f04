"""Rejection ABC with vectorized and built-in C simulators, and regression adjustment.

:func:`rejection_abc` draws θ from a prior, simulates in batches (NumPy-vectorized callables, or
built-in simulators run entirely in C in threads), compares summaries with the observed ones and
keeps the closest; :meth:`ABCResult.adjust` applies Beaumont, Zhang & Balding's (2002)
local-linear regression adjustment.  :func:`posterior_samples` is the cheap entry point for
design loops.

Examples
--------
>>> from activesci.abc import rejection_abc, MA2, MA2Triangle, Autocov
>>> x_obs = MA2(100)(np.array([[0.6, 0.2]]), random_state=1)[0]
>>> res = rejection_abc(MA2(100), MA2Triangle(), x_obs, summary=Autocov([1, 2]),
...                     quantile=0.01, n_simulations=20_000, random_state=0)
>>> res.samples.shape
(200, 2)
"""
from .adjust import epanechnikov_weights, loclinear_adjust
from .distances import Distance, Euclidean, Mahalanobis, Scaled
from .models import MA2, BuiltinSimulator, GaussianMean, at_design, ma2_grid_posterior, \
    ma2_log_likelihood
from .priors import Constrained, LogUniform, MA2Triangle, Normal, Prior, Product, Uniform
from .rejection import BatchRunner, posterior_samples, rejection_abc
from .result import ABCResult, load
from .summaries import Autocov, Histogram, Mean, Quantiles, Summaries, Summary, Variance

import numpy as np  # noqa: E402  (for the doctest namespace)

__all__ = ["rejection_abc", "posterior_samples", "BatchRunner", "ABCResult", "load",
           "Prior", "Uniform", "Normal", "LogUniform", "Product", "Constrained", "MA2Triangle",
           "Summary", "Mean", "Variance", "Autocov", "Quantiles", "Histogram", "Summaries",
           "Distance", "Euclidean", "Scaled", "Mahalanobis",
           "MA2", "GaussianMean", "BuiltinSimulator", "at_design", "ma2_log_likelihood",
           "ma2_grid_posterior", "loclinear_adjust", "epanechnikov_weights"]
