"""The active-sciencing loop: choose a design, run the experiment, update the posterior, repeat.

Each step of a :class:`Campaign`

1. estimates the utility U(φ) (expected information gain by default) of candidate designs by
   simulation and maximizes this noisy function by Bayesian optimization with the ask/tell
   :class:`~activesci.optimizer.Optimizer` (or picks φ at random, or from a fixed grid: the
   baselines run through the same code);
2. chooses φ where a Gaussian process fitted to the utility estimates has its largest mean
   (robust to the Monte Carlo noise of single estimates);
3. runs the experiment at φ (a callable, by default the simulator at a hidden true θ);
4. updates the grid posterior with the data's likelihood (exact or estimated);
5. records everything, in memory and, with ``storage``, in a SQLite file (each utility
   estimate committed as it completes), so that an interrupted campaign resumes where it
   stopped, without repeating or losing any evaluation.

Randomness is derived per step and per evaluation from ``random_state``, so a resumed campaign
makes exactly the choices the uninterrupted one would have made.
"""
from __future__ import annotations

import json
import numbers
import os
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np

from .._validation import RandomState, check_scalar, seed_from_random_state
from ..storage import RunStore
from .eig import UTILITIES, as_grid_posterior, expected_information_gain, resolve_n_events
from .likelihood import make_likelihood
from .posterior import GridPosterior
from .result import CampaignResult

__all__ = ["Campaign"]

POLICIES = ("bo", "random", "grid")
METHODS = ("exact", "histogram", "kde", "ratio", "abc")


def _derive(seed: int, *keys: int) -> int:
    """A 63-bit seed for (seed, keys...): independent streams per step and evaluation."""
    ss = np.random.SeedSequence([seed & 0xFFFFFFFFFFFFFFFF, *[int(k) for k in keys]])
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> 1)


