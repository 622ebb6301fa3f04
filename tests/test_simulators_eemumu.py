"""EEToMuMu against an independent NumPy implementation of the Born formulas, the Z-pole and QED
numbers, exact sampling (chi-square tests of cosθ histograms), sampled A_FB, the Fisher
information (closed form, finite differences, Monte Carlo), four-momenta, reproducibility,
and every bad input."""
import math

import numpy as np
import pytest

from activesci import _core
from activesci.simulators import HBARC2_PB, EEToMuMu

stats = pytest.importorskip("scipy.stats")
integrate = pytest.importorskip("scipy.integrate")

MZ, GZ, ALPHA = 91.1876, 2.4952, 1 / 128.952
GF = 1.1663787e-5


# ----------------------------------------------------------------------------- NumPy reference
def textbook(theta, sqrt_s, kappa=None, running=False):
    """A0, A1 of the issue's unpolarised formula, vectorised."""
    theta, sqrt_s = np.broadcast_arrays(np.asarray(theta, float), np.asarray(sqrt_s, float))
    s = sqrt_s**2
    k = 1 / (4 * theta * (1 - theta)) if kappa is None else kappa
    width = s * GZ / MZ if running else MZ * GZ
    chi = k * s / (s - MZ**2 + 1j * width)
    v, a = -0.5 + 2 * theta, -0.5
    a0 = 1 + 2 * v**2 * chi.real + (v**2 + a**2) ** 2 * np.abs(chi) ** 2
    a1 = 4 * a**2 * chi.real + 8 * v**2 * a**2 * np.abs(chi) ** 2
    return a0, a1


def helicity(theta, sqrt_s, pe=0.0, pp=0.0, kappa=None, running=False):
    """A0, A1 from complex helicity amplitudes with the standard couplings g_L = -1/2 + s_W²,
    g_R = s_W² and the Z coupling e/(s_W c_W): a different route to the same physics."""
    theta = np.asarray(theta, float)
    s = np.asarray(sqrt_s, float) ** 2
    width = s * GZ / MZ if running else MZ * GZ
    prop = s / (s - MZ**2 + 1j * width)
    # kappa * (v±a)(v±a) = (g_i g_j)/(s_W² c_W²) with g = (v±a)/2
    scale = 1 / (theta * (1 - theta)) if kappa is None else 4 * kappa
    g = {"L": -0.5 + theta, "R": theta}
    amp2 = {i + j: np.abs(1 + g[i] * g[j] * scale * prop) ** 2 for i in "LR" for j in "LR"}
    w_l, w_r = (1 - pe) * (1 + pp), (1 + pe) * (1 - pp)   # e-_L e+_R and e-_R e+_L
    # dσ/dΩ = α²/(16 s) Σ w |M|² (1 ± cosθ)²: same helicities -> (1 + c)², opposite -> (1 - c)²
    a0 = 0.25 * (w_l * (amp2["LL"] + amp2["LR"]) + w_r * (amp2["RR"] + amp2["RL"]))
    a1 = 0.5 * (w_l * (amp2["LL"] - amp2["LR"]) + w_r * (amp2["RR"] - amp2["RL"]))
    return a0, a1


def density(c, h, ce):
    return np.where(np.abs(c) <= ce, (1 + c**2 + h * c) / (2 * ce + 2 * ce**3 / 3), 0.0)


def cdf(c, h, ce):
    c = np.clip(c, -ce, ce)
    g = c + c**3 / 3 + h * c**2 / 2
    gm = -ce - ce**3 / 3 + h * ce**2 / 2
    return (g - gm) / (2 * ce + 2 * ce**3 / 3)


def window(sqrt_s, cos_max=1.0, pt_min=0.0):
    x2 = (2 * pt_min / sqrt_s) ** 2
    return 0.0 if x2 >= 1 else min(cos_max, math.sqrt(1 - x2))


