"""Classifiers and calibration for likelihood-ratio estimation.

- :class:`MLPClassifier`: a multi-layer perceptron with a C core (scikit-learn API).
- :class:`CalibratedClassifierCV`: histogram, KDE, isotonic and sigmoid calibration.
- :class:`ParameterStacker`, :class:`ParameterizedClassifier`, :func:`make_parameterized_data`:
  classifiers that take the parameters θ as explicit input.

Any scikit-learn classifier is accepted wherever a classifier is expected.
"""
from .calibration import CalibratedClassifierCV
from .mlp import MLPClassifier
from .parameterized import (ParameterizedClassifier, ParameterStacker,
                            make_parameterized_data)

__all__ = ["MLPClassifier", "CalibratedClassifierCV", "ParameterStacker",
           "ParameterizedClassifier", "make_parameterized_data"]
