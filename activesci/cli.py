"""The ``activesci`` command line.

    activesci demo gaussian [--seed N] [--experiments N] [--events N] [--truth X] [--method M]
                            [--policy P] [--out DIR]
    activesci demo weinberg [same options]
    activesci lhe info FILE [FILE ...]

``demo`` runs an active-sciencing campaign on a built-in simulator, shows progress and a table
of the experiments, and writes ``summary.json``, PNG plots (with matplotlib installed),
``campaign.zip`` (the full result, reloadable with ``CampaignResult.load``) and a small
``report.html`` showing them into ``--out``.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import sys
import time
from typing import List, Optional

import numpy as np

__all__ = ["main", "build_parser"]

DEMOS = {
    "gaussian": {
        "help": "x ~ N(theta, 2 + cos phi), phi in [0, 2 pi]: the best design is phi = pi",
        "events": 10, "experiments": 6, "truth": 0.7,
    },
    "weinberg": {
        "help": "e+e- -> mu+mu- at beam energies 40-50 GeV: measure sin^2(theta_W) from the "
                "muon angular distribution",
        "events": 200, "experiments": 8, "truth": 0.2312,
    },
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="activesci",
        description="Active sciencing: infer theory parameters from simulations and choose the "
                    "experiments that teach the most.")
    from . import __version__
    parser.add_argument("--version", action="version", version=f"activesci {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    demo = sub.add_parser("demo", help="run an experiment-design campaign on a built-in "
                                       "simulator", description=__doc__.split("\n\n")[1])
    demo.add_argument("problem", choices=sorted(DEMOS),
                      help="; ".join(f"{k}: {v['help']}" for k, v in sorted(DEMOS.items())))
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument("--experiments", type=int, default=None,
                      help="number of experiments (default: 6 gaussian, 8 weinberg)")
    demo.add_argument("--events", type=int, default=None,
                      help="events per experiment (default: 10 gaussian, 200 weinberg)")
    demo.add_argument("--truth", type=float, default=None,
                      help="the hidden true parameter (default: 0.7 gaussian, 0.2312 weinberg)")
    demo.add_argument("--method", default="exact",
                      choices=["exact", "histogram", "kde", "ratio", "abc"],
                      help="likelihood: exact, or likelihood-free from simulations: histogram, "
                           "kde, ratio (a trained classifier) or abc (default exact)")
    demo.add_argument("--policy", default="bo", choices=["bo", "random", "grid"],
                      help="design policy: Bayesian optimization of the expected information "
                           "gain (default), or the random/grid baselines")
    demo.add_argument("--out", default="activesci-demo",
                      help="output directory (default ./activesci-demo)")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    demo.set_defaults(func=run_demo)

    lhe = sub.add_parser("lhe", help="Les Houches Event files")
    lsub = lhe.add_subparsers(dest="lhe_command", metavar="SUBCOMMAND")
    lsub.required = True
    info = lsub.add_parser("info", help="events, processes, cross section and weights of LHE "
                                        "files (plain or .gz)")
    info.add_argument("files", nargs="+", metavar="FILE")
    info.add_argument("--json", action="store_true", help="print JSON instead of text")
    info.set_defaults(func=run_lhe_info)
    return parser


# ---------------------------------------------------------------------------- demo
def _problem(name: str, truth: float):
    from .design import GridPosterior
    from .simulators import EEToMuMu, GaussianDemo

    if name == "gaussian":
        sim = GaussianDemo()
        prior = GridPosterior.from_logpdf(lambda t: -0.5 * (t[:, 0] / 2.0) ** 2, [(-8.0, 8.0)],
                                          401, sim.param_names)
        return sim, prior, (0.0, 2 * np.pi)
    # sin²θ_W below 1/4: above it the muon angular distribution nearly repeats itself
    # (v = -1/2 + 2 sin²θ_W changes sign, and only v² and the κ normalisation enter)
    sim = EEToMuMu(phi_bounds=(40.0, 50.0), theta_bounds=(0.20, 0.25))
    prior = GridPosterior.uniform([(0.20, 0.25)], 401, sim.param_names)
    return sim, prior, (40.0, 50.0)


def run_demo(args) -> int:
    from .design import Campaign

    spec = DEMOS[args.problem]
    experiments = args.experiments if args.experiments is not None else spec["experiments"]
    events = args.events if args.events is not None else spec["events"]
    truth = args.truth if args.truth is not None else spec["truth"]
    if experiments < 1 or events < 1:
        print("error: --experiments and --events must be >= 1", file=sys.stderr)
        return 2
    sim, prior, space = _problem(args.problem, truth)
    lo, hi = sim.theta_bounds[0]
    if not lo <= truth <= hi:
        print(f"error: --truth {truth} is outside the parameter range [{lo}, {hi}]",
              file=sys.stderr)
        return 2
    print(f"activesci demo {args.problem}: {spec['help']}")
    print(f"  {experiments} experiments of {events} events, method={args.method}, "
          f"policy={args.policy}, seed={args.seed}; hidden truth {sim.param_names[0]} = {truth}")
    t0 = time.time()
    campaign = Campaign(sim, prior, space, n_events=events, method=args.method,
                        policy=args.policy, truth=truth, random_state=args.seed,
                        n_utility_evals=10, n_datasets=60)
    result = campaign.run(n_experiments=experiments, progress=not args.no_progress)
    print()
    print(result.table())
    post = result.posterior.summary()[sim.param_names[0]]
    lo95, hi95 = result.posterior.credible_interval(0.95)
    print(f"\n{sim.param_names[0]} = {post['mean']:.6g} ± {post['std']:.3g} "
          f"(95% interval [{lo95:.6g}, {hi95:.6g}]; truth {truth}) in {time.time() - t0:.1f} s")
    write_outputs(result, args.out, title=f"activesci demo {args.problem}")
    print(f"wrote {os.path.join(args.out, 'report.html')}")
    return 130 if result.interrupted else 0


def write_outputs(result, out_dir: str, title: str) -> List[str]:
    """summary.json, campaign.zip, PNG plots (if matplotlib is installed) and report.html."""
    os.makedirs(out_dir, exist_ok=True)
    files = []
    with open(os.path.join(out_dir, "summary.json"), "w") as fh:
        json.dump(json.loads(_dump(result.summary())), fh, indent=2)
    files.append("summary.json")
    result.save(os.path.join(out_dir, "campaign.zip"))
    files.append("campaign.zip")
    images = []
    try:
        import matplotlib
        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError:
        print("note: install matplotlib (pip install \"activesci[plots]\") for the PNG plots",
              file=sys.stderr)
        plt = None
    if plt is not None:
        plots = [("posterior.png", result.plot_posteriors), ("designs.png", result.plot_designs)]
        if result.steps and "surface" in result.steps[-1] and result.phis.shape[1] == 1:
            plots.append(("utility.png", result.plot_utility))
        for name, fn in plots:
            fig, ax = plt.subplots(figsize=(6.4, 4.2))
            fn(ax=ax)
            fig.tight_layout()
            fig.savefig(os.path.join(out_dir, name), dpi=110)
            plt.close(fig)
            images.append(name)
            files.append(name)
    with open(os.path.join(out_dir, "report.html"), "w") as fh:
        fh.write(_report_html(result, title, images))
    files.append("report.html")
    return files


def _dump(obj) -> str:
    from .storage import dumps
    return dumps(obj)


def _report_html(result, title: str, images: List[str]) -> str:
    imgs = "\n".join(f'<figure><img src="{html.escape(i)}" alt="{html.escape(i)}">'
                     f"<figcaption>{html.escape(i)}</figcaption></figure>" for i in images)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 8px}}
figure{{display:inline-block;margin:0.5em}}img{{max-width:30em}}</style></head>
<body><h1>{html.escape(title)}</h1>
<p>{html.escape(repr(result))}</p>
{result._repr_html_()}
{imgs}
<pre>{html.escape(result.table())}</pre>
</body></html>
"""