# ----------------------------------------------------------------------------- known numbers
def test_z_pole_numbers():
    sim = EEToMuMu()
    assert sim.afb(MZ) == pytest.approx(0.0167, abs=5e-5)
    assert sim.cross_section(MZ) / 1000 == pytest.approx(1.98, abs=0.005)
    c = sim.coefficients(MZ)
    assert c["A0"] == pytest.approx(168.0, rel=1e-3)
    # the s-dependent width gives the same values at s = M_Z²
    assert EEToMuMu(width="running").cross_section(MZ) == pytest.approx(sim.cross_section(MZ),
                                                                         rel=1e-12)


@pytest.mark.parametrize("sqrt_s", [0.5, 1.0, 3.0, 10.0])
def test_qed_limit(sqrt_s):
    sim = EEToMuMu()
    qed = HBARC2_PB * 4 * math.pi * ALPHA**2 / (3 * sqrt_s**2)
    # the Z correction is 2 v² Re χ ~ 2 v² κ s / M_Z² at low energy
    assert abs(sim.cross_section(sqrt_s) / qed - 1) < 3e-3 * (sqrt_s / 10) ** 2 + 1e-12
    # A_FB -> (3/8) Re χ ~ -(3/8) κ s / M_Z²
    assert abs(sim.afb(sqrt_s)) < 8e-3 * (sqrt_s / 10) ** 2


def test_cross_section_and_afb_follow_the_formula_20_to_200_gev():
    energies = np.linspace(20.0, 200.0, 91)
    for theta in (0.21, 0.2312, 0.26):
        sim = EEToMuMu(sin2_theta_w=theta)
        a0, a1 = textbook(theta, energies)
        sigma = HBARC2_PB * 4 * np.pi * ALPHA**2 * a0 / (3 * energies**2)
        np.testing.assert_allclose(sim.cross_section(energies), sigma, rtol=1e-12)
        np.testing.assert_allclose(sim.afb(energies), 3 * a1 / (8 * a0), rtol=1e-11, atol=1e-15)
        # theta passed explicitly, broadcast against sqrt_s
        np.testing.assert_allclose(EEToMuMu().afb(energies, theta), 3 * a1 / (8 * a0),
                                   rtol=1e-11, atol=1e-15)


@pytest.mark.parametrize("options", [
    dict(polarization=-0.8), dict(polarization=0.9, positron_polarization=-0.3),
    dict(polarization=-1.0), dict(kappa="fermi"), dict(kappa=1.2, polarization=0.4),
    dict(width="running"), dict(width="running", polarization=-0.5, kappa="fermi")])
def test_options_match_helicity_amplitudes(options):
    sim = EEToMuMu(**options)
    kappa = options.get("kappa", "sin2theta")
    kv = {"sin2theta": None, "fermi": math.sqrt(2) * GF * MZ**2 / (4 * math.pi * ALPHA)}.get(
        kappa, kappa) if isinstance(kappa, str) else kappa
    energies = np.linspace(20.0, 200.0, 37)
    for theta in (0.22, 0.2312):
        a0, a1 = helicity(theta, energies, options.get("polarization", 0.0),
                          options.get("positron_polarization", 0.0), kv,
                          options.get("width") == "running")
        c = sim.coefficients(energies, theta)
        np.testing.assert_allclose(c["A0"], a0, rtol=1e-11)
        np.testing.assert_allclose(c["A1"], a1, rtol=1e-10, atol=1e-13)
        # derivatives in θ against central differences
        h = 1e-6
        up, dn = sim.coefficients(energies, theta + h), sim.coefficients(energies, theta - h)
        np.testing.assert_allclose(c["dA0"], (up["A0"] - dn["A0"]) / (2 * h), rtol=1e-6,
                                   atol=1e-6)
        np.testing.assert_allclose(c["dA1"], (up["A1"] - dn["A1"]) / (2 * h), rtol=1e-6,
                                   atol=1e-6)


def test_unpolarised_helicity_sum_is_the_textbook_formula():
    e = np.linspace(20, 200, 19)
    np.testing.assert_allclose(helicity(0.2312, e), textbook(0.2312, e), rtol=1e-12)


