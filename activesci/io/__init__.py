"""Input/output of event files: Les Houches Event (LHE) files from MadGraph and others.

Examples
--------
>>> from activesci.io import read_lhe, iter_lhe, count_events, write_lhe  # doctest: +SKIP
"""
from .lhe import (LHEEvents, LHEFile, LHEInit, costheta, count_events, invariant_mass,
                  iter_lhe, pseudorapidity, pt, rapidity, read_lhe, write_lhe)

__all__ = ["LHEEvents", "LHEFile", "LHEInit", "read_lhe", "iter_lhe", "count_events",
           "write_lhe", "invariant_mass", "costheta", "pt", "rapidity", "pseudorapidity"]
