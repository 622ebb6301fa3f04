"""Exceptions raised by activesci.

``NotPositiveDefiniteError``
    Subclass of :class:`numpy.linalg.LinAlgError`: a covariance matrix stayed non positive
    definite after jitter was added; the message says which parameter to change.
``LHEParseError``
    Subclass of :class:`ValueError`: a Les Houches Event file is malformed; ``line`` holds
    the line number of the problem.
``NotFittedError``
    Subclass of :class:`ValueError` and :class:`AttributeError` (as in scikit-learn): an
    estimator was used before ``fit``.
"""
from __future__ import annotations

from ._core import LHEParseError, NotPositiveDefiniteError

__all__ = ["NotPositiveDefiniteError", "LHEParseError", "NotFittedError"]


class NotFittedError(ValueError, AttributeError):
    """Raised when an estimator is used before it was fitted.

    Examples
    --------
    >>> from activesci.exceptions import NotFittedError
    >>> issubclass(NotFittedError, ValueError)
    True
    """
