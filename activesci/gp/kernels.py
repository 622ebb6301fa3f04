"""Covariance functions for Gaussian processes, evaluated in C.

Names, parameters, defaults, bounds (or ``"fixed"``), the log-space ``theta`` and ``bounds``
vectors and the order of hyperparameters follow scikit-learn's
``sklearn.gaussian_process.kernels``, so code switches by changing an import::

    from activesci.gp.kernels import ConstantKernel, Matern, WhiteKernel
    kernel = ConstantKernel(1.0) * Matern(length_scale=[1.0, 1.0], nu=2.5) + WhiteKernel(1e-3)

Kernels compose with ``+`` and ``*`` (a number acts as a :class:`ConstantKernel`). Evaluation,
the gradient with respect to ``theta`` and the GP's use of them all run in the C core
(``csrc/kernels.c``). Formulas: Rasmussen & Williams, *Gaussian Processes for Machine Learning*
(2006), chapter 4.
"""
from __future__ import annotations

import inspect
import math
from collections import namedtuple
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .. import _core
from .._validation import check_array

__all__ = [
    "Hyperparameter",
    "Kernel",
    "ConstantKernel",
    "WhiteKernel",
    "RBF",
    "Matern",
    "RationalQuadratic",
    "ExpSineSquared",
    "DotProduct",
    "Sum",
    "Product",
]

# node codes shared with csrc/kernels.h
_CONSTANT, _WHITE, _RBF, _MATERN, _RQ, _EXPSINE, _DOT, _SUM, _PRODUCT = range(9)

Bounds = Union[str, Tuple[float, float], Sequence[Tuple[float, float]]]


class Hyperparameter(
        namedtuple("Hyperparameter", ("name", "value_type", "bounds", "n_elements", "fixed"))):
    """A kernel hyperparameter's specification (as scikit-learn's).

    Parameters
    ----------
    name : str
        Attribute name of the hyperparameter on the kernel.
    value_type : str
        ``"numeric"``.
    bounds : pair of floats >= 0, array of pairs, or "fixed"
        Lower and upper bound; ``"fixed"`` excludes it from ``theta``.
    n_elements : int
        Number of elements (one length scale per dimension: ``n_features``).
    fixed : bool, optional
        Defaults to ``bounds == "fixed"``.

    Examples
    --------
    >>> Hyperparameter("length_scale", "numeric", (1e-5, 1e5)).fixed
    False
    """

    __slots__ = ()

    def __new__(cls, name, value_type, bounds, n_elements=1, fixed=None):
        if not isinstance(bounds, str) or bounds != "fixed":
            bounds = np.atleast_2d(np.asarray(bounds, dtype=float))
            if n_elements > 1 and bounds.shape[0] == 1:
                bounds = np.repeat(bounds, n_elements, 0)
            elif n_elements > 1 and bounds.shape[0] != n_elements:
                raise ValueError(
                    f"Bounds on {name} should have either 1 or {n_elements} dimensions. "
                    f"Given are {bounds.shape[0]}")
        if fixed is None:
            fixed = isinstance(bounds, str) and bounds == "fixed"
        return super().__new__(cls, name, value_type, bounds, n_elements, fixed)

    def __eq__(self, other):
        return (self.name == other.name and self.value_type == other.value_type
                and np.all(self.bounds == other.bounds) and self.n_elements == other.n_elements
                and self.fixed == other.fixed)


def _fmt(value) -> str:
    arr = np.atleast_1d(np.asarray(value, dtype=float))
    if arr.size == 1 and np.ndim(value) == 0:
        return f"{float(arr[0]):.3g}"
    return "[" + ", ".join(f"{v:.3g}" for v in arr) + "]"


