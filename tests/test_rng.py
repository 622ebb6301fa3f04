"""The C core's counter-based RNG against NumPy's Philox and the normal/uniform laws."""
import numpy as np
import pytest

from activesci import _core


@pytest.mark.parametrize("key", [0, 1, 2**63 + 5, 2**64 - 1])
@pytest.mark.parametrize("counter", [0, 1, 2**64 - 2])
def test_philox_block_equals_numpy(key, counter):
    # numpy's Philox increments its counter before producing a block
    ref = np.random.Philox(key=key, counter=counter).random_raw(4)
    got = _core.philox_block((counter + 1) % 2**64, 1 if counter + 1 == 2**64 else 0, 0, 0,
                             key % 2**64, key >> 64)
    assert tuple(int(v) for v in ref) == got


def test_streams_are_reproducible_and_distinct():
    a = _core.rng_draw(5, 0, 1000, 0)
    b = _core.rng_draw(5, 0, 1000, 0)
    c = _core.rng_draw(5, 1, 1000, 0)
    np.testing.assert_array_equal(a, b)
    assert not np.any(a == c)


def test_normal_and_uniform_distributions():
    stats = pytest.importorskip("scipy.stats")
    z = _core.rng_draw(11, 3, 200_000, 1)
    u = _core.rng_draw(11, 4, 200_000, 0)
    e = _core.rng_draw(11, 5, 200_000, 2)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert stats.kstest(e, "expon").pvalue > 1e-3
    # the far tail (|z| > R = 3.654, sampled by Marsaglia's tail method) has the right mass
    p = 2 * stats.norm.sf(3.6541528853610092)
    n = z.size
    assert abs(np.mean(np.abs(z) > 3.6541528853610092) - p) < 5 * np.sqrt(p / n)


def test_rng_draw_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n must be"):
        _core.rng_draw(1, 0, -1, 0)
    with pytest.raises(ValueError, match="kind"):
        _core.rng_draw(1, 0, 3, 7)