class Campaign:
    """Sequential experimental design for the parameters θ of a simulator.

    Parameters
    ----------
    simulator : Simulator
        ``simulate(theta, phi, n, random_state)`` (and ``logpdf`` for ``method="exact"``);
        θ has 1 or 2 components (the posterior lives on a grid).
    prior : GridPosterior or distribution with logpdf
        Belief about θ before the first experiment.
    phi_space : (low, high) or list of such pairs
        The range of designs (one pair per design variable).
    experiment : callable, optional
        ``experiment(phi) -> data`` runs the real experiment. Default: the simulator at the
        hidden true θ ``truth`` with ``n_events(phi)`` events.
    n_events : int or callable, default=100
        Events per experiment, or ``n_events(phi)`` (e.g. luminosity × cross section).
    utility : {"information_gain", "variance_reduction"}
    method : {"exact", "histogram", "kde", "ratio", "abc"}
        Likelihood used both for utility estimates and for the posterior update.
    policy : {"bo", "random", "grid"}, default="bo"
        How the design is chosen: Bayesian optimization of the utility, or the baselines.
    n_utility_evals : int, default=12
        Utility estimates per step (``policy="bo"``).
    n_datasets : int, default=100
        Simulated data sets per utility estimate.
    grid_points : int, default=201
        Grid cells per parameter.
    truth : float or array, optional
        The hidden θ of the default experiment (default: a draw from the prior).
    optimizer_kwargs : dict, optional
        Passed to :class:`activesci.optimizer.Optimizer`.
    likelihood_kwargs : dict, optional
        Passed to the likelihood model (``bins``, ``n_reference``, ``feature``, ...).
    random_state : int, Generator or None
    storage : path, optional
        SQLite file; an existing one is resumed (same configuration required).
    executor : None, "serial", "processes", "dask", distributed.Client, address or Executor
        Where utility estimates run (see :func:`activesci.parallel.get_executor`); the
        simulator, likelihood and ``n_events`` must be picklable for process pools. Each
        estimate gets the seed it would get serially, so a value depends only on (φ, step,
        evaluation), never on the executor or the completion order.
    n_parallel : int, default=1
        Utility estimates proposed together (``ask(n_points=n_parallel)``) and evaluated in
        parallel. Results depend on ``n_parallel`` (the proposals do) but not on the executor
        or its number of workers; ``n_parallel=1`` is the serial algorithm exactly.
    max_retries : int, default=0
        Further attempts of a utility estimate that raised, returned NaN, timed out or lost
        its worker; an estimate still failing is recorded as failed (with its error, also in
        the store) and left out of the optimization and the utility surface.
    timeout : float, optional
        Seconds per utility estimate (see :func:`activesci.parallel.map_tasks`).

    Examples
    --------
    >>> from activesci.simulators import GaussianDemo
    >>> from activesci.design import Campaign, GridPosterior
    >>> prior = GridPosterior.from_logpdf(lambda t: -0.5 * t[:, 0] ** 2, [(-5, 5)], 201)
    >>> c = Campaign(GaussianDemo(), prior, (0.0, 2 * np.pi), n_events=5, truth=0.3,
    ...              n_utility_evals=8, n_datasets=40, random_state=1)
    >>> result = c.run(n_experiments=2, progress=False)
    >>> len(result.steps)
    2
    """

    def __init__(
        self,
        simulator,
        prior,
        phi_space,
        experiment: Optional[Callable] = None,
        n_events: Union[int, Callable] = 100,
        utility: str = "information_gain",
        method: str = "exact",
        policy: str = "bo",
        n_utility_evals: int = 12,
        n_datasets: int = 100,
        grid_points: int = 201,
        truth: Any = None,
        optimizer_kwargs: Optional[Dict[str, Any]] = None,
        likelihood_kwargs: Optional[Dict[str, Any]] = None,
        random_state: RandomState = None,
        storage: Optional[Union[str, os.PathLike]] = None,
        executor: Any = None,
        n_parallel: int = 1,
        max_retries: int = 0,
        timeout: Optional[float] = None,
    ):
        if utility not in UTILITIES:
            raise ValueError(f"utility must be one of {UTILITIES}, got {utility!r}")
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        if policy not in POLICIES:
            raise ValueError(f"policy must be one of {POLICIES}, got {policy!r}")
        check_scalar(n_utility_evals, "n_utility_evals", kind=numbers.Integral, low=2)
        check_scalar(n_datasets, "n_datasets", kind=numbers.Integral, low=2)
        check_scalar(grid_points, "grid_points", kind=numbers.Integral, low=5)
        check_scalar(n_parallel, "n_parallel", kind=numbers.Integral, low=1)
        check_scalar(max_retries, "max_retries", kind=numbers.Integral, low=0)
        if timeout is not None:
            check_scalar(timeout, "timeout", kind=numbers.Real, low=0, include_low=False)
        self.simulator = simulator
        self.phi_space = self._check_space(phi_space)
        self.prior = as_grid_posterior(prior, simulator, grid_points)
        self._check_prior_inside_simulator()
        self.n_events = n_events
        self.utility = utility
        self.method = method
        self.policy = policy
        self.n_utility_evals = int(n_utility_evals)
        self.n_datasets = int(n_datasets)
        self.optimizer_kwargs = dict(optimizer_kwargs or {})
        self.likelihood_kwargs = dict(likelihood_kwargs or {})
        self.executor = executor
        self.n_parallel = int(n_parallel)
        self.max_retries = int(max_retries)
        self.timeout = timeout
        self._backend = None
        self.seed = seed_from_random_state(random_state) & 0x7FFFFFFFFFFFFFFF
        if truth is None:
            truth = self.prior.sample(1, _derive(self.seed, 999_999))[0]
        self.truth = np.atleast_1d(np.asarray(truth, dtype=float))
        if self.truth.shape != (self.prior.ndim,):
            raise ValueError(f"truth must have {self.prior.ndim} component(s), got "
                             f"{self.truth.shape}")
        self._experiment = experiment
        self.likelihood = self._make_likelihood()
        self.posterior = self.prior
        self.steps: List[Dict[str, Any]] = []
        self.data: List[np.ndarray] = []
        self.store = None
        if storage is not None:
            self.store = RunStore(storage, config=self._config())
            self._resume()

    # ------------------------------------------------------------------ setup
    def _check_prior_inside_simulator(self) -> None:
        """Every grid point of the prior must be a θ the simulator accepts: otherwise each
        utility estimate would fail, and only deep inside the first step."""
        bounds = getattr(self.simulator, "theta_bounds", None)
        if bounds is None:
            return
        bounds = np.asarray(bounds, dtype=float).reshape(-1, 2)
        if bounds.shape[0] != self.prior.ndim:
            raise ValueError(f"the prior has {self.prior.ndim} parameter(s) but the simulator "
                             f"has {bounds.shape[0]} ({getattr(self.simulator, 'param_names', '')})")
        pts = self.prior.points
        outside = (pts < bounds[:, 0]) | (pts > bounds[:, 1])
        if np.any(outside):
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            raise ValueError(
                f"the prior's grid spans {np.c_[lo, hi].tolist()} but the simulator accepts "
                f"theta in {bounds.tolist()}: build the prior on the simulator's theta_bounds "
                "(e.g. GridPosterior.uniform(simulator.theta_bounds, ...)) or widen them")

    @staticmethod
    def _check_space(phi_space) -> np.ndarray:
        space = np.asarray(phi_space, dtype=float)
        if space.ndim == 1:
            space = space.reshape(1, 2) if space.size == 2 else space
        if space.ndim != 2 or space.shape[1] != 2:
            raise ValueError(f"phi_space must be (low, high) or a list of (low, high) pairs, got "
                             f"{np.asarray(phi_space).tolist()}")
        if np.any(~np.isfinite(space)) or np.any(space[:, 0] >= space[:, 1]):
            raise ValueError(f"phi_space bounds must be finite with low < high, got "
                             f"{space.tolist()}; swap reversed bounds")
        return space

    def _config(self) -> Dict[str, Any]:
        return {"simulator": repr(self.simulator), "phi_space": self.phi_space.tolist(),
                "n_events": self.n_events if not callable(self.n_events) else repr(self.n_events),
                "utility": self.utility, "method": self.method, "policy": self.policy,
                "n_utility_evals": self.n_utility_evals, "n_datasets": self.n_datasets,
                "seed": self.seed, "truth": self.truth.tolist(),
                "prior": {"axes": [[float(a[0]), float(a[-1]), len(a)] for a in self.prior.axes],
                          "log_prob_sum": float(np.sum(self.prior.log_prob[np.isfinite(
                              self.prior.log_prob)]))},
                "likelihood_kwargs": {k: repr(v) for k, v in self.likelihood_kwargs.items()},
                # only when it changes the proposals (keeps older stores resumable)
                **({"n_parallel": self.n_parallel} if self.n_parallel != 1 else {})}

    def _make_likelihood(self):
        if self.method in ("exact", "histogram", "kde"):
            return make_likelihood(self.method, self.simulator, **self.likelihood_kwargs)
        if self.method == "ratio":
            from .ratio_likelihood import RatioLikelihood
            return RatioLikelihood(self.simulator, prior=self.prior, phi_space=self.phi_space,
                                   random_state=_derive(self.seed, 888_888),
                                   **self.likelihood_kwargs)
        from .abc_likelihood import ABCLikelihood
        return ABCLikelihood(self.simulator, random_state=_derive(self.seed, 777_777),
                             **self.likelihood_kwargs)

    def experiment(self, phi: np.ndarray, step: int) -> np.ndarray:
        """Run (or simulate) the experiment of ``step`` at design ``phi``."""
        phi_arg = phi[0] if phi.size == 1 else phi
        if self._experiment is not None:
            return np.asarray(self._experiment(phi_arg))
        n = resolve_n_events(self.n_events, phi_arg)
        # one θ point: a scalar for one parameter, else the (n_params,) vector
        theta = self.truth[0] if self.truth.size == 1 else self.truth
        return np.asarray(self.simulator.simulate(theta, phi_arg, n,
                                                  random_state=_derive(self.seed, step, 1)))

    # ------------------------------------------------------------------ one step
    def _utility(self, phi: np.ndarray, step: int, j: int):
        phi_arg = phi[0] if phi.size == 1 else phi
        return expected_information_gain(
            self.simulator, phi_arg, self.posterior, self.n_events, method=self.method,
            n_datasets=self.n_datasets, utility=self.utility,
            random_state=_derive(self.seed, step, 100 + j), likelihood=self.likelihood)

    def _evaluate(self, phi: np.ndarray, step: int, j: int) -> Optional[Dict[str, Any]]:
        """A utility estimate, from the store if this evaluation already completed; None if it
        failed (after ``max_retries``)."""
        return self._evaluate_batch([phi], step, [j])[0]

    def _utility_task(self) -> "_UtilityTask":
        return _UtilityTask(self.simulator, self.posterior, self.n_events, self.method,
                            self.n_datasets, self.utility, self.likelihood)

    def _get_backend(self):
        if self._backend is None:
            from ..parallel import get_executor
            self._backend = get_executor(self.executor)
        return self._backend

    def close(self) -> None:
        """Shut down an executor created by the campaign and close the store."""
        if self._backend is not None:
            if self._backend is not self.executor:
                self._backend.close()
            self._backend = None
        if self.store is not None:
            self.store.close()
            self.store = None

    def _evaluate_batch(self, phis: Sequence[np.ndarray], step: int,
                        js: Sequence[int]) -> List[Optional[Dict[str, Any]]]:
        """Utility estimates of evaluations ``js`` of ``step`` at ``phis``: stored ones are read
        back, the others run on the executor (evaluation j with seed (seed, step, 100 + j), as
        serially), each committed to the store as it completes. Failed ones are None."""
        from ..parallel import imap_tasks

        group = f"step{step}"
        out: Dict[int, Optional[Dict[str, Any]]] = {}
        if self.store is not None:
            stored = {row["task"]: row for row in self.store.evaluations(group)}
            for j in js:
                row = stored.get(j)
                if row is not None:
                    out[j] = (None if row["status"] != "ok" else
                              {"phi": row["x"], "value": row["value"],
                               "stderr": row["extra"]["stderr"]})
        todo = [(np.asarray(phi, dtype=float).reshape(-1), j) for phi, j in zip(phis, js)
                if j not in out]
        if todo:
            seeds = [_derive(self.seed, step, 100 + j) for _, j in todo]
            t0 = time.time()
            for r in imap_tasks(self._utility_task(), [phi.tolist() for phi, _ in todo],
                                self._get_backend(), seeds=seeds, timeout=self.timeout,
                                max_retries=self.max_retries, nan_is_failure=False):
                j = todo[r.index][1]
                value = None if not r.ok else r.value
                if value is not None and not np.isfinite(value["value"]):
                    r.status, r.error = "failed", "the utility estimate is not finite"
                if r.ok:
                    out[j] = {"phi": r.task, "value": value["value"], "stderr": value["stderr"]}
                else:
                    out[j] = None
                    self._last_error = r.error  # named in the step's error if all fail
                if self.store is not None:
                    if r.ok:
                        self.store.put_evaluation(group, j, r.task, value["value"],
                                                  {"stderr": value["stderr"]},
                                                  attempts=r.attempts, started=t0)
                    else:
                        self.store.put_evaluation(group, j, r.task, None, {"stderr": None},
                                                  status="failed", error=r.error,
                                                  attempts=r.attempts, started=t0)
        return [out.get(j) for j in js]

    def _choose_bo(self, step: int):
        from ..optimizer import Optimizer

        kwargs = {"base_estimator": "gp", "acq_func": "gp_hedge",
                  "n_initial_points": min(5, self.n_utility_evals),
                  "random_state": _derive(self.seed, step, 2)}
        kwargs.update(self.optimizer_kwargs)
        opt = Optimizer([tuple(b) for b in self.phi_space], **kwargs)
        evals = self._optimize_utility(opt, step)
        if len(evals) < 2:
            last = getattr(self, "_last_error", None)
            detail = f"; the last error was: {str(last).strip().splitlines()[-1]}" if last else ""
            raise RuntimeError(f"step {step}: only {len(evals)} of {self.n_utility_evals} "
                               f"utility estimates succeeded{detail} (all errors are in the "
                               "store, if any; raise max_retries for transient failures)")
        surface = self._surface(evals)
        return surface["best_phi"], evals, surface

    def _optimize_utility(self, opt, step: int) -> List[Dict[str, Any]]:
        """The ask/tell loop over the utility: ``n_parallel`` designs per ask, evaluated
        together, told in evaluation order (deterministic whatever the executor); failed
        estimates are not told."""
        evals: List[Dict[str, Any]] = []
        j = 0
        while j < self.n_utility_evals:
            b = min(self.n_parallel, self.n_utility_evals - j)
            if b == 1:
                phis = [np.asarray(opt.ask(), dtype=float)]
            else:
                phis = [np.asarray(p, dtype=float) for p in opt.ask(n_points=b)]
            recs = self._evaluate_batch(phis, step, list(range(j, j + b)))
            for phi, rec in zip(phis, recs):
                if rec is not None:  # tell what was evaluated (a stored φ on resume)
                    opt.tell(list(rec["phi"]), -rec["value"])
                    evals.append(rec)
            j += b
        return evals

    def _surface(self, evals) -> Dict[str, Any]:
        """GP fitted to the noisy utility estimates; its maximum is the chosen design."""
        from ..gp import GaussianProcessRegressor
        from ..gp.kernels import ConstantKernel, Matern, WhiteKernel

        lo, hi = self.phi_space[:, 0], self.phi_space[:, 1]
        X = (np.array([e["phi"] for e in evals], dtype=float).reshape(len(evals), -1) - lo) / (hi - lo)
        y = np.array([e["value"] for e in evals])
        noise = np.array([e["stderr"] for e in evals]) ** 2
        d = X.shape[1]
        kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(np.full(d, 0.3), (0.05, 5.0),
                                                           nu=2.5) + WhiteKernel(1e-3, (1e-8, 1.0))
        scale = max(float(np.std(y)), 1e-12)
        gp = GaussianProcessRegressor(kernel, alpha=noise / scale ** 2 + 1e-10, normalize_y=True,
                                      n_restarts_optimizer=2, random_state=0).fit(X, y)
        if d == 1:
            grid = np.linspace(0.0, 1.0, 401)[:, None]
        else:
            rng = np.random.default_rng(0)
            grid = np.vstack([rng.random((4000, d)), X])
        mean, std = gp.predict(grid, return_std=True)
        best = int(np.argmax(mean))
        return {"gp": gp, "grid": lo + grid * (hi - lo), "mean": mean, "std": std,
                "best_phi": lo + grid[best] * (hi - lo), "best_value": float(mean[best])}

    def step(self) -> Dict[str, Any]:
        """Choose a design, run the experiment there, update the posterior; return the record."""
        k = len(self.steps)
        t0 = time.time()
        evals: List[Dict[str, Any]] = []
        surface = None
        rng = np.random.default_rng(_derive(self.seed, k, 3))
        if self.policy == "bo":
            phi, evals, surface = self._choose_bo(k)
        elif self.policy == "random":
            phi = self.phi_space[:, 0] + rng.random(len(self.phi_space)) * np.ptp(self.phi_space, 1)
        else:
            n_grid = max(2, int(self.optimizer_kwargs.get("n_grid", 5)))
            levels = np.linspace(0.0, 1.0, n_grid)
            phi = self.phi_space[:, 0] + levels[k % n_grid] * np.ptp(self.phi_space, 1)
        phi = np.asarray(phi, dtype=float).reshape(-1)
        data = self.experiment(phi, k)
        phi_arg = phi[0] if phi.size == 1 else phi
        ll = self.likelihood.loglike([data], self.posterior.points, phi_arg,
                                     random_state=_derive(self.seed, k, 4))
        self.posterior = self.posterior.update(ll[0])
        record = {
            "step": k, "phi": phi.tolist(), "n_events": int(np.shape(data)[0]),
            "evaluations": evals,
            "chosen_utility": None if surface is None else surface["best_value"],
            "posterior": self.posterior.summary(),
            "seconds": time.time() - t0,
        }
        if surface is not None:
            record["surface"] = {"phi": surface["grid"][:, 0].tolist() if surface["grid"].shape[1] == 1
                                 else surface["grid"].tolist(),
                                 "mean": surface["mean"].tolist(), "std": surface["std"].tolist()}
        self.steps.append(record)
        self.data.append(np.asarray(data))
        if self.store is not None:  # one transaction: a step is stored whole or not at all
            self.store.put_many({f"data/{k:06d}": np.asarray(data).tolist(),
                                 f"step/{k:06d}": record})
        return record

    def _resume(self) -> None:
        keys = sorted(self.store.keys("step/"))
        for key in keys:
            record = self.store.get(key)
            k = record["step"]
            data = np.asarray(self.store.get(f"data/{k:06d}"), dtype=float)
            phi = np.asarray(record["phi"], dtype=float)
            phi_arg = phi[0] if phi.size == 1 else phi
            ll = self.likelihood.loglike([data], self.posterior.points, phi_arg,
                                         random_state=_derive(self.seed, k, 4))
            self.posterior = self.posterior.update(ll[0])
            self.steps.append(record)
            self.data.append(data)

    # ------------------------------------------------------------------ driver
    def run(self, n_experiments: Optional[int] = None, target_std: Optional[float] = None,
            progress: bool = True, callback: Optional[Callable] = None) -> CampaignResult:
        """Run steps until ``n_experiments`` in total or the posterior std of every parameter is
        below ``target_std``; Ctrl-C stops after the current evaluation, keeping every completed
        step (and, with storage, every completed utility estimate).

        Parameters
        ----------
        n_experiments : int, optional
            Total number of experiments (including steps already done or resumed).
        target_std : float or array, optional
            Stop once the posterior standard deviation is at most this.
        progress : bool, default=True
            Show a progress bar (tqdm if installed, else a line per step).
        callback : callable, optional
            ``callback(record)`` after each step; returning True stops the campaign.
        """
        if n_experiments is None and target_std is None:
            raise ValueError("give n_experiments, target_std, or both")
        if n_experiments is not None:
            check_scalar(n_experiments, "n_experiments", kind=numbers.Integral, low=1)
        limit = n_experiments if n_experiments is not None else 10_000
        bar = _progress(limit - len(self.steps), progress)
        interrupted = False
        try:
            while len(self.steps) < limit:
                if target_std is not None and np.all(self.posterior.std() <= target_std):
                    break
                record = self.step()
                bar.update(record)
                if callback is not None and callback(record):
                    break
        except KeyboardInterrupt:
            interrupted = True
        finally:
            bar.close()
            if self._backend is not None and self._backend is not self.executor:
                self._backend.close()
                self._backend = None
        return self.result(interrupted=interrupted)

    def result(self, interrupted: bool = False) -> CampaignResult:
        return CampaignResult(
            steps=list(self.steps), data=list(self.data), prior=self.prior,
            posterior=self.posterior, truth=self.truth, phi_space=self.phi_space,
            param_names=self.prior.param_names, config=self._config(), interrupted=interrupted)


