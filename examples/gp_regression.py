"""Gaussian-process regression with activesci: fit a noisy 1-D function, print predictions.

Run: python examples/gp_regression.py
"""
import numpy as np

from activesci.gp import GaussianProcessRegressor
from activesci.gp.kernels import ConstantKernel, Matern, WhiteKernel


def main():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 10, size=(40, 1))
    y = np.sin(X[:, 0]) + 0.1 * rng.standard_normal(40)
    kernel = ConstantKernel(1.0) * Matern(length_scale=1.0, nu=2.5) + WhiteKernel(1e-2)
    gp = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=3,
                                  random_state=0).fit(X, y)
    print(f"fitted kernel: {gp.kernel_}")
    print(f"log marginal likelihood: {gp.log_marginal_likelihood_value_:.3f}")
    Xq = np.linspace(0, 10, 6)[:, None]
    mean, std = gp.predict(Xq, return_std=True)
    print(f"{'x':>6} {'sin(x)':>8} {'mean':>8} {'std':>7}")
    for x, m, s in zip(Xq[:, 0], mean, std):
        print(f"{x:6.2f} {np.sin(x):8.3f} {m:8.3f} {s:7.3f}")
    return gp


if __name__ == "__main__":
    main()
