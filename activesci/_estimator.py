"""A minimal scikit-learn-compatible estimator base (no scikit-learn at run time).

``get_params``/``set_params`` read the constructor's signature, so ``sklearn.base.clone`` works
on every activesci estimator, and ``__repr__`` shows the non-default parameters.
"""
from __future__ import annotations

import inspect
from typing import Any, Dict, Optional


class BaseEstimator:
    """Parameters come from ``__init__``'s signature; ``__init__`` only stores them.

    Examples
    --------
    >>> class Est(BaseEstimator):
    ...     def __init__(self, alpha=1.0):
    ...         self.alpha = alpha
    >>> Est(alpha=2.0).get_params()
    {'alpha': 2.0}
    """

    @classmethod
    def _get_param_names(cls):
        init = cls.__init__
        if init is object.__init__:
            return []
        sig = inspect.signature(init)
        names = [p.name for p in sig.parameters.values()
                 if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        return sorted(names)

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        out = {}
        for key in self._get_param_names():
            value = getattr(self, key)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                for k, v in value.get_params().items():
                    out[f"{key}__{k}"] = v
            out[key] = value
        return out

    def set_params(self, **params: Any) -> "BaseEstimator":
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested: Dict[str, Dict[str, Any]] = {}
        for key, value in params.items():
            key, delim, sub = key.partition("__")
            if key not in valid:
                raise ValueError(
                    f"Invalid parameter {key!r} for estimator {type(self).__name__}; valid "
                    f"parameters are {sorted(self._get_param_names())}")
            if delim:
                nested.setdefault(key, {})[sub] = value
            else:
                setattr(self, key, value)
                valid[key] = value
        for key, sub_params in nested.items():
            valid[key].set_params(**sub_params)
        return self

    # scikit-learn >= 1.6 asks estimators for their tags (cross-validation, is_regressor...);
    # subclasses say what they are with _estimator_type = "regressor" | "classifier".
    _estimator_type: Optional[str] = None

    def __sklearn_tags__(self):
        from sklearn.utils import (ClassifierTags, RegressorTags, Tags,  # noqa: PLC0415
                                   TargetTags)
        kind = self._estimator_type
        return Tags(
            estimator_type=kind,
            target_tags=TargetTags(required=kind in ("regressor", "classifier")),
            regressor_tags=RegressorTags() if kind == "regressor" else None,
            classifier_tags=ClassifierTags() if kind == "classifier" else None,
        )

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        parts = []
        for name in self._get_param_names():
            default = sig.parameters[name].default
            value = getattr(self, name, None)
            try:
                same = value is default or (type(value) is type(default) and value == default)
                same = bool(same)
            except Exception:
                same = False
            if not same:
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"
