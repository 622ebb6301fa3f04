"""Active sciencing: expected information gain of experiments and sequential design campaigns.

Examples
--------
>>> from activesci.design import Campaign, GridPosterior, expected_information_gain
"""
from .campaign import Campaign
from .eig import EIGResult, as_grid_posterior, expected_information_gain
from .likelihood import ExactLikelihood, HistogramLikelihood, KDELikelihood
from .posterior import GridPosterior
from .result import CampaignResult

__all__ = ["Campaign", "CampaignResult", "EIGResult", "GridPosterior", "ExactLikelihood",
           "HistogramLikelihood", "KDELikelihood", "as_grid_posterior",
           "expected_information_gain"]