class Kernel:
    """Base class of all kernels (scikit-learn's interface).

    A kernel exposes its hyperparameters as attributes, ``theta`` (the log of the non-fixed
    ones, flattened in the order of :attr:`hyperparameters`) and ``bounds`` (their log
    bounds). ``k(X)`` is the training covariance (white noise on its diagonal), ``k(X, Y)`` the
    cross covariance and ``k(X, eval_gradient=True)`` also returns dK/dtheta.

    Examples
    --------
    >>> import numpy as np
    >>> from activesci.gp.kernels import RBF
    >>> k = 2.0 * RBF(length_scale=0.5)
    >>> k(np.zeros((2, 1))).tolist()
    [[2.0, 2.0], [2.0, 2.0]]
    """

    requires_vector_input = True

    # -- parameters (scikit-learn style) ------------------------------------------------------
    @classmethod
    def _param_names(cls) -> Tuple[str, ...]:
        # cached per class: inspect.signature costs ~10 µs and kernels are queried often
        names = cls.__dict__.get("_param_names_cache")
        if names is None:
            sig = inspect.signature(cls.__init__)
            names = tuple(n for n, p in sig.parameters.items()
                          if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))
            cls._param_names_cache = names
        return names

    @classmethod
    def _hyperparameter_attrs(cls) -> Tuple[str, ...]:
        attrs = cls.__dict__.get("_hyperparameter_attrs_cache")
        if attrs is None:
            attrs = tuple(a for a in dir(cls) if a.startswith("hyperparameter_"))
            cls._hyperparameter_attrs_cache = attrs
        return attrs

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> "Kernel":
        if not params:
            return self
        valid = self.get_params(deep=True)
        for key, value in params.items():
            split = key.split("__", 1)
            if len(split) > 1:
                name, sub = split
                if name not in valid:
                    raise ValueError(f"Invalid parameter {name!r} for kernel {self!r}")
                getattr(self, name).set_params(**{sub: value})
            else:
                if key not in valid:
                    raise ValueError(f"Invalid parameter {key!r} for kernel "
                                     f"{type(self).__name__}; valid: {sorted(valid)}")
                setattr(self, key, value)
        return self

    def clone_with_theta(self, theta: np.ndarray) -> "Kernel":
        """A copy of the kernel with ``theta`` (log hyperparameters) replaced.

        Examples
        --------
        >>> RBF(1.0).clone_with_theta([np.log(2.0)]).length_scale
        2.0
        """
        cloned = self._copy()
        cloned.theta = theta
        return cloned

    def _copy(self) -> "Kernel":
        """A deep copy of the kernel's structure and parameters, values untouched (no theta
        round trip: clone_with_theta sets theta once, at the top)."""
        return type(self)(**{k: _deep_copy(v) for k, v in self.get_params(deep=False).items()})

    @property
    def hyperparameters(self) -> List[Hyperparameter]:
        return [getattr(self, attr) for attr in self._hyperparameter_attrs()]

    @property
    def n_dims(self) -> int:
        return self.theta.shape[0]

    @property
    def theta(self) -> np.ndarray:
        values = []
        params = self.get_params()
        for hp in self.hyperparameters:
            if not hp.fixed:
                values.append(np.atleast_1d(np.asarray(params[hp.name], dtype=float)))
        if not values:
            return np.array([])
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(np.hstack(values))

    @theta.setter
    def theta(self, theta) -> None:
        theta = np.asarray(theta, dtype=float)
        params = self.get_params()
        i = 0
        for hp in self.hyperparameters:
            if hp.fixed:
                continue
            if hp.n_elements > 1:
                params[hp.name] = np.exp(theta[i:i + hp.n_elements])
                i += hp.n_elements
            else:
                params[hp.name] = float(np.exp(theta[i]))
                i += 1
        if i != len(theta):
            raise ValueError(f"theta has {len(theta)} entries but the kernel has {i} free "
                             "hyperparameters")
        self.set_params(**params)

    @property
    def bounds(self) -> np.ndarray:
        bounds = [hp.bounds for hp in self.hyperparameters if not hp.fixed]
        if not bounds:
            return np.empty((0, 2))
        with np.errstate(divide="ignore"):
            return np.log(np.vstack(bounds))

    # -- algebra --------------------------------------------------------------------------
    def __add__(self, b):
        return Sum(self, b if isinstance(b, Kernel) else ConstantKernel(b))

    def __radd__(self, b):
        return Sum(b if isinstance(b, Kernel) else ConstantKernel(b), self)

    def __mul__(self, b):
        return Product(self, b if isinstance(b, Kernel) else ConstantKernel(b))

    def __rmul__(self, b):
        return Product(b if isinstance(b, Kernel) else ConstantKernel(b), self)

    def __eq__(self, b):
        if type(self) is not type(b):
            return False
        pa, pb = self.get_params(), b.get_params()
        if set(pa) != set(pb):
            return False
        return all(np.all(np.asarray(pa[k]) == np.asarray(pb[k])) if not isinstance(pa[k], Kernel)
                   else pa[k] == pb[k] for k in pa)

    __hash__ = object.__hash__

    # -- evaluation (C core) --------------------------------------------------------------
    def _nodes(self, d: int) -> List[Tuple[int, int, float, List[float], List[bool],
                                            List[Tuple[float, float]]]]:
        """Prefix-order nodes: (type, n_params, nu, values, free flags, log bounds)."""
        raise NotImplementedError

    def _spec(self, d: int):
        return self._spec_and_free_mask(d)[0]

    def _free_mask(self, d: int) -> Tuple[bool, ...]:
        return tuple(f for n in self._nodes(d) for f in n[4])

    def _spec_and_free_mask(self, d: int):
        """``(_spec(d), _free_mask(d))`` from one walk of the tree."""
        return self._fit_spec(d)[:2]

    def _fit_spec(self, d: int):
        """``(_spec(d), _free_mask(d), theta, bounds)`` from one walk of the tree.

        ``theta`` and ``bounds`` equal the properties of the same names; a GP fit needs all
        four, and each property walks the tree again (the fit of a small GP is dominated by
        such walks otherwise)."""
        nodes = self._nodes(d)
        types = tuple(n[0] for n in nodes)
        counts = tuple(n[1] for n in nodes)
        nus = tuple(float(n[2]) for n in nodes)
        params = np.array([v for n in nodes for v in n[3]], dtype=float)
        free = tuple(f for n in nodes for f in n[4])
        with np.errstate(divide="ignore"):
            theta = np.log(params[np.array(free, dtype=bool)])
        bounds = np.array([b for n in nodes for b in n[5]], dtype=float).reshape(-1, 2)
        return (types, counts, nus, params, int(d)), free, theta, bounds

    def _spec_with_theta(self, spec, free, theta):
        """``spec`` with the free parameters replaced by ``exp(theta)``: the spec of
        ``clone_with_theta(theta)`` without building or walking that kernel."""
        params = spec[3].copy()
        params[np.array(free, dtype=bool)] = np.exp(theta)
        return spec[:3] + (params,) + spec[4:]

    def __call__(self, X, Y=None, eval_gradient: bool = False):
        """Kernel matrix k(X, Y) and, with ``eval_gradient``, dK/dtheta (n, n, n_dims).

        Examples
        --------
        >>> K, dK = RBF(1.0)(np.array([[0.0], [1.0]]), eval_gradient=True)
        >>> dK.shape
        (2, 2, 1)
        """
        X = check_array(X, "X")
        d = X.shape[1]
        spec = self._spec(d)
        if Y is None:
            K = _core.kernel_matrix(spec, X)
        else:
            if eval_gradient:
                raise ValueError("Gradient can only be evaluated when Y is None.")
            Y = check_array(Y, "Y", n_features=d)
            K = _core.kernel_matrix(spec, X, Y)
        if not eval_gradient:
            return K
        G = _core.kernel_gradient(spec, X)
        return K, G[:, :, np.asarray(self._free_mask(d), dtype=bool)]

    def diag(self, X) -> np.ndarray:
        """The diagonal of k(X) (white noise included), without forming the matrix.

        Examples
        --------
        >>> WhiteKernel(0.5).diag(np.zeros((3, 2))).tolist()
        [0.5, 0.5, 0.5]
        """
        X = check_array(X, "X")
        return _core.kernel_diag(self._spec(X.shape[1]), X)

    def is_stationary(self) -> bool:
        return True

    def __repr__(self) -> str:
        params = ", ".join(f"{hp.name}={_fmt(getattr(self, hp.name))}"
                           for hp in self.hyperparameters)
        return f"{type(self).__name__}({params})"