class _progress:
    def __init__(self, total: int, enabled: bool):
        self.bar = None
        self.enabled = enabled
        if enabled:
            try:
                from tqdm.auto import tqdm
                self.bar = tqdm(total=max(total, 0), desc="experiments", unit="exp")
            except ImportError:
                self.bar = None

    def update(self, record):
        if not self.enabled:
            return
        post = record["posterior"]
        name, s = next(iter(post.items()))
        msg = f"phi={np.round(record['phi'], 4).tolist()} {name}={s['mean']:.5g}±{s['std']:.2g}"
        if self.bar is not None:
            self.bar.set_postfix_str(msg)
            self.bar.update(1)
        else:
            print(f"step {record['step']}: {msg}", flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


class _UtilityTask:
    """A picklable utility estimate ``task(phi, random_state) -> {"value", "stderr"}``: what
    the executor's workers run (the campaign itself holds a database connection)."""

    def __init__(self, simulator, posterior, n_events, method, n_datasets, utility, likelihood):
        self.simulator = simulator
        self.posterior = posterior
        self.n_events = n_events
        self.method = method
        self.n_datasets = n_datasets
        self.utility = utility
        self.likelihood = likelihood

    def __call__(self, phi, random_state):
        phi = np.asarray(phi, dtype=float).reshape(-1)
        phi_arg = phi[0] if phi.size == 1 else phi
        r = expected_information_gain(
            self.simulator, phi_arg, self.posterior, self.n_events, method=self.method,
            n_datasets=self.n_datasets, utility=self.utility, random_state=random_state,
            likelihood=self.likelihood)
        return {"value": float(r.value), "stderr": float(r.stderr)}
