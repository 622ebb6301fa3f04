"""Seeded test problems shared by tests/test_qn.py and benchmarks/bench_qn.py.

Each problem is a dict with ``name``, ``fun`` (x -> (f, grad)), ``x0``, ``lower``, ``upper``
(arrays; +-inf where unbounded).  Families: random convex quadratics in random boxes (some
constraints active), Rosenbrock variants (free and with the minimizer cut off by a bound), and
the negative log marginal likelihood of a Gaussian process (ARD squared-exponential kernel plus
noise, in log-hyperparameters, with irrelevant inputs whose length scales run to the upper
bound).
"""
from __future__ import annotations

import numpy as np


def quadratic(n: int, seed: int) -> dict:
    """f = x'Ax/2 - b'x with condition number up to 1e4, random box containing the start."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    eig = np.logspace(0, rng.uniform(1, 4), n)
    a = (q * eig) @ q.T
    xstar = rng.normal(scale=2.0, size=n)
    b = a @ xstar
    lower = rng.uniform(-3, 0, size=n)
    upper = rng.uniform(0, 3, size=n)
    free = rng.random(n) < 0.2
    lower[free] = -np.inf
    upper[free & (rng.random(n) < 0.5)] = np.inf
    x0 = np.clip(rng.normal(size=n), lower, upper)

    def fun(x):
        ax = a @ x
        return 0.5 * x @ ax - b @ x, ax - b

    return dict(name=f"quadratic-n{n}-s{seed}", fun=fun, x0=x0, lower=lower, upper=upper)


def _rosen(x):
    f = np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return f, g


def rosenbrock(n: int, seed: int, bounded: bool) -> dict:
    """Chained Rosenbrock from a random start; bounded: box [-2, u] with some u_i < 1."""
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(-2, 2, size=n)
    lower = np.full(n, -np.inf)
    upper = np.full(n, np.inf)
    if bounded:
        lower[:] = -2.0
        upper[:] = np.where(rng.random(n) < 0.4, rng.uniform(0.2, 0.9, size=n), 2.0)
        x0 = np.clip(x0, lower, upper)
    kind = "bounded" if bounded else "free"
    return dict(name=f"rosenbrock-{kind}-n{n}-s{seed}", fun=_rosen, x0=x0, lower=lower,
                upper=upper)


def gp_nlml(d: int, seed: int, n_points: int = 30, noise: float = 1e-2,
            n_relevant: int | None = None, start: str = "random", noise_lower: float = 1e-6,
            jitter: float = 1e-10) -> dict:
    """Negative log marginal likelihood of an ARD squared-exponential GP.

    theta = [log l_1..log l_d, log s_f^2, log s_n^2]; y depends on the first n_relevant inputs
    only, so the other length scales are pinned at their upper bound at the optimum.  A failed
    Cholesky returns (inf, 0) as scikit-learn's GPR does; ``fun.n_failed`` counts those.
    start: "zero" (all log-hyperparameters 0), "random" (uniform in the box), or an int seed
    for another uniform start."""
    rng = np.random.default_rng(seed)
    if n_relevant is None:
        n_relevant = max(1, d - 1)
    X = rng.uniform(0, 1, size=(n_points, d))
    w = rng.normal(size=n_relevant) * 3.0
    y = np.sin(X[:, :n_relevant] @ w) + 0.5 * X[:, 0] ** 2
    y = y + noise * rng.normal(size=n_points)
    y = (y - y.mean()) / y.std()
    sq = (X[:, None, :] - X[None, :, :]) ** 2  # (N, N, d)
    lower = np.r_[np.full(d, np.log(1e-2)), np.log(1e-2), np.log(noise_lower)]
    upper = np.r_[np.full(d, np.log(1e2)), np.log(1e2), np.log(1e1)]
    eye = np.eye(n_points)

    def fun(theta):
        ell2 = np.exp(2.0 * theta[:d])
        sf2, sn2 = np.exp(theta[d]), np.exp(theta[d + 1])
        kf = sf2 * np.exp(-0.5 * np.tensordot(sq, 1.0 / ell2, axes=(2, 0)))
        k = kf + (sn2 + jitter) * eye
        try:
            L = np.linalg.cholesky(k)
        except np.linalg.LinAlgError:
            fun.n_failed += 1
            return np.inf, np.zeros_like(theta)
        alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
        f = 0.5 * y @ alpha + np.log(np.diag(L)).sum() + 0.5 * n_points * np.log(2 * np.pi)
        kinv = np.linalg.solve(L.T, np.linalg.solve(L, eye))
        inner = np.outer(alpha, alpha) - kinv  # d f / d theta_k = -tr(inner dK_k)/2
        g = np.empty_like(theta)
        g[:d] = -0.5 * np.einsum("ij,ij,ijk->k", inner, kf, sq) / ell2
        g[d] = -0.5 * np.sum(inner * kf)
        g[d + 1] = -0.5 * sn2 * np.trace(inner)
        return f, g

    fun.n_failed = 0
    if start == "random":
        x0 = rng.uniform(lower, upper)
    elif start == "zero":
        x0 = np.zeros(d + 2)
    else:
        x0 = np.random.default_rng(int(start)).uniform(lower, upper)
    return dict(name=f"gp-d{d}-s{seed}-{start}", fun=fun, x0=x0, lower=lower, upper=upper)


def suite() -> list[dict]:
    """The comparison suite used by the tests and the benchmark."""
    probs = []
    for n in (2, 5, 10, 20):
        for seed in range(5):
            probs.append(quadratic(n, seed))
    for n in (2, 5, 10):
        for seed in range(4):
            probs.append(rosenbrock(n, seed, bounded=False))
            probs.append(rosenbrock(n, seed, bounded=True))
    for d in (1, 2, 3, 4, 6):
        for seed in range(4):
            probs.append(gp_nlml(d, seed, start="zero"))
            probs.append(gp_nlml(d, seed, start="random"))
    return probs