def _deep_copy(value):
    if isinstance(value, Kernel):
        return value._copy()
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


# The two checks below run on every GP fit for every leaf: they test Python floats rather than
# tiny arrays (NumPy's reductions cost ~10 µs each; a fit of a 3-leaf kernel spent 0.2 ms here).

def _positive(value, name: str, kernel: str) -> List[float]:
    vals = np.asarray(value, dtype=float).ravel().tolist()
    if not vals or not all(math.isfinite(v) and v > 0 for v in vals):
        raise ValueError(f"{kernel}: {name} must be positive and finite, got {value!r}")
    return vals


def _log_bounds(hp: Hyperparameter, n: int, kernel: str) -> List[Tuple[float, float]]:
    if hp.fixed:
        return []
    b = np.asarray(hp.bounds, dtype=float)
    if b.shape[0] == 1 and n > 1:
        b = np.repeat(b, n, 0)
    rows = b.tolist()
    if any(lo > hi for lo, hi in rows):
        raise ValueError(f"{kernel}: {hp.name}_bounds {hp.bounds.tolist()} has lower > upper; "
                         "give (low, high) with low <= high")
    if any(lo <= 0 or hi <= 0 for lo, hi in rows):
        raise ValueError(f"{kernel}: {hp.name}_bounds must be positive, got {hp.bounds.tolist()}")
    return [tuple(row) for row in np.log(b).tolist()]  # np.log: the values of kernel.bounds


