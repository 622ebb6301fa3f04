"""Search spaces and initial designs, against scikit-optimize's Space and scipy's QMC."""
import numpy as np
import pytest

from activesci.sampler import grid, initial_design, lhs_maximin
from activesci.space import Categorical, Integer, Real, Space, check_dimension, use_named_args

skopt_space = pytest.importorskip("skopt.space")


def test_transform_matches_skopt_normalize():
    ours = Space([Real(-5.0, 10.0), Real(1e-4, 1.0, prior="log-uniform"), Integer(2, 9)])
    ref = skopt_space.Space([skopt_space.Real(-5.0, 10.0, transform="normalize"),
                             skopt_space.Real(1e-4, 1.0, prior="log-uniform",
                                              transform="normalize"),
                             skopt_space.Integer(2, 9, transform="normalize")])
    pts = ref.rvs(50, random_state=0)
    np.testing.assert_allclose(ours.transform(pts), ref.transform(pts), rtol=1e-12, atol=1e-12)
    U = np.random.default_rng(0).random((50, 3))
    back = ours.inverse_transform(U)
    ref_back = ref.inverse_transform(U)
    for a, b in zip(back, ref_back):
        np.testing.assert_allclose(a[:2], b[:2], rtol=1e-12)
        assert a[2] == b[2] and isinstance(a[2], int)


def test_categorical_one_hot_matches_skopt():
    ours = Categorical(["a", "b", "c"])
    ref = skopt_space.Categorical(["a", "b", "c"], transform="onehot")
    vals = ["c", "a", "b", "b"]
    np.testing.assert_array_equal(ours.transform(vals), ref.transform(vals))
    assert ours.inverse_transform(ours.transform(vals)) == vals


def test_shorthand_as_skopt():
    space = Space([(0, 5), (0.0, 1.0), (1e-3, 1.0, "log-uniform"), ["x", "y"], ("p", "q", "r")])
    kinds = [type(d).__name__ for d in space.dimensions]
    assert kinds == ["Integer", "Real", "Real", "Categorical", "Categorical"]
    assert space.dimensions[2].prior == "log-uniform"
    assert space.transformed_n_dims == 1 + 1 + 1 + 2 + 3
    assert space.dimension_names == ["X_0", "X_1", "X_2", "X_3", "X_4"]
    assert space.bounds[0] == (0, 5)


def test_rvs_inside_and_reproducible():
    space = Space([Real(-1, 1), Integer(0, 3), Categorical(["a", "b"]),
                   Real(1e-2, 1e2, prior="log-uniform")])
    a = space.rvs(200, random_state=3)
    assert a == space.rvs(200, random_state=3)
    for p in a:
        assert space.check_point(p) == p
    ints = {p[1] for p in a}
    assert ints == {0, 1, 2, 3}
    logs = np.log10([p[3] for p in a])
    assert abs(np.mean(logs)) < 0.3  # log-uniform: symmetric in log


@pytest.mark.parametrize("bad, word", [
    (Real, "low must be < high"),
])
def test_reversed_bounds(bad, word):
    with pytest.raises(ValueError, match=word):
        bad(2.0, 1.0)


def test_invalid_dimensions_name_the_dimension():
    with pytest.raises(ValueError, match="'lr'.*low > 0"):
        Real(0.0, 1.0, prior="log-uniform", name="lr")
    with pytest.raises(ValueError, match="dimension 1.*low must be < high"):
        Space([(0.0, 1.0), (3.0, 3.0)])
    with pytest.raises(ValueError, match="dimension 0.*empty"):
        Space([[]])
    with pytest.raises(ValueError, match="'k'.*low must be < high"):
        Integer(5, 1, name="k")
    with pytest.raises(ValueError, match="finite"):
        Real(0.0, np.inf)
    with pytest.raises(ValueError, match="prior"):
        Real(0.0, 1.0, prior="gaussian")
    with pytest.raises(ValueError, match="distinct"):
        Categorical(["a", "a"])
    with pytest.raises(ValueError, match="at least one"):
        Space([])
    with pytest.raises(ValueError, match="names must be distinct"):
        Space([Real(0, 1, name="a"), Real(0, 1, name="a")])


def test_check_point():
    space = Space([Real(0.0, 1.0), Integer(1, 3), ["u", "v"]])
    assert space.check_point([0.5, 2, "v"]) == [0.5, 2, "v"]
    assert space.check_point(np.array([0.5, 2.0, 1.0])[:2].tolist() + ["u"]) == [0.5, 2, "u"]
    with pytest.raises(ValueError, match="outside"):
        space.check_point([1.5, 2, "v"])
    with pytest.raises(ValueError, match="outside"):
        space.check_point([0.5, 2.5, "v"])
    with pytest.raises(ValueError, match="outside"):
        space.check_point([0.5, 2, "w"])
    with pytest.raises(ValueError, match="3 dimensions"):
        space.check_point([0.5, 2])


def test_to_from_dict_roundtrip():
    space = Space([Real(1e-3, 1.0, prior="log-uniform", name="lr"), Integer(1, 4),
                   Categorical(["a", "b"], prior=[0.25, 0.75])])
    assert Space.from_dict(space.to_dict()) == space


def test_use_named_args():
    dims = [Real(0, 1, name="a"), Categorical(["x", "y"], name="b")]

    @use_named_args(dims)
    def f(a, b):
        return (a, b)

    assert f([0.25, "y"]) == (0.25, "y")
    with pytest.raises(ValueError, match="name"):
        use_named_args([Real(0, 1)])


def test_check_dimension_integer_vs_real():
    assert isinstance(check_dimension((1, 3)), Integer)
    assert isinstance(check_dimension((1.0, 3)), Real)


# ---------------------------------------------------------------- designs


def test_sobol_is_scipy_scrambled_sobol():
    from scipy.stats import qmc

    U = initial_design("sobol", 16, 3, random_state=5)
    # a scrambled Sobol' set of 2^4 points is a (t, m, s)-net: balanced in each coordinate
    for j in range(3):
        counts = np.bincount((U[:, j] * 16).astype(int), minlength=16)
        assert np.all(counts == 1)
    assert qmc.discrepancy(U) < qmc.discrepancy(np.random.default_rng(0).random((16, 3)))
    np.testing.assert_array_equal(U, initial_design("sobol", 16, 3, random_state=5))
    assert not np.array_equal(U, initial_design("sobol", 16, 3, random_state=6))


@pytest.mark.parametrize("method", ["random", "sobol", "halton", "lhs", "grid"])
def test_designs_shape_range(method):
    U = initial_design(method, 10, 4, random_state=0)
    assert U.shape == (10, 4)
    assert np.all((U >= 0) & (U <= 1))
    assert len({tuple(r) for r in U}) == 10


def test_lhs_is_latin_and_maximin_beats_single():
    U = lhs_maximin(8, 3, random_state=0, n_candidates=30)
    for j in range(3):
        assert sorted((U[:, j] * 8).astype(int)) == list(range(8))

    def mind(V):
        dd = np.sqrt(((V[:, None] - V[None]) ** 2).sum(-1))
        return dd[np.triu_indices(len(V), 1)].min()

    singles = [mind(lhs_maximin(8, 3, random_state=s, n_candidates=1)) for s in range(30)]
    assert mind(U) >= np.median(singles)


def test_grid_levels():
    U = grid(9, 2, random_state=0)
    assert sorted(set(np.round(U[:, 0], 12))) == pytest.approx([1 / 6, 0.5, 5 / 6])


def test_unknown_generator():
    with pytest.raises(ValueError, match="initial_point_generator"):
        initial_design("mc", 3, 2)
