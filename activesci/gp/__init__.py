"""Gaussian-process regression with a C core (scikit-learn compatible).

Examples
--------
>>> from activesci.gp import GaussianProcessRegressor
>>> from activesci.gp.kernels import RBF
>>> gp = GaussianProcessRegressor(RBF(1.0)).fit([[0.0], [1.0]], [0.0, 1.0])
>>> gp.predict([[0.0]]).round(6).tolist()
[0.0]
"""
from . import kernels
from .regressor import GaussianProcessRegressor

__all__ = ["GaussianProcessRegressor", "kernels"]
