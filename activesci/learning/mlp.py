"""A multi-layer perceptron classifier with a C core (forward/backward with BLAS GEMM, Adam).

The estimator follows scikit-learn's conventions and defaults of
:class:`sklearn.neural_network.MLPClassifier` (the same loss, penalty, Adam update and stopping
rule), so the two can be swapped; the training loop runs in C without the GIL.
"""
from __future__ import annotations

import numbers
import warnings
from typing import Any, Optional, Sequence

import numpy as np

from .. import _core
from .._estimator import BaseEstimator
from .._validation import (RandomState, check_array, check_is_fitted, check_random_state,
                           check_scalar)

__all__ = ["MLPClassifier"]

_ACTIVATIONS = {"tanh": 0, "relu": 1}


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _expit(z: np.ndarray) -> np.ndarray:
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


class MLPClassifier(BaseEstimator):
    """Multi-layer perceptron classifier trained by minibatch Adam in C.

    Binary problems use one logistic output and the binary cross-entropy; k > 2 classes a
    softmax output and the categorical cross-entropy.  Each epoch shuffles the rows with a
    Philox stream seeded from ``random_state``, so a given seed reproduces the weights exactly.
    Training releases the GIL; Ctrl-C stops it, keeps the weights reached so far (with a
    warning) and returns the fitted estimator.

    For likelihood ratios (:mod:`activesci.ratios`), samples of the numerator p0 carry label 0
    and samples of the denominator p1 label 1, so that r(x) = p0(x) / p1(x) is estimated by
    ``(1 - s(x)) / s(x)`` with s = ``predict_proba(X)[:, 1]`` (Cranmer, Pavez & Louppe,
    arXiv:1506.02169).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(32, 32)
        Widths of the hidden layers.
    activation : {"tanh", "relu"}, default="tanh"
        Hidden-layer activation.
    alpha : float, default=1e-4
        L2 penalty: the batch loss adds ``0.5 * alpha * ||W||^2 / batch``.
    batch_size : int, default=256
        Minibatch size (capped at the number of samples).
    learning_rate_init : float, default=1e-3
        Adam step size.
    max_iter : int, default=200
        Maximum number of epochs.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when the validation log-loss has
        not improved by ``tol`` for ``n_iter_no_change`` epochs; the best weights are kept.
    validation_fraction : float, default=0.1
        Held-out fraction for early stopping.
    n_iter_no_change : int, default=10
        Patience in epochs.
    tol : float, default=1e-4
        Improvement of the monitored loss that resets the patience.
    standardize : bool, default=True
        Standardize the inputs with the training mean and standard deviation (stored in
        ``mean_`` and ``scale_`` and applied at predict time).
    beta_1, beta_2, epsilon : float
        Adam parameters (Kingma & Ba, arXiv:1412.6980).
    shuffle : bool, default=True
        Shuffle the rows every epoch.
    dtype : {"float32", "float64"}, default="float32"
        Arithmetic of the minibatch forward/backward passes during training.  The weights, the
        Adam moments, the losses, the validation and every prediction stay float64; float32
        passes train about twice as fast and reached the same held-out log-loss to 1e-9 in
        the benchmark (benchmarks/bench_ratios.py).  Use "float64" for bit-level studies.
    random_state : int, Generator or None
        Seeds the initialization, the validation split and the shuffles.

    Attributes
    ----------
    classes_ : ndarray
        Class labels.
    coefs_, intercepts_ : list of ndarray
        Weights (n_in, n_out) and biases per layer, on the standardized inputs.
    loss_curve_ : ndarray
        Mean training loss per epoch (penalty included, as in scikit-learn).
    validation_scores_ : ndarray or None
        Validation log-loss per epoch with early stopping.
    n_iter_ : int
        Epochs run.
    interrupted_ : bool
        True if training was stopped by Ctrl-C.

    Examples
    --------
    >>> import numpy as np
    >>> from activesci.learning import MLPClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(-1, 1, (200, 1)), rng.normal(1, 1, (200, 1))]
    >>> y = np.r_[np.zeros(200), np.ones(200)]
    >>> clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape
    (400, 2)
    >>> bool(clf.score(X, y) > 0.8)
    True
    """

    _estimator_type = "classifier"

    def __init__(self, hidden_layer_sizes: Sequence[int] = (32, 32), activation: str = "tanh",
                 alpha: float = 1e-4, batch_size: int = 256, learning_rate_init: float = 1e-3,
                 max_iter: int = 200, early_stopping: bool = False,
                 validation_fraction: float = 0.1, n_iter_no_change: int = 10,
                 tol: float = 1e-4, standardize: bool = True, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-8, shuffle: bool = True,
                 dtype: str = "float32", random_state: RandomState = None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.standardize = standardize
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.shuffle = shuffle
        self.dtype = dtype
        self.random_state = random_state

    # ------------------------------------------------------------------ validation
    def _check_params(self) -> tuple:
        hls = self.hidden_layer_sizes
        if isinstance(hls, numbers.Integral) and not isinstance(hls, bool):
            hls = (int(hls),)
        try:
            hls = tuple(hls)
        except TypeError:
            raise TypeError("hidden_layer_sizes must be a tuple of positive integers, got "
                            f"{self.hidden_layer_sizes!r}") from None
        if len(hls) > 15 or any(not isinstance(h, numbers.Integral) or isinstance(h, bool)
                                or h < 1 for h in hls):
            raise ValueError("hidden_layer_sizes must hold at most 15 positive integers, got "
                             f"{self.hidden_layer_sizes!r}")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be 'tanh' or 'relu', got {self.activation!r}")
        check_scalar(self.alpha, "alpha", low=0.0)
        check_scalar(self.batch_size, "batch_size", kind=numbers.Integral, low=1)
        check_scalar(self.learning_rate_init, "learning_rate_init", low=0.0, include_low=False)
        check_scalar(self.max_iter, "max_iter", kind=numbers.Integral, low=1)
        check_scalar(self.validation_fraction, "validation_fraction", low=0.0, high=1.0,
                     include_low=False, include_high=False)
        check_scalar(self.n_iter_no_change, "n_iter_no_change", kind=numbers.Integral, low=1)
        check_scalar(self.tol, "tol", low=0.0)
        check_scalar(self.beta_1, "beta_1", low=0.0, high=1.0, include_high=False)
        check_scalar(self.beta_2, "beta_2", low=0.0, high=1.0, include_high=False)
        check_scalar(self.epsilon, "epsilon", low=0.0, include_low=False)
        self._dtype()
        return tuple(int(h) for h in hls)

    def _dtype(self) -> str:
        name = np.dtype(self.dtype).name if not isinstance(self.dtype, str) else self.dtype
        if name not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")
        return name

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any, sample_weight: Optional[Any] = None) -> "MLPClassifier":
        """Train on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            At least two distinct classes.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights multiplying each sample's loss (rescaled to mean one).

        Returns
        -------
        self
        """
        hls = self._check_params()
        X = check_array(X, "X")
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D (one label per sample), got shape {y.shape}")
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"X and y have inconsistent numbers of samples: X has "
                             f"{X.shape[0]}, y has {y.shape[0]}")
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise ValueError("y contains NaN or infinity; pass finite class labels")
        classes, y_idx = np.unique(y, return_inverse=True)
        if classes.size < 2:
            raise ValueError(f"y has a single class ({classes[0]!r}); a classifier needs "
                             "samples of at least two classes")
        w = None
        if sample_weight is not None:
            w = check_array(sample_weight, "sample_weight", ndim=1)
            if w.shape[0] != X.shape[0]:
                raise ValueError("sample_weight must have one weight per sample, got "
                                 f"{w.shape[0]} for {X.shape[0]} samples")
            if (w < 0).any() or w.sum() <= 0:
                raise ValueError("sample_weight must be non-negative with a positive sum")
            w = w / w.mean()
        rng = check_random_state(self.random_state)
        seed_init = int(rng.integers(0, 2**63))
        seed_train = int(rng.integers(0, 2**63))
        y_idx = y_idx.astype(np.float64)
        Xv = yv = None
        if self.early_stopping:
            n_val = int(round(self.validation_fraction * X.shape[0]))
            if n_val < 1 or n_val >= X.shape[0]:
                raise ValueError(f"validation_fraction={self.validation_fraction} leaves no "
                                 "validation or no training sample; change it or pass more data")
            perm = rng.permutation(X.shape[0])
            val, tr = perm[:n_val], perm[n_val:]
            Xv, yv = X[val], y_idx[val]
            X, y_idx = X[tr], y_idx[tr]
            if w is not None:
                w = np.ascontiguousarray(w[tr])
        if self.standardize:
            mean = X.mean(axis=0)
            scale = X.std(axis=0)
            scale[scale == 0] = 1.0
        else:
            mean = np.zeros(X.shape[1])
            scale = np.ones(X.shape[1])
        Xs = np.ascontiguousarray((X - mean) / scale)
        if Xv is not None:
            Xv = np.ascontiguousarray((Xv - mean) / scale)
        n_out = 1 if classes.size == 2 else classes.size
        single = self._dtype() == "float32" and n_out <= 64
        sizes = (X.shape[1],) + hls + (n_out,)
        act = _ACTIVATIONS[self.activation]
        params = _core.mlp_init(sizes, act, seed_init)
        n_iter, curve, vcurve, interrupted = _core.mlp_fit(
            sizes, act, params, Xs, y_idx, w, Xv, yv, int(self.batch_size), int(self.max_iter),
            float(self.learning_rate_init), float(self.beta_1), float(self.beta_2),
            float(self.epsilon), float(self.alpha), float(self.tol),
            int(self.n_iter_no_change), bool(self.shuffle), seed_train,
            single_precision=single)
        self.classes_ = classes
        self.n_features_in_ = X.shape[1]
        self.n_outputs_ = n_out
        self.mean_, self.scale_ = mean, scale
        self._sizes, self._act, self._params = sizes, act, params
        self.loss_curve_ = curve[:n_iter].copy()
        self.validation_scores_ = vcurve[:n_iter].copy() if Xv is not None else None
        self.n_iter_ = int(n_iter)
        self.loss_ = float(curve[n_iter - 1]) if n_iter > 0 else float("nan")
        self.interrupted_ = bool(interrupted)
        if interrupted:
            warnings.warn(f"training interrupted by the user after {n_iter} epoch(s); the "
                          "weights reached so far are kept", RuntimeWarning, stacklevel=2)
        elif n_iter == self.max_iter and not self.early_stopping and self.max_iter > 1:
            pass  # (scikit-learn warns ConvergenceWarning; we stay quiet: max_iter is a budget)
        return self

    # ------------------------------------------------------------------ weights
    @property
    def coefs_(self) -> list:
        check_is_fitted(self, "_params")
        return self._unpack()[0]

    @property
    def intercepts_(self) -> list:
        check_is_fitted(self, "_params")
        return self._unpack()[1]

    def _unpack(self):
        coefs, inter, off = [], [], 0
        for a, b in zip(self._sizes[:-1], self._sizes[1:]):
            coefs.append(self._params[off:off + a * b].reshape(a, b))
            off += a * b
            inter.append(self._params[off:off + b])
            off += b
        return coefs, inter

    # ------------------------------------------------------------------ predict
    def decision_function(self, X: Any) -> np.ndarray:
        """Raw scores: the logit of class 1 (binary, shape (n,)) or the k softmax inputs.

        For a binary problem this is log(p(y=1|x) / p(y=0|x)).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.r_[np.zeros((5, 1)), np.ones((5, 1))]; y = np.r_[np.zeros(5), np.ones(5)]
        >>> MLPClassifier((4,), max_iter=5, random_state=1).fit(X, y).decision_function(X).shape
        (10,)
        """
        check_is_fitted(self, "_params")
        X = check_array(X, "X", n_features=self.n_features_in_, min_samples=0)
        Xs = np.ascontiguousarray((X - self.mean_) / self.scale_)
        scores = _core.mlp_forward(self._sizes, self._act, self._params, Xs)
        return scores[:, 0] if self.n_outputs_ == 1 else scores

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), rows summing to one.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.r_[np.zeros((5, 1)), np.ones((5, 1))]; y = np.r_[np.zeros(5), np.ones(5)]
        >>> p = MLPClassifier((4,), max_iter=5, random_state=1).fit(X, y).predict_proba(X)
        >>> np.allclose(p.sum(axis=1), 1.0)
        True
        """
        s = self.decision_function(X)
        if self.n_outputs_ == 1:
            p1 = _expit(s)
            return np.column_stack([1.0 - p1, p1])
        s = s - s.max(axis=1, keepdims=True)
        e = np.exp(s)
        return e / e.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log of :meth:`predict_proba`, computed stably from the scores."""
        s = self.decision_function(X)
        if self.n_outputs_ == 1:
            return np.column_stack([-_softplus(s), -_softplus(-s)])
        m = s.max(axis=1, keepdims=True)
        return s - (m + np.log(np.exp(s - m).sum(axis=1, keepdims=True)))

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class label per row."""
        s = self.decision_function(X)
        if self.n_outputs_ == 1:
            return self.classes_[(s > 0).astype(int)]
        return self.classes_[np.argmax(s, axis=1)]

    def score(self, X: Any, y: Any, sample_weight: Optional[Any] = None) -> float:
        """Mean accuracy on (X, y)."""
        pred = self.predict(X)
        y = np.asarray(y)
        return float(np.average(pred == y, weights=sample_weight))
