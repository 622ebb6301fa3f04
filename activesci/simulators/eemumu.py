r"""e+e- -> μ+μ- at Born level with photon and Z exchange (massless fermions).

The parameter is θ = sin²θ_W, the design φ the beam energy E_beam = √s/2 (GeV).  For an
unpolarised collision

    dσ/dcosθ = (πα²/2s) [A0 (1 + cos²θ) + A1 cosθ],
    A0 = 1 + 2 v² Re χ + (v² + a²)² |χ|²,   A1 = 4 a² Re χ + 8 v² a² |χ|²,
    χ = κ s / (s - M_Z² + i M_Z Γ_Z),  v = -1/2 + 2 sin²θ_W,  a = -1/2,
    σ = 4πα² A0 / (3s),  A_FB = 3 A1 / (8 A0),

with cosθ the angle between the μ- and the e- beam (A_FB > 0: the μ- follows the e-).
References: Particle Data Group, "Electroweak model and constraints on new physics" (review,
section on Z-pole physics: the cross section near the Z and the asymmetries); F. Halzen and
A. D. Martin, *Quarks and Leptons* (Wiley 1984), section 13.6 (e+e- -> μ+μ- with Z exchange);
M. E. Peskin and D. V. Schroeder, *An Introduction to Quantum Field Theory* (1995), section 5.1
(QED limit σ = 4πα²/3s) and problem 5.2.  docs/simulators.md derives the polarised form from
the helicity amplitudes M_ij = 1 + g_i g_j χ (g_L = v + a, g_R = v - a).

Sampling, densities, cross sections and the Fisher information run in C
(``csrc/simulators.c``): exact inverse-CDF sampling, no rejection.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Optional, Tuple, Union

import numpy as np

from .. import _core
from .._validation import as_float_array
from .base import Simulator, _bounds_array

__all__ = ["EEToMuMu", "HBARC2_PB"]

#: (ħc)² in pb GeV²: converts GeV⁻² to picobarn
HBARC2_PB = 0.3893794e9

_KAPPA = {"sin2theta": 0, "fermi": 1}
_WIDTH = {"fixed": 0, "running": 1}
_OUTPUT = {"costheta": 0, "four_momenta": 1}
_PARAMS = ("sin2_theta_w", "mz", "gamma_z", "alpha", "g_fermi", "kappa", "width",
           "polarization", "positron_polarization", "cos_max", "pt_min", "output",
           "theta_bounds", "phi_bounds")


class EEToMuMu(Simulator):
    r"""e+e- -> μ+μ- (γ + Z, Born level): θ = sin²θ_W, φ = beam energy in GeV.

    Parameters
    ----------
    sin2_theta_w : float, default=0.2312
        The θ used by :meth:`cross_section`, :meth:`afb` and :meth:`coefficients` when no
        ``theta`` is given.
    mz, gamma_z : float, default=91.1876, 2.4952
        Z mass and width in GeV.
    alpha : float, default=1/128.952
        The fine-structure constant, α(M_Z) by default.
    g_fermi : float, default=1.1663787e-5
        The Fermi constant in GeV⁻², used by ``kappa="fermi"``.
    kappa : "sin2theta", "fermi" or float, default="sin2theta"
        Normalisation of χ: 1/(4 sin²θ_W cos²θ_W) tied to θ; √2 G_F M_Z²/(4πα) fixed (the
        effective-angle convention of the improved Born approximation); or a given number.
    width : "fixed" or "running", default="fixed"
        Z propagator s - M_Z² + i M_Z Γ_Z, or with the s-dependent width i s Γ_Z/M_Z.
    polarization, positron_polarization : float in [-1, 1], default=0
        Longitudinal (helicity) polarisation (N_R - N_L)/(N_R + N_L) of the e- and e+ beams;
        -1 is a purely left-handed beam.
    cos_max : float in (0, 1], default=1
        Acceptance |cosθ| < cos_max.
    pt_min : float >= 0, default=0
        Acceptance muon pT > pt_min GeV (pT = E_beam sinθ).
    output : "costheta" or "four_momenta", default="costheta"
        What an event is: cosθ of the μ-, or the eight numbers (E, px, py, pz) of the μ- and
        then of the μ+ in GeV (e- beam along +z).
    theta_bounds : (float, float), default=(0.1, 0.4)
        Bounds of sin²θ_W (inside (0, 1)).
    phi_bounds : (float, float), default=(10, 100)
        Bounds of the beam energy in GeV (√s from 20 to 200 GeV).

    Examples
    --------
    >>> sim = EEToMuMu()
    >>> round(sim.cross_section(91.1876) / 1000, 2)   # nb at the Z pole
    1.98
    >>> round(sim.afb(91.1876), 4)
    0.0167
    >>> x = sim.simulate([0.22, 0.24], phi=45.0, n=1000, random_state=0)
    >>> x.shape
    (2, 1000)
    """

    def __init__(self, *, sin2_theta_w: float = 0.2312, mz: float = 91.1876,
                 gamma_z: float = 2.4952, alpha: float = 1.0 / 128.952,
                 g_fermi: float = 1.1663787e-5, kappa: Union[str, float] = "sin2theta",
                 width: str = "fixed", polarization: float = 0.0,
                 positron_polarization: float = 0.0, cos_max: float = 1.0,
                 pt_min: float = 0.0, output: str = "costheta",
                 theta_bounds: Any = (0.1, 0.4), phi_bounds: Any = (10.0, 100.0)):
        self.sin2_theta_w = sin2_theta_w
        self.mz = mz
        self.gamma_z = gamma_z
        self.alpha = alpha
        self.g_fermi = g_fermi
        self.kappa = kappa
        self.width = width
        self.polarization = polarization
        self.positron_polarization = positron_polarization
        self.cos_max = cos_max
        self.pt_min = pt_min
        self.output = output
        self.theta_bounds_arg = theta_bounds
        self.phi_bounds_arg = phi_bounds

    # constructor names theta_bounds/phi_bounds are properties of the interface
    def get_params(self, deep: bool = True) -> dict:
        out = {k: getattr(self, k) for k in _PARAMS[:-2]}
        out["theta_bounds"] = self.theta_bounds_arg
        out["phi_bounds"] = self.phi_bounds_arg
        return out

    def set_params(self, **params: Any) -> "EEToMuMu":
        for key, value in params.items():
            if key not in _PARAMS:
                raise ValueError(f"Invalid parameter {key!r} for EEToMuMu; valid parameters "
                                 f"are {sorted(_PARAMS)}")
            setattr(self, key + "_arg" if key.endswith("_bounds") else key, value)
        return self

    def __repr__(self) -> str:
        default = EEToMuMu().get_params()
        mine = self.get_params()
        args = ", ".join(f"{k}={v!r}" for k, v in mine.items()
                         if not _same(v, default[k]))
        return f"EEToMuMu({args})"

    # -------------------------------------------------------------- interface
    @property
    def param_names(self) -> Tuple[str, ...]:
        return ("sin2_theta_w",)

    @property
    def theta_bounds(self) -> np.ndarray:
        b = _bounds_array(self.theta_bounds_arg, "theta_bounds", 1)
        if not (0 < b[0, 0] and b[0, 1] < 1):
            raise ValueError(f"theta_bounds (sin^2 theta_W) must lie inside (0, 1), got "
                             f"{tuple(b[0])}")
        return b

    @property
    def phi_bounds(self) -> Tuple[float, float]:
        b = _bounds_array(self.phi_bounds_arg, "phi_bounds", 1)
        lo, hi = float(b[0, 0]), float(b[0, 1])
        if not (lo > 0 and np.isfinite(hi)):
            raise ValueError(f"phi_bounds (the beam energy in GeV) must satisfy 0 < low < high "
                             f"< inf, got ({lo:g}, {hi:g})")
        return lo, hi

    @property
    def event_shape(self) -> Tuple[int, ...]:  # type: ignore[override]
        return (8,) if self._output_code() == 1 else ()

    @property
    def has_logpdf(self) -> bool:
        return True

    # -------------------------------------------------------------- validation
    def _output_code(self) -> int:
        if self.output not in _OUTPUT:
            raise ValueError(f"output must be 'costheta' or 'four_momenta', got {self.output!r}")
        return _OUTPUT[self.output]

    def _c_model_spec(self) -> Tuple[str, dict]:
        """``("ee_mumu", params)`` with the fields of ``as_ee_mumu_config`` (see
        :meth:`Simulator._c_model_spec`)."""
        params = {}
        for name in ("mz", "gamma_z", "alpha", "g_fermi", "polarization",
                     "positron_polarization", "cos_max", "pt_min"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"{name} must be a real number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be finite, got {value}")
            params[name] = float(value)
        params["pol_electron"] = params.pop("polarization")
        params["pol_positron"] = params.pop("positron_polarization")
        if isinstance(self.kappa, str):
            if self.kappa not in _KAPPA:
                raise ValueError(f"kappa must be 'sin2theta', 'fermi' or a number > 0, got "
                                 f"{self.kappa!r}")
            params["kappa_mode"] = _KAPPA[self.kappa]
        elif isinstance(self.kappa, numbers.Real) and not isinstance(self.kappa, bool):
            if not (math.isfinite(self.kappa) and self.kappa > 0):
                raise ValueError(f"kappa must be 'sin2theta', 'fermi' or a finite number > 0, "
                                 f"got {self.kappa!r}")
            params["kappa_mode"] = 2
            params["kappa"] = float(self.kappa)
        else:
            raise TypeError(f"kappa must be 'sin2theta', 'fermi' or a number, got "
                            f"{self.kappa!r}")
        if self.width not in _WIDTH:
            raise ValueError(f"width must be 'fixed' or 'running', got {self.width!r}")
        params["width_mode"] = _WIDTH[self.width]
        params["output"] = self._output_code()
        tb = self.theta_bounds
        params["theta_lo"], params["theta_hi"] = float(tb[0, 0]), float(tb[0, 1])
        params["phi_lo"], params["phi_hi"] = self.phi_bounds
        return ("ee_mumu", params)

    def _theta_value(self, theta: Any) -> np.ndarray:
        th = as_float_array(self.sin2_theta_w if theta is None else theta, "theta")
        if not np.isfinite(th).all() or ((th <= 0) | (th >= 1)).any():
            raise ValueError(f"theta (sin^2 theta_W) must be finite and in (0, 1), got "
                             f"{th if th.ndim == 0 else th[~((th > 0) & (th < 1))][:3]}")
        return th

    @staticmethod
    def _energy(value: Any, name: str) -> np.ndarray:
        arr = as_float_array(value, name)
        if not np.isfinite(arr).all() or (arr <= 0).any():
            raise ValueError(f"{name} must be finite and > 0 GeV, got "
                             f"{arr if arr.ndim == 0 else arr[~(np.isfinite(arr) & (arr > 0))][:3]}")
        return arr

    # -------------------------------------------------------------- simulation and density
    def _simulate(self, rows, phi, n, seed, stream_offset, n_jobs):
        out = _core.sim_simulate(self._c_model_spec(), rows, phi, n, seed, stream_offset, n_jobs)
        return out.reshape((rows.shape[0], n) + self.event_shape)

    def _costheta(self, xb: np.ndarray) -> np.ndarray:
        if self.event_shape == ():
            return xb
        e = xb[..., 0]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(e > 0, xb[..., 3] / np.where(e > 0, e, 1.0), np.nan)

    def _logpdf_score(self, x: Any, theta: Any, phi: Any, score: bool):
        rows, single = self._check_theta(theta)
        phi_v = self._check_phi(phi)
        xb = self._broadcast_x(x, rows, single)
        ct = self._costheta(xb)
        res = _core.sim_logpdf(self._c_model_spec(), rows[:, 0], phi_v,
                               ct.reshape(rows.shape[0], -1), score=score)
        lp, sc = res if score else (res, None)
        lp = lp.reshape(ct.shape)
        if self.event_shape:
            lp = lp - math.log(2.0 * math.pi)  # uniform azimuth
        nd_x = np.ndim(x)
        out = self._shape_out(lp, nd_x, single)
        if not score:
            return out
        return out, self._shape_out(sc.reshape(ct.shape), nd_x, single)

    def logpdf(self, x: Any, theta: Any, phi: Any) -> np.ndarray:
        """Exact normalised per-event log density, cuts and polarisation included.

        For ``output="costheta"``, the density of cosθ of the μ-: log[(1 + c² + h c) /
        (2 c_eff + 2 c_eff³/3)] with h = A1/A0 and c_eff the acceptance window; -inf outside.
        For four-momenta, the density in (cosθ, azimuth): the same minus log 2π (cosθ =
        pz/E of the μ-).

        Parameters
        ----------
        x : array-like
            Events as :meth:`simulate` returns them: (n,) or (n_theta, n) [(…, 8) for
            four-momenta].
        theta : float or array-like of shape (n_theta,)
        phi : float
            Beam energy in GeV.

        Examples
        --------
        >>> sim = EEToMuMu()
        >>> lp = sim.logpdf([-0.5, 0.0, 0.5], 0.2312, 45.0)
        >>> lp.shape
        (3,)
        """
        return self._logpdf_score(x, theta, phi, score=False)

    def score(self, x: Any, theta: Any, phi: Any) -> np.ndarray:
        """∂ log p(x | θ, φ)/∂θ per event (0 outside the acceptance), same shapes as logpdf.

        Examples
        --------
        >>> s = EEToMuMu().score([0.5], 0.2312, 40.0)
        >>> s.shape
        (1,)
        """
        return self._logpdf_score(x, theta, phi, score=True)[1]

    # -------------------------------------------------------------- physics
    def _observables(self, sqrt_s: Any, theta: Any) -> Tuple[np.ndarray, Tuple[int, ...]]:
        e = self._energy(sqrt_s, "sqrt_s")
        th = self._theta_value(theta)
        e_b, th_b = np.broadcast_arrays(e, th)
        table = _core.ee_mumu_observables(self._c_model_spec(),
                                          np.ascontiguousarray(th_b).reshape(-1),
                                          np.ascontiguousarray(e_b).reshape(-1))
        return table, e_b.shape

    @staticmethod
    def _unpack(col: np.ndarray, shape: Tuple[int, ...]) -> Any:
        out = col.reshape(shape)
        return float(out) if out.ndim == 0 else out

    def coefficients(self, sqrt_s: Any, theta: Optional[Any] = None) -> dict:
        """A0, A1 (polarisation included), their θ-derivatives dA0, dA1 and the acceptance
        window c_eff at √s (GeV), as a dict of floats or arrays (broadcast over sqrt_s, theta).

        Examples
        --------
        >>> c = EEToMuMu().coefficients(91.1876)
        >>> round(c["A0"], 1), c["c_eff"]
        (168.0, 1.0)
        """
        table, shape = self._observables(sqrt_s, theta)
        names = ("A0", "A1", "dA0", "dA1", "c_eff")
        return {k: self._unpack(table[:, i], shape) for i, k in enumerate(names)}

    def cross_section(self, sqrt_s: Any, theta: Optional[Any] = None, *,
                      fiducial: bool = True) -> Any:
        """σ(e+e- -> μ+μ-) in pb at √s (GeV): (ħc)² 4πα² A0/(3s), times the accepted
        fraction (3 c_eff + c_eff³)/4 when ``fiducial`` (0 when nothing passes).

        Examples
        --------
        >>> sim = EEToMuMu()
        >>> qed = HBARC2_PB * 4 * np.pi * sim.alpha**2 / (3 * 2.0**2)
        >>> bool(abs(sim.cross_section(2.0) / qed - 1) < 1e-4)
        True
        """
        table, shape = self._observables(sqrt_s, theta)
        return self._unpack(table[:, 6 if fiducial else 5], shape)

    def afb(self, sqrt_s: Any, theta: Optional[Any] = None, *, fiducial: bool = True) -> Any:
        """Forward-backward asymmetry (σ_F - σ_B)/(σ_F + σ_B) of the μ- at √s (GeV): 3 A1/(8 A0)
        over the full range; inside the acceptance when ``fiducial`` (NaN if nothing passes).

        Examples
        --------
        >>> bool(EEToMuMu().afb(60.0) < 0 < EEToMuMu().afb(120.0))
        True
        """
        table, shape = self._observables(sqrt_s, theta)
        return self._unpack(table[:, 8 if fiducial else 7], shape)

    def fisher_information(self, theta: Any = None, phi: Any = None, *,
                           n_nodes: int = 96) -> Any:
        """Per-event Fisher information I(θ; φ) = E[(∂ log p(cosθ | θ, φ)/∂θ)²] for
        θ = sin²θ_W at beam energy φ (GeV), by Gauss-Legendre quadrature of the exact density
        and its analytic θ-derivative over the acceptance (0 where nothing passes).
        Broadcasts over theta and phi; n events carry n times this information.

        Examples
        --------
        >>> sim = EEToMuMu()
        >>> info = sim.fisher_information(0.2312, [30.0, 45.6, 80.0])
        >>> info.shape
        (3,)
        """
        if phi is None:
            raise TypeError("fisher_information needs phi, the beam energy in GeV")
        th = self._theta_value(theta)
        ph = self._energy(phi, "phi")
        if isinstance(n_nodes, bool) or not isinstance(n_nodes, (numbers.Integral, np.integer)) \
                or not 2 <= n_nodes <= 1000:
            raise ValueError(f"n_nodes must be an integer in [2, 1000], got {n_nodes!r}")
        th_b, ph_b = np.broadcast_arrays(th, ph)
        out = _core.ee_mumu_fisher(self._c_model_spec(),
                                   np.ascontiguousarray(th_b).reshape(-1),
                                   np.ascontiguousarray(ph_b).reshape(-1), int(n_nodes))
        return self._unpack(out, th_b.shape)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.all(np.asarray(a) == np.asarray(b))) and type(a) is type(b)
    except Exception:  # noqa: BLE001 - unusual user values compare unequal
        return False
