"""Plots of optimization results: what they draw (data of the lines), not how it looks."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from activesci.benchmarks import bench3, branin  # noqa: E402
from activesci.optimizer import dummy_minimize, minimize  # noqa: E402
from activesci.plots import (plot_convergence, plot_evaluations,  # noqa: E402
                             plot_gaussian_process, plot_objective, plot_regret)
from activesci.space import Categorical, Integer, Real  # noqa: E402


@pytest.fixture(scope="module")
def res2():
    return minimize(branin, [(-5.0, 10.0), (0.0, 15.0)], n_calls=10, n_initial_points=5,
                    random_state=0)


def test_convergence_is_running_minimum(res2):
    plt.figure()
    ax = plot_convergence(res2, true_minimum=0.397887)
    y = ax.lines[0].get_ydata()
    np.testing.assert_array_equal(y, np.minimum.accumulate(res2.func_vals))
    assert ax.lines[-1].get_ydata()[0] == pytest.approx(0.397887)
    plt.close("all")


def test_convergence_several_runs_mean(res2):
    other = dummy_minimize(branin, [(-5.0, 10.0), (0.0, 15.0)], n_calls=10, random_state=0)
    plt.figure()
    ax = plot_convergence(("bo", [res2, other]), ("random", other))
    mean = np.mean([np.minimum.accumulate(r.func_vals) for r in (res2, other)], axis=0)
    np.testing.assert_allclose(ax.lines[2].get_ydata(), mean)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["bo", "random"]
    with pytest.raises(TypeError, match="OptimizeResult"):
        plot_convergence([1, 2])
    plt.close("all")


def test_regret_is_cumulative(res2):
    plt.figure()
    ax = plot_regret(res2, true_minimum=0.397887)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.cumsum(res2.func_vals - 0.397887))
    plt.close("all")


def test_gaussian_process_1d():
    res = minimize(bench3, [(-2.0, 2.0)], n_calls=8, n_initial_points=4, random_state=0)
    plt.figure()
    ax = plot_gaussian_process(res, objective=bench3, show_acq_func=True, n_points=50)
    xs = ax.lines[0].get_xdata()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [bench3([v]) for v in xs])
    model = res.models[-1]
    mean = model.predict(res.space.transform([[v] for v in xs]))
    np.testing.assert_allclose(ax.lines[1].get_ydata(), mean, rtol=1e-8, atol=1e-10)
    with pytest.raises(ValueError, match="one-dimensional"):
        plot_gaussian_process(minimize(branin, [(-5.0, 10.0), (0.0, 15.0)], n_calls=6,
                                       n_initial_points=5, random_state=0))
    plt.close("all")


def test_objective_and_evaluations_mixed_space():
    space = [Real(0.0, 1.0, name="a"), Integer(1, 4, name="k"), Categorical(["u", "v"], name="c")]
    res = minimize(lambda x: x[0] + x[1] + (x[2] == "v"), space, n_calls=8, n_initial_points=5,
                   random_state=0)
    axes = plot_objective(res, n_points=6, n_samples=10)
    assert axes.shape == (3, 3) and axes[0, 0].get_xlabel() == "a"
    # partial dependence on "a" increases (f grows with a)
    y = axes[0, 0].lines[0].get_ydata()
    assert y[-1] > y[0]
    axes = plot_evaluations(res)
    assert axes.shape == (3, 3)
    assert sum(p.get_height() for p in axes[0, 0].patches) == 8
    plt.close("all")
