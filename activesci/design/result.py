"""The record of an experiment campaign: designs, utilities, posteriors, data; plots; save/load."""
from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ..storage import dumps
from .posterior import GridPosterior

__all__ = ["CampaignResult"]


@dataclass
class CampaignResult:
    """What a :class:`~activesci.design.Campaign` did, step by step.

    Attributes
    ----------
    steps : list of dict
        Per experiment: ``phi``, ``n_events``, the utility ``evaluations`` (phi, value, stderr),
        the fitted utility ``surface`` (phi grid, GP mean and std), ``chosen_utility``,
        ``posterior`` (mean, std, 68% interval per parameter) and ``seconds``.
    data : list of ndarray
        The data of every experiment.
    prior, posterior : GridPosterior
    truth : ndarray
        The true θ of simulated experiments (unknown, hence meaningless, for real ones).
    interrupted : bool
        True if the run was stopped by Ctrl-C (everything completed is kept).
    """

    steps: List[Dict[str, Any]]
    data: List[np.ndarray]
    prior: GridPosterior
    posterior: GridPosterior
    truth: np.ndarray
    phi_space: np.ndarray
    param_names: Sequence[str]
    config: Dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False

    # ------------------------------------------------------------------ summaries
    @property
    def phis(self) -> np.ndarray:
        """Chosen designs, shape (n_steps, n_design_variables)."""
        return np.array([s["phi"] for s in self.steps], dtype=float).reshape(len(self.steps), -1)

    def posterior_means(self) -> np.ndarray:
        return np.array([[v["mean"] for v in s["posterior"].values()] for s in self.steps])

    def posterior_stds(self) -> np.ndarray:
        return np.array([[v["std"] for v in s["posterior"].values()] for s in self.steps])

    def covers_truth(self, level: float = 0.95) -> bool:
        """Whether the final posterior's central interval at ``level`` contains the truth."""
        return all(lo <= t <= hi for t, (lo, hi) in zip(
            self.truth, (self.posterior.credible_interval(level, i)
                         for i in range(self.posterior.ndim))))

    def table(self) -> str:
        """A text table of the steps (the command line prints it)."""
        names = list(self.param_names)
        head = f"{'step':>4} {'phi':>22} {'events':>7} {'utility':>9} " + " ".join(
            f"{n + ' (mean ± std)':>26}" for n in names)
        lines = [head, "-" * len(head)]
        for s in self.steps:
            u = s.get("chosen_utility")
            post = " ".join(f"{v['mean']:>14.6g} ± {v['std']:<9.3g}" for v in s["posterior"].values())
            lines.append(f"{s['step']:>4} {str(np.round(s['phi'], 5).tolist()):>22} "
                         f"{s['n_events']:>7} {'' if u is None else f'{u:9.4g}':>9} {post}")
        return "\n".join(lines)

    def summary(self) -> Dict[str, Any]:
        """A JSON-ready summary (what ``activesci demo`` writes to summary.json)."""
        return {"n_experiments": len(self.steps), "truth": self.truth.tolist(),
                "final_posterior": self.posterior.summary(),
                "covers_truth_95": self.covers_truth(0.95),
                "phis": self.phis.tolist(), "interrupted": self.interrupted,
                "steps": [{k: v for k, v in s.items() if k not in ("surface",)}
                          for s in self.steps],
                "config": self.config}

    def __repr__(self) -> str:
        post = ", ".join(f"{n} = {v['mean']:.6g} ± {v['std']:.3g}"
                         for n, v in self.posterior.summary().items())
        flag = " (interrupted)" if self.interrupted else ""
        return f"<CampaignResult: {len(self.steps)} experiments{flag}; {post}>"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{s['step']}</td><td>{np.round(s['phi'], 5).tolist()}</td>"
            f"<td>{s['n_events']}</td>"
            + "".join(f"<td>{v['mean']:.6g} ± {v['std']:.3g}</td>" for v in s["posterior"].values())
            + "</tr>" for s in self.steps)
        heads = "".join(f"<th>{n}</th>" for n in self.param_names)
        return (f"<table><caption>CampaignResult{' (interrupted)' if self.interrupted else ''}"
                f"</caption><tr><th>step</th><th>phi</th><th>events</th>{heads}</tr>{rows}</table>")

    # ------------------------------------------------------------------ plots
    def plot_posteriors(self, ax=None):
        from ..plots.design import plot_posterior_evolution
        return plot_posterior_evolution(self, ax=ax)

    def plot_utility(self, step: int = -1, ax=None):
        from ..plots.design import plot_utility
        return plot_utility(self, step=step, ax=ax)

    def plot_designs(self, ax=None):
        from ..plots.design import plot_designs
        return plot_designs(self, ax=ax)

    # ------------------------------------------------------------------ persistence
    def save(self, path) -> None:
        """Write a single ``.npz``-style zip: ``result.json`` (steps, summaries, posteriors) and
        one array per experiment's data. No pickle."""
        path = os.fspath(path)
        payload = {"steps": self.steps, "truth": self.truth, "phi_space": self.phi_space,
                   "param_names": list(self.param_names), "config": self.config,
                   "interrupted": self.interrupted, "prior": self.prior.to_dict(),
                   "posterior": self.posterior.to_dict(), "n_data": len(self.data)}
        tmp = path + ".tmp"
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("result.json", dumps(payload))
            for i, d in enumerate(self.data):
                buf = io.BytesIO()
                np.save(buf, np.asarray(d), allow_pickle=False)
                z.writestr(f"data_{i:06d}.npy", buf.getvalue())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path) -> "CampaignResult":
        with zipfile.ZipFile(os.fspath(path)) as z:
            payload = json.loads(z.read("result.json"))
            data = [np.load(io.BytesIO(z.read(f"data_{i:06d}.npy")), allow_pickle=False)
                    for i in range(payload["n_data"])]
        return cls(steps=payload["steps"], data=data,
                   prior=GridPosterior.from_dict(payload["prior"]),
                   posterior=GridPosterior.from_dict(payload["posterior"]),
                   truth=np.asarray(payload["truth"]), phi_space=np.asarray(payload["phi_space"]),
                   param_names=payload["param_names"], config=payload["config"],
                   interrupted=payload["interrupted"])