def test_left_right_asymmetry_at_the_pole():
    # σ(P) = σ(0) (1 - P A_LR) with A_LR ≈ 2 v a / (v² + a²) at the Z pole
    left = EEToMuMu(polarization=-1.0).cross_section(MZ)
    right = EEToMuMu(polarization=1.0).cross_section(MZ)
    v, a = -0.5 + 2 * 0.2312, -0.5
    assert (left - right) / (left + right) == pytest.approx(2 * v * a / (v * v + a * a), rel=0.01)
    p = -0.3
    assert EEToMuMu(polarization=p).cross_section(MZ) == pytest.approx(
        EEToMuMu().cross_section(MZ) * (1 - p * (left - right) / (left + right)), rel=1e-12)


@pytest.mark.parametrize("cos_max, pt_min", [(0.8, 0.0), (1.0, 25.0), (0.95, 30.0)])
def test_fiducial_cross_section_and_afb_integrate_the_density(cos_max, pt_min):
    sim = EEToMuMu(cos_max=cos_max, pt_min=pt_min, polarization=-0.4)
    for sqrt_s in (70.0, 91.1876, 150.0):
        c = sim.coefficients(sqrt_s)
        ce = window(sqrt_s, cos_max, pt_min)
        assert c["c_eff"] == pytest.approx(ce, rel=1e-14)
        pref = HBARC2_PB * math.pi * ALPHA**2 / (2 * sqrt_s**2)

        def dsig(x):
            return pref * (c["A0"] * (1 + x * x) + c["A1"] * x)
        total = integrate.quad(dsig, -1, 1)[0]
        fid = integrate.quad(dsig, -ce, ce)[0]
        fwd = integrate.quad(dsig, 0, ce)[0]
        assert sim.cross_section(sqrt_s, fiducial=False) == pytest.approx(total, rel=1e-12)
        assert sim.cross_section(sqrt_s) == pytest.approx(fid, rel=1e-12)
        assert sim.afb(sqrt_s) == pytest.approx((2 * fwd - fid) / fid, rel=1e-10, abs=1e-14)
    # nothing passes a pT cut above the beam energy
    assert EEToMuMu(pt_min=60.0).cross_section(100.0) == 0.0
    assert math.isnan(EEToMuMu(pt_min=60.0).afb(100.0))


# ----------------------------------------------------------------------------- sampling
VARIANTS = [dict(), dict(cos_max=0.8), dict(pt_min=15.0, cos_max=0.95),
            dict(polarization=-0.8), dict(polarization=0.7, positron_polarization=-0.2,
                                          cos_max=0.9, pt_min=10.0, width="running"),
            dict(kappa="fermi")]


@pytest.mark.parametrize("options", VARIANTS)
def test_sampled_histograms_match_the_exact_density(options):
    sim = EEToMuMu(**options)
    n, n_bins = 200_000, 40
    energies = [18.0, 40.0, MZ / 2, 47.0, 90.0]
    theta = 0.2312
    for k, e in enumerate(energies):
        data = sim.simulate(theta, e, n, random_state=1000 + k)
        c = sim.coefficients(2 * e, theta)
        h, ce = c["A1"] / c["A0"], c["c_eff"]
        assert np.all(np.abs(data) <= ce)
        edges = np.linspace(-ce, ce, n_bins + 1)
        counts, _ = np.histogram(data, edges)
        expected = n * np.diff(cdf(edges, h, ce))
        res = stats.chisquare(counts, expected)
        assert res.pvalue > 1e-4, (e, res)
        # and a KS test against the exact CDF
        assert stats.kstest(data, lambda t: cdf(t, h, ce)).pvalue > 1e-4


def test_sampled_afb_is_within_its_statistical_error_20_to_200_gev():
    sim = EEToMuMu()
    n = 100_000
    energies = np.linspace(20.0, 200.0, 13)
    pulls = []
    for i, sqrt_s in enumerate(energies):
        x = sim.simulate(0.2312, sqrt_s / 2, n, random_state=i)
        a = sim.afb(sqrt_s)
        est = (np.sum(x > 0) - np.sum(x < 0)) / n
        pulls.append((est - a) / math.sqrt((1 - a * a) / n))
    pulls = np.array(pulls)
    assert np.all(np.abs(pulls) < 4.0), pulls
    assert abs(pulls.mean()) < 4.0 / math.sqrt(len(pulls))


