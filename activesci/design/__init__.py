"""Active sciencing: expected information gain of experiments and sequential design campaigns.

Examples
--------
>>> from activesci.design import Campaign, GridPosterior, expected_information_gain
"""
from .abc_likelihood import ABCLikelihood
from .campaign import Campaign
from .eig import EIGResult, as_grid_posterior, expected_information_gain
from .likelihood import ExactLikelihood, HistogramLikelihood, KDELikelihood
from .posterior import GridPosterior
from .ratio_likelihood import RatioLikelihood
from .result import CampaignResult

__all__ = ["Campaign", "CampaignResult", "EIGResult", "GridPosterior", "ExactLikelihood",
           "HistogramLikelihood", "KDELikelihood", "RatioLikelihood", "ABCLikelihood",
           "as_grid_posterior",
           "expected_information_gain"]