class _Leaf(Kernel):
    _type = -1

    def _leaf_params(self, d: int) -> List[Tuple[str, List[float]]]:
        """(name, values) of the hyperparameters in C order (= scikit-learn's order)."""
        raise NotImplementedError

    def _nu(self) -> float:
        return 0.0

    def _nodes(self, d):
        values, free, bounds = [], [], []
        hps = {hp.name: hp for hp in self.hyperparameters}
        for name, vals in self._leaf_params(d):
            values += vals
            hp = hps[name]
            free += [not hp.fixed] * len(vals)
            bounds += _log_bounds(hp, len(vals), type(self).__name__)
        return [(self._type, len(values), self._nu(), values, free, bounds)]


class ConstantKernel(_Leaf):
    """Constant kernel k(x, y) = constant_value; scales another kernel in a product.

    Parameters
    ----------
    constant_value : float, default=1.0
    constant_value_bounds : pair of floats or "fixed", default=(1e-5, 1e5)

    Examples
    --------
    >>> ConstantKernel(2.0)(np.zeros((1, 3))).item()
    2.0
    """

    _type = _CONSTANT

    def __init__(self, constant_value=1.0, constant_value_bounds=(1e-5, 1e5)):
        self.constant_value = constant_value
        self.constant_value_bounds = constant_value_bounds

    @property
    def hyperparameter_constant_value(self):
        return Hyperparameter("constant_value", "numeric", self.constant_value_bounds)

    def _leaf_params(self, d):
        return [("constant_value", _positive(self.constant_value, "constant_value",
                                             "ConstantKernel"))]

    def __repr__(self):
        return f"{np.sqrt(self.constant_value):.3g}**2"


class WhiteKernel(_Leaf):
    """White noise: k(x, y) = noise_level if x and y are the same training point, else 0.

    Parameters
    ----------
    noise_level : float, default=1.0
    noise_level_bounds : pair of floats or "fixed", default=(1e-5, 1e5)

    Examples
    --------
    >>> WhiteKernel(0.1)(np.zeros((2, 1))).tolist()
    [[0.1, 0.0], [0.0, 0.1]]
    """

    _type = _WHITE

    def __init__(self, noise_level=1.0, noise_level_bounds=(1e-5, 1e5)):
        self.noise_level = noise_level
        self.noise_level_bounds = noise_level_bounds

    @property
    def hyperparameter_noise_level(self):
        return Hyperparameter("noise_level", "numeric", self.noise_level_bounds)

    def _leaf_params(self, d):
        return [("noise_level", _positive(self.noise_level, "noise_level", "WhiteKernel"))]


class _LengthScaleKernel(_Leaf):
    @property
    def anisotropic(self) -> bool:
        return np.iterable(self.length_scale) and len(self.length_scale) > 1

    @property
    def hyperparameter_length_scale(self):
        if self.anisotropic:
            return Hyperparameter("length_scale", "numeric", self.length_scale_bounds,
                                  len(self.length_scale))
        return Hyperparameter("length_scale", "numeric", self.length_scale_bounds)

    def _leaf_params(self, d):
        ls = _positive(self.length_scale, "length_scale", type(self).__name__)
        if len(ls) > 1 and len(ls) != d:
            raise ValueError(
                f"{type(self).__name__}: length_scale has {len(ls)} entries but X has {d} "
                "features; give one length scale or one per feature")
        return [("length_scale", ls)]


class RBF(_LengthScaleKernel):
    """Squared-exponential kernel k(x, y) = exp(-|x - y|² / (2 l²)), l per dimension or shared.

    Parameters
    ----------
    length_scale : float or array of shape (n_features,), default=1.0
    length_scale_bounds : pair of floats or "fixed", default=(1e-5, 1e5)

    Examples
    --------
    >>> round(float(RBF(1.0)(np.array([[0.0], [1.0]]))[0, 1]), 6)
    0.606531
    """

    _type = _RBF

    def __init__(self, length_scale=1.0, length_scale_bounds=(1e-5, 1e5)):
        self.length_scale = length_scale
        self.length_scale_bounds = length_scale_bounds