def test_inverse_cdf_is_exact():
    u = np.linspace(0.0, 1.0, 4001)
    for h in (-2.0, -1.7, -0.3, 0.0, 0.4, 1.99, 2.0):
        for ce in (1.0, 0.6, 0.05):
            c = _core.ee_mumu_inverse_cdf(h, ce, u)
            assert np.all(np.diff(c) >= -1e-15)
            assert np.max(np.abs(cdf(c, h, ce) - u)) < 1e-14


# ----------------------------------------------------------------------------- density, Fisher
@pytest.mark.parametrize("options", VARIANTS)
def test_logpdf_is_normalised_and_score_is_its_derivative(options):
    sim = EEToMuMu(**options)
    for e in (20.0, 45.0, 80.0):
        ce = sim.coefficients(2 * e)["c_eff"]
        total = integrate.quad(lambda t: math.exp(sim.logpdf(t, 0.23, e)), -ce, ce,
                               epsabs=1e-13)[0]
        assert total == pytest.approx(1.0, abs=1e-9)
        x = np.linspace(-ce, ce, 13)
        h = 1e-6
        fd = (sim.logpdf(x, 0.23 + h, e) - sim.logpdf(x, 0.23 - h, e)) / (2 * h)
        np.testing.assert_allclose(sim.score(x, 0.23, e), fd, rtol=1e-5, atol=1e-7)
        c = sim.coefficients(2 * e, 0.23)
        np.testing.assert_allclose(np.exp(sim.logpdf(x, 0.23, e)),
                                   density(x, c["A1"] / c["A0"], ce), rtol=1e-13)
    # outside the acceptance: -inf
    if sim.cos_max < 1:
        assert sim.logpdf(0.999, 0.23, 45.0) == -np.inf


def fisher_closed_form(h, dh, ce):
    """dh² ∫ c²/(1 + c² + h c) dc / Z over [-ce, ce]."""
    w = math.sqrt(1 - h * h / 4)

    def prim(c):
        return (c - 0.5 * h * math.log(c * c + h * c + 1)
                - (1 - h * h / 2) / w * math.atan((c + h / 2) / w))
    return dh * dh * (prim(ce) - prim(-ce)) / (2 * ce + 2 * ce**3 / 3)


@pytest.mark.parametrize("options", VARIANTS)
def test_fisher_information_closed_form_and_finite_differences(options):
    sim = EEToMuMu(**options)
    energies = np.linspace(10.0, 100.0, 31)
    info = sim.fisher_information(0.2312, energies)
    for e, got in zip(energies, info):
        c = sim.coefficients(2 * e, 0.2312)
        if c["c_eff"] == 0:
            assert got == 0
            continue
        h = c["A1"] / c["A0"]
        dh = (c["dA1"] * c["A0"] - c["A1"] * c["dA0"]) / c["A0"] ** 2
        assert got == pytest.approx(fisher_closed_form(h, dh, c["c_eff"]), rel=1e-10)
    # against finite differences of the exact logpdf, integrated by adaptive quadrature
    for e in (30.0, 46.0, 70.0):
        ce = sim.coefficients(2 * e)["c_eff"]
        eps = 1e-5

        def integrand(t):
            lp = sim.logpdf(t, 0.2312, e)
            d = (sim.logpdf(t, 0.2312 + eps, e) - sim.logpdf(t, 0.2312 - eps, e)) / (2 * eps)
            return math.exp(lp) * d * d
        ref = integrate.quad(integrand, -ce, ce, epsabs=1e-12)[0]
        assert sim.fisher_information(0.2312, e) == pytest.approx(ref, rel=1e-6)


