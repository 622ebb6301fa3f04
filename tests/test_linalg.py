"""The C core's recursive Cholesky factorization (the GP's) against LAPACK through NumPy and
SciPy: the same factor, the same failures, any array a user can pass."""
import numpy as np
import pytest
import scipy.linalg

from activesci import _core
from activesci.exceptions import NotPositiveDefiniteError


def matern_matrix(n, nugget, seed=0):
    """A Matern-5/2 kernel matrix of n points in [0, 1] (length scale 0.3) plus a nugget:
    condition ~1e9-1e12 for n = 17-301 at nugget 1e-10."""
    x = np.random.default_rng(seed).uniform(size=n)
    d = np.sqrt(5.0) * np.abs(x[:, None] - x[None, :]) / 0.3
    return (1 + d + d * d / 3) * np.exp(-d) + nugget * np.eye(n)


@pytest.mark.parametrize("n", [1, 2, 15, 16, 17, 33, 100, 257, 600])
def test_matches_lapack_on_well_conditioned_matrices(n):
    A = matern_matrix(n, 1e-2, seed=n)
    L = _core.cholesky(A)
    ref = np.linalg.cholesky(A)
    np.testing.assert_allclose(L, ref, rtol=0, atol=1e-13 * np.abs(ref).max())
    assert np.all(np.triu(L, 1) == 0)


@pytest.mark.parametrize("n", [64, 301])
def test_backward_error_as_lapack_on_ill_conditioned_matrices(n):
    A = matern_matrix(n, 1e-10, seed=n)
    assert np.linalg.cond(A) > 1e9
    L = _core.cholesky(A)
    ref = scipy.linalg.cholesky(A, lower=True)
    ours = np.abs(L @ L.T - A).max() / np.abs(A).max()
    lapack = np.abs(ref @ ref.T - A).max() / np.abs(A).max()
    assert ours <= 4 * lapack + 1e-15


def test_failing_minor_is_named_and_input_kept():
    A = matern_matrix(40, 1e-2)
    A[25, 25] = -1.0
    keep = A.copy()
    with pytest.raises(NotPositiveDefiniteError, match="leading minor 26"):
        _core.cholesky(A)
    np.testing.assert_array_equal(A, keep)  # the caller's array is not touched


def test_any_array_like():
    A = matern_matrix(30, 1e-2)
    ref = np.linalg.cholesky(A)
    big = np.zeros((60, 60))
    big[::2, ::2] = A
    for a in (A.tolist(), np.asfortranarray(A), A.astype(np.float32), big[::2, ::2]):
        tol = 1e-5 if np.asarray(a).dtype == np.float32 else 1e-13
        np.testing.assert_allclose(_core.cholesky(a), ref, rtol=0, atol=tol)


@pytest.mark.parametrize("bad, exc", [
    (np.ones((2, 3)), ValueError),
    (np.ones(3), ValueError),
    (np.full((2, 2), np.nan), ValueError),
    (np.array([[1.0, 0.0], [0.0, np.inf]]), ValueError),
])
def test_bad_input(bad, exc):
    with pytest.raises(exc):
        _core.cholesky(bad)


def test_empty_matrix_has_an_empty_factor():
    assert _core.cholesky(np.empty((0, 0))).shape == np.linalg.cholesky(np.empty((0, 0))).shape