class Matern(_LengthScaleKernel):
    """Matérn kernel with smoothness ``nu`` in {0.5, 1.5, 2.5} (or inf, which is the RBF).

    k(r) = exp(-r) (ν=½), (1 + √3 r) e^{-√3 r} (ν=3/2), (1 + √5 r + 5r²/3) e^{-√5 r} (ν=5/2)
    with r the length-scaled distance (Rasmussen & Williams 2006, eq. 4.14-4.17).

    Parameters
    ----------
    length_scale : float or array of shape (n_features,), default=1.0
    length_scale_bounds : pair of floats or "fixed", default=(1e-5, 1e5)
    nu : {0.5, 1.5, 2.5, inf}, default=1.5

    Examples
    --------
    >>> round(float(Matern(1.0, nu=0.5)(np.array([[0.0], [1.0]]))[0, 1]), 6)
    0.367879
    """

    _type = _MATERN

    def __init__(self, length_scale=1.0, length_scale_bounds=(1e-5, 1e5), nu=1.5):
        self.length_scale = length_scale
        self.length_scale_bounds = length_scale_bounds
        self.nu = nu

    def _nodes(self, d):
        nodes = super()._nodes(d)
        nu = self.nu
        if nu == np.inf:
            t, n, _, v, f, b = nodes[0]
            return [(_RBF, n, 0.0, v, f, b)]
        if nu not in (0.5, 1.5, 2.5):
            raise ValueError(f"Matern: nu={nu!r} is not supported; use 0.5, 1.5, 2.5 or "
                             "np.inf (the RBF kernel)")
        return nodes

    def _nu(self):
        return float(self.nu) if np.isfinite(self.nu) else 0.0

    def __repr__(self):
        return f"Matern(length_scale={_fmt(self.length_scale)}, nu={self.nu:.3g})"


class RationalQuadratic(_Leaf):
    """Rational quadratic kernel k = (1 + d² / (2 α l²))^{-α} (isotropic), a scale mixture of
    RBF kernels.

    Parameters
    ----------
    length_scale : float, default=1.0
    alpha : float, default=1.0
    length_scale_bounds, alpha_bounds : pair of floats or "fixed", default=(1e-5, 1e5)

    Examples
    --------
    >>> round(float(RationalQuadratic(1.0, 1.0)(np.array([[0.0], [1.0]]))[0, 1]), 6)
    0.666667
    """

    _type = _RQ

    def __init__(self, length_scale=1.0, alpha=1.0, length_scale_bounds=(1e-5, 1e5),
                 alpha_bounds=(1e-5, 1e5)):
        self.length_scale = length_scale
        self.alpha = alpha
        self.length_scale_bounds = length_scale_bounds
        self.alpha_bounds = alpha_bounds

    @property
    def hyperparameter_length_scale(self):
        return Hyperparameter("length_scale", "numeric", self.length_scale_bounds)

    @property
    def hyperparameter_alpha(self):
        return Hyperparameter("alpha", "numeric", self.alpha_bounds)

    def _leaf_params(self, d):
        ls = _positive(self.length_scale, "length_scale", "RationalQuadratic")
        if len(ls) != 1:
            raise ValueError("RationalQuadratic: length_scale must be a scalar (the kernel is "
                             "isotropic)")
        return [("alpha", _positive(self.alpha, "alpha", "RationalQuadratic")),
                ("length_scale", ls)]


class ExpSineSquared(_Leaf):
    """Periodic kernel k = exp(-2 sin²(π d / p) / l²) (MacKay 1998).

    Parameters
    ----------
    length_scale : float, default=1.0
    periodicity : float, default=1.0
    length_scale_bounds, periodicity_bounds : pair of floats or "fixed", default=(1e-5, 1e5)

    Examples
    --------
    >>> round(float(ExpSineSquared(1.0, 2.0)(np.array([[0.0], [2.0]]))[0, 1]), 6)
    1.0
    """

    _type = _EXPSINE

    def __init__(self, length_scale=1.0, periodicity=1.0, length_scale_bounds=(1e-5, 1e5),
                 periodicity_bounds=(1e-5, 1e5)):
        self.length_scale = length_scale
        self.periodicity = periodicity
        self.length_scale_bounds = length_scale_bounds
        self.periodicity_bounds = periodicity_bounds

    @property
    def hyperparameter_length_scale(self):
        return Hyperparameter("length_scale", "numeric", self.length_scale_bounds)

    @property
    def hyperparameter_periodicity(self):
        return Hyperparameter("periodicity", "numeric", self.periodicity_bounds)

    def _leaf_params(self, d):
        return [("length_scale", _positive(self.length_scale, "length_scale", "ExpSineSquared")),
                ("periodicity", _positive(self.periodicity, "periodicity", "ExpSineSquared"))]