def test_fisher_information_monte_carlo_and_most_informative_energy():
    sim = EEToMuMu()
    for e in (25.0, 40.0, 60.0):
        x = sim.simulate(0.2312, e, 200_000, random_state=7)
        sc2 = sim.score(x, 0.2312, e) ** 2
        info = sim.fisher_information(0.2312, e)
        assert abs(sc2.mean() - info) < 4.5 * sc2.std() / math.sqrt(sc2.size)
    # per event, the shape information in sin²θ_W peaks just below the Z (γ-Z interference)
    energies = np.linspace(10.0, 100.0, 901)
    best = energies[np.argmax(sim.fisher_information(0.2312, energies))]
    assert 35.0 < best < MZ / 2
    # broadcasting and the quadrature order
    grid = sim.fisher_information(np.array([[0.22], [0.24]]), np.array([30.0, 40.0, 50.0]))
    assert grid.shape == (2, 3)
    assert sim.fisher_information(0.23, 40.0, n_nodes=200) == pytest.approx(
        sim.fisher_information(0.23, 40.0), rel=1e-12)


# ----------------------------------------------------------------------------- four-momenta
def test_four_momenta():
    cos_sim = EEToMuMu()
    p_sim = EEToMuMu(output="four_momenta")
    theta = [0.2, 0.3]
    c = cos_sim.simulate(theta, 45.0, 1000, random_state=3)
    p = p_sim.simulate(theta, 45.0, 1000, random_state=3)
    assert p.shape == (2, 1000, 8) and p_sim.event_shape == (8,)
    np.testing.assert_allclose(p[..., 3] / p[..., 0], c, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(p[..., 0], 45.0)
    np.testing.assert_array_equal(p[..., 4], 45.0)
    np.testing.assert_array_equal(p[..., 1:4] + p[..., 5:8], 0.0)
    mass2 = p[..., 0] ** 2 - np.sum(p[..., 1:4] ** 2, axis=-1)
    assert np.max(np.abs(mass2)) < 1e-9
    # azimuth uniform
    phi = np.arctan2(p[..., 2], p[..., 1]).ravel()
    assert stats.kstest(phi, stats.uniform(-np.pi, 2 * np.pi).cdf).pvalue > 1e-4
    # density in (cosθ, azimuth)
    np.testing.assert_allclose(p_sim.logpdf(p, theta, 45.0),
                               cos_sim.logpdf(c, theta, 45.0) - math.log(2 * math.pi),
                               rtol=1e-13)
    assert p_sim.logpdf(p[0, 0], 0.2, 45.0).shape == ()
    with pytest.raises(ValueError, match="event shape"):
        p_sim.logpdf(c, theta, 45.0)


# ----------------------------------------------------------------------------- reproducibility
def test_reproducible_and_independent_of_batch_splitting_and_threads():
    sim = EEToMuMu(polarization=-0.3, cos_max=0.9)
    theta = np.linspace(0.15, 0.35, 9)
    a = sim.simulate(theta, 40.0, 500, random_state=11)
    np.testing.assert_array_equal(a, sim.simulate(theta, 40.0, 500, random_state=11))
    assert not np.array_equal(a, sim.simulate(theta, 40.0, 500, random_state=12))
    parts = [sim.simulate(theta[:4], 40.0, 500, random_state=11),
             sim.simulate(theta[4:], 40.0, 500, random_state=11, stream_offset=4)]
    np.testing.assert_array_equal(a, np.concatenate(parts))
    np.testing.assert_array_equal(a, sim.simulate(theta, 40.0, 500, random_state=11, n_jobs=3))
    # one point equals the matching row of a batch
    np.testing.assert_array_equal(a[0], sim.simulate(theta[0], 40.0, 500, random_state=11))
    np.testing.assert_array_equal(a, sim.simulate(theta[:, None], 40.0, 500, random_state=11))
    # a Generator seeds from its stream: same state, same data
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    np.testing.assert_array_equal(sim.simulate(theta, 40.0, 10, random_state=g1),
                                  sim.simulate(theta, 40.0, 10, random_state=g2))
    # the C model built from the spec is the same model
    spec = sim._c_model_spec()
    np.testing.assert_array_equal(a, _core.sim_simulate(spec, theta[:, None], 40.0, 500, 11))
    # inputs are not modified, zero events is an empty array
    before = theta.copy()
    sim.simulate(theta, 40.0, 3)
    np.testing.assert_array_equal(theta, before)
    assert sim.simulate(theta, 40.0, 0).shape == (9, 0)


def test_params_clone_and_repr():
    sklearn_base = pytest.importorskip("sklearn.base")
    sim = EEToMuMu(polarization=-0.8, cos_max=0.9, theta_bounds=(0.2, 0.3))
    other = sklearn_base.clone(sim)
    assert other.get_params() == sim.get_params()
    assert "polarization=-0.8" in repr(sim) and "cos_max=0.9" in repr(sim)
    assert repr(EEToMuMu()) == "EEToMuMu()"
    assert "<code>" in sim._repr_html_()
    sim.set_params(phi_bounds=(20.0, 50.0), output="four_momenta")
    assert sim.phi_bounds == (20.0, 50.0) and sim.event_shape == (8,)
    with pytest.raises(ValueError, match="Invalid parameter"):
        sim.set_params(beam_energy=3)
    assert sim.param_names == ("sin2_theta_w",)
    np.testing.assert_array_equal(sim.theta_bounds, [[0.2, 0.3]])


# ----------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("theta, match", [
    (0.05, "sin2_theta_w = 0.05, outside theta_bounds"), (0.5, "outside theta_bounds"),
    ([0.2, np.nan], "NaN"), ([0.2, np.inf], "NaN or infinity"),
    (np.zeros((2, 2)) + 0.2, r"shape \(n_theta, 1\)"), (np.zeros((1, 1, 1)) + 0.2, "2-D batch"),
    ([], "empty")])