# ---------------------------------------------------------------------------- lhe info
def lhe_info(path) -> dict:
    """A summary of an LHE file: events, processes, beams, cross section, weights."""
    from .io import LHEFile, iter_lhe

    meta = LHEFile(path)
    n = 0
    sum_w = 0.0
    sum_w2 = 0.0
    processes = {}
    weight_names: List[str] = []
    negative = 0
    for batch in iter_lhe(path, chunk_size=100_000):
        n += len(batch)
        sum_w += float(np.sum(batch.weight))
        sum_w2 += float(np.sum(batch.weight ** 2))
        negative += int(np.sum(batch.weight < 0))
        for pid, count in zip(*np.unique(batch.process_id, return_counts=True)):
            processes[int(pid)] = processes.get(int(pid), 0) + int(count)
        weight_names += [w for w in batch.weight_names if w not in weight_names]
    init = meta.init
    return {
        "file": os.fspath(path), "version": meta.version, "events": n,
        "beams": [{"pdgid": init.beam_id[i], "energy_gev": init.beam_energy[i]} for i in (0, 1)],
        "weighting_strategy": init.weighting_strategy,
        "processes": [{"id": int(init.process_id[i]), "xsec_pb": init.xsec[i],
                       "xsec_error_pb": init.xsec_error[i],
                       "events": processes.get(int(init.process_id[i]), 0)}
                      for i in range(init.n_processes)],
        "cross_section_pb": init.cross_section,
        "sum_of_weights": sum_w, "negative_weight_events": negative,
        "weights": weight_names,
        "generator": "MadGraph" if "MadGraph" in meta.header or "MG5" in meta.header else None,
    }


def run_lhe_info(args) -> int:
    from .exceptions import LHEParseError

    status = 0
    for path in args.files:
        try:
            info = lhe_info(path)
        except (OSError, LHEParseError) as exc:
            print(f"{path}: error: {exc}", file=sys.stderr)
            status = 1
            continue
        if args.json:
            print(json.dumps(info))
            continue
        b = info["beams"]
        print(f"{info['file']}  (LHEF {info['version'] or '?'}"
              f"{', ' + info['generator'] if info['generator'] else ''})")
        neg = info["negative_weight_events"]
        print(f"  events:        {info['events']}"
              + (f" ({neg} with negative weight)" if neg else ""))
        print(f"  beams:         {b[0]['pdgid']} ({b[0]['energy_gev']:g} GeV) + "
              f"{b[1]['pdgid']} ({b[1]['energy_gev']:g} GeV)")
        print(f"  cross section: {info['cross_section_pb']:.6g} pb "
              f"(weighting strategy {info['weighting_strategy']})")
        for p in info["processes"]:
            print(f"    process {p['id']:>6}: {p['xsec_pb']:.6g} ± {p['xsec_error_pb']:.3g} pb,"
                  f" {p['events']} events")
        print(f"  sum of weights: {info['sum_of_weights']:.6g}")
        names = info["weights"]
        print(f"  extra weights: {len(names)}"
              + (f" ({', '.join(names[:6])}{', ...' if len(names) > 6 else ''})" if names else ""))
    return status


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