class DotProduct(_Leaf):
    """Dot-product kernel k(x, y) = σ0² + x·y (Bayesian linear regression); not stationary.

    Parameters
    ----------
    sigma_0 : float, default=1.0
    sigma_0_bounds : pair of floats or "fixed", default=(1e-5, 1e5)

    Examples
    --------
    >>> DotProduct(1.0)(np.array([[1.0, 2.0]])).item()
    6.0
    """

    _type = _DOT

    def __init__(self, sigma_0=1.0, sigma_0_bounds=(1e-5, 1e5)):
        self.sigma_0 = sigma_0
        self.sigma_0_bounds = sigma_0_bounds

    @property
    def hyperparameter_sigma_0(self):
        return Hyperparameter("sigma_0", "numeric", self.sigma_0_bounds)

    def _leaf_params(self, d):
        return [("sigma_0", _positive(self.sigma_0, "sigma_0", "DotProduct"))]

    def is_stationary(self):
        return False


class _Operator(Kernel):
    _type = -1
    _symbol = "?"

    def __init__(self, k1, k2):
        self.k1 = k1
        self.k2 = k2

    def get_params(self, deep=True):
        params = {"k1": self.k1, "k2": self.k2}
        if deep:
            params.update(("k1__" + k, v) for k, v in self.k1.get_params().items())
            params.update(("k2__" + k, v) for k, v in self.k2.get_params().items())
        return params

    @property
    def hyperparameters(self):
        out = []
        for prefix, k in (("k1", self.k1), ("k2", self.k2)):
            for hp in k.hyperparameters:
                out.append(Hyperparameter(f"{prefix}__{hp.name}", hp.value_type, hp.bounds,
                                          hp.n_elements, hp.fixed))
        return out

    @property
    def theta(self):
        return np.append(self.k1.theta, self.k2.theta)

    @theta.setter
    def theta(self, theta):
        theta = np.asarray(theta, dtype=float)
        n1 = self.k1.n_dims
        if len(theta) != n1 + self.k2.n_dims:
            raise ValueError(f"theta has {len(theta)} entries but the kernel has "
                             f"{n1 + self.k2.n_dims} free hyperparameters")
        self.k1.theta = theta[:n1]
        self.k2.theta = theta[n1:]

    @property
    def bounds(self):
        if self.k1.bounds.size == 0:
            return self.k2.bounds
        if self.k2.bounds.size == 0:
            return self.k1.bounds
        return np.vstack((self.k1.bounds, self.k2.bounds))

    def _copy(self):
        return type(self)(self.k1._copy(), self.k2._copy())

    def _nodes(self, d):
        return [(self._type, 0, 0.0, [], [], [])] + self.k1._nodes(d) + self.k2._nodes(d)

    def is_stationary(self):
        return self.k1.is_stationary() and self.k2.is_stationary()

    def __eq__(self, b):
        return type(self) is type(b) and self.k1 == b.k1 and self.k2 == b.k2

    __hash__ = object.__hash__

    def __repr__(self):
        return f"{self.k1!r} {self._symbol} {self.k2!r}"


class Sum(_Operator):
    """k1 + k2.

    Examples
    --------
    >>> k = RBF(1.0) + WhiteKernel(0.5)
    >>> isinstance(k, Sum), k.n_dims
    (True, 2)
    """

    _type = _SUM
    _symbol = "+"


class Product(_Operator):
    """k1 * k2.

    Examples
    --------
    >>> k = ConstantKernel(2.0) * RBF(1.0)
    >>> isinstance(k, Product), k.n_dims
    (True, 2)
    """

    _type = _PRODUCT
    _symbol = "*"

    def __repr__(self):
        return f"{self.k1!r} * {self.k2!r}"


# scikit-learn's alias
C = ConstantKernel