def test_bad_theta(theta, match):
    with pytest.raises(ValueError, match=match):
        EEToMuMu().simulate(theta, 45.0, 10)


@pytest.mark.parametrize("phi, match", [
    (0.0, "outside phi_bounds"), (-3.0, "outside phi_bounds"), (5.0, "outside phi_bounds"),
    (np.nan, "finite"), ([40.0, 41.0], "single number")])
def test_bad_phi(phi, match):
    with pytest.raises(ValueError, match=match):
        EEToMuMu().simulate(0.2, phi, 10)


def test_bad_n_random_state_and_types():
    sim = EEToMuMu()
    with pytest.raises(ValueError, match="n .*>= 0"):
        sim.simulate(0.2, 45.0, -1)
    with pytest.raises(TypeError, match="n .*integer"):
        sim.simulate(0.2, 45.0, 2.5)
    with pytest.raises(TypeError, match="random_state"):
        sim.simulate(0.2, 45.0, 2, random_state="seed")
    with pytest.raises(ValueError, match="random_state"):
        sim.simulate(0.2, 45.0, 2, random_state=-1)
    with pytest.raises(TypeError, match="theta"):
        sim.simulate("abc", 45.0, 2)
    with pytest.raises(ValueError, match="stream_offset"):
        sim.simulate(0.2, 45.0, 2, stream_offset=-1)
    with pytest.raises(ValueError, match="n_jobs"):
        sim.simulate(0.2, 45.0, 2, n_jobs=0)
    assert sim.simulate(0.2, 45.0, 2.0).shape == (2,)  # an integral float is accepted


@pytest.mark.parametrize("options, exc, match", [
    (dict(kappa="foo"), ValueError, "kappa"), (dict(kappa=-1.0), ValueError, "kappa"),
    (dict(kappa=None), TypeError, "kappa"), (dict(width="wide"), ValueError, "width"),
    (dict(output="px"), ValueError, "output"), (dict(polarization=1.5), ValueError,
                                                "polarization"),
    (dict(positron_polarization=-2), ValueError, "positron polarization"),
    (dict(polarization=1.0, positron_polarization=1.0), ValueError, "polarizations"),
    (dict(cos_max=0.0), ValueError, "cos_max"), (dict(cos_max=1.5), ValueError, "cos_max"),
    (dict(pt_min=-1.0), ValueError, "pt_min"), (dict(pt_min=50.0), ValueError, "pt_min"),
    (dict(mz=-91.0), ValueError, "mz"), (dict(gamma_z=np.nan), ValueError, "gamma_z"),
    (dict(alpha=2.0), ValueError, "alpha"), (dict(mz="91"), TypeError, "mz"),
    (dict(theta_bounds=(0.4, 0.1)), ValueError, "theta_bounds"),
    (dict(theta_bounds=(0.0, 0.4)), ValueError, "theta_bounds"),
    (dict(phi_bounds=(0.0, 100.0)), ValueError, "phi_bounds"),
    (dict(phi_bounds=(10.0, np.inf)), ValueError, "phi_bounds")])
def test_bad_options(options, exc, match):
    sim = EEToMuMu(**options)  # the constructor only stores
    with pytest.raises(exc, match=match):
        sim.simulate(0.2, 45.0, 10)


def test_bad_arguments_of_the_physics_methods():
    sim = EEToMuMu()
    with pytest.raises(ValueError, match="sqrt_s"):
        sim.cross_section(-10.0)
    with pytest.raises(ValueError, match="sqrt_s"):
        sim.afb([10.0, np.nan])
    with pytest.raises(ValueError, match="theta"):
        sim.cross_section(90.0, theta=1.0)
    with pytest.raises(ValueError, match="phi"):
        sim.fisher_information(0.2, 0.0)
    with pytest.raises(TypeError, match="phi"):
        sim.fisher_information(0.2)
    with pytest.raises(ValueError, match="n_nodes"):
        sim.fisher_information(0.2, 40.0, n_nodes=1)
    with pytest.raises(ValueError, match="rows"):
        sim.logpdf(np.zeros((3, 4)), [0.2, 0.25], 45.0)
    with pytest.raises(ValueError, match="outside theta_bounds"):
        sim.logpdf([0.1], 0.9, 45.0)


def test_model_spec_contract():
    sim = EEToMuMu(kappa=1.3, width="running", polarization=-0.5, output="four_momenta")
    name, params = sim._c_model_spec()
    assert name == "ee_mumu"
    assert params["kappa_mode"] == 2 and params["kappa"] == 1.3 and params["width_mode"] == 1
    assert params["pol_electron"] == -0.5 and params["output"] == 1
    assert set(params) == {"mz", "gamma_z", "alpha", "g_fermi", "pol_electron", "pol_positron",
                           "cos_max", "pt_min", "kappa_mode", "kappa", "width_mode", "output",
                           "theta_lo", "theta_hi", "phi_lo", "phi_hi"}
    # the C model built from the spec: n_outputs = 8 n_events for four-momenta
    assert _core.sim_simulate((name, params), [[0.2]], 45.0, 3, 1).shape == (1, 24)
    with pytest.raises(ValueError, match="no parameter 'beam'"):
        _core.sim_simulate(("ee_mumu", {"beam": 1.0}), [[0.2]], 45.0, 3, 1)
    with pytest.raises(ValueError, match="unknown built-in model"):
        _core.sim_simulate(("zz", {}), [[0.2]], 45.0, 3, 1)
    with pytest.raises(TypeError, match="tuple"):
        _core.sim_simulate(["ee_mumu", {}], [[0.2]], 45.0, 3, 1)
    with pytest.raises(TypeError, match="integer"):
        _core.sim_simulate(("ee_mumu", {"output": "x"}), [[0.2]], 45.0, 3, 1)
    with pytest.raises(ValueError, match="theta .* outside its bounds"):
        _core.sim_simulate(("ee_mumu", {}), [[0.9]], 45.0, 3, 1)
    with pytest.raises(ValueError, match="column"):
        _core.sim_simulate(("ee_mumu", {}), [[0.2, 0.3]], 45.0, 3, 1)
