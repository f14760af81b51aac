"""Two studies end to end, and where their time goes: an SMM fit and a Sobol analysis (issue 17, part 4).

* ``dx.calibrate`` of ``platform-pilot-2022`` against its bundled targets
  (``scenarios/targets/platform-pilot-2022.toml``: Nelder-Mead on three
  parameters), with few iterations and replications per evaluation (the
  options below) so that the benchmark takes a minute or two, not an hour;
* ``dx.sensitivity`` of ``small``: Sobol indices of two parameters for two
  statistics (``samples * (d + 2)`` points, one replication each).

Both run in this process (``workers=1``), so the time inside the model can be
measured: the benchmark wraps (``benchmarks/timing.py``), for its own run only, the function that runs a
replication (``run_replication`` as the executors call it) and the one that
builds a Dataset from the replications (``build_dataset`` as ``simulate`` and
the points of a study call it), and prints, for each study, the wall time,
the time in the replications (the simulation), in building Datasets, and the
rest (scenario overrides, statistics, the optimiser or SALib, standard
errors' bookkeeping), with the number of replications run.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_studies.py [--maxiter N] [--samples N]``.
Prints the figures; asserts nothing (machines are noisy).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from timing import Clock, timing  # benchmarks/timing.py, beside this script

import dxsim as dx
import dxsim.experiment.executors as executors
import dxsim.experiment.simulate as simulate


def where_time_goes(label: str, study: Callable[[], Any]) -> Any:
    """Run ``study`` once, print its wall time and where it went; return its result."""
    clock = Clock()
    with timing(
        clock, [("run_replication", executors, "run_replication"), ("build_dataset", simulate, "build_dataset")]
    ):
        t0, c0 = time.perf_counter(), time.process_time()
        out = study()
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
    sim = clock.seconds.get("run_replication", 0.0)
    build = clock.seconds.get("build_dataset", 0.0)
    rest = total - sim - build
    n = clock.calls.get("run_replication", 0)
    print(
        f"{label}: {total:.1f} s wall ({cpu:.1f} s CPU); replications {sim:.1f} s ({sim / total:.0%}; {n} runs, "
        f"{sim / max(n, 1):.3f} s each), building Datasets {build:.1f} s ({build / total:.0%}; "
        f"{clock.calls.get('build_dataset', 0)} calls), the rest {rest:.1f} s ({rest / total:.0%})"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maxiter", type=int, default=4, help="Nelder-Mead iterations of the fit")
    parser.add_argument("--replications", type=int, default=2, help="replications per evaluation of the fit")
    parser.add_argument("--samples", type=int, default=16, help="Sobol base samples (a power of 2)")
    args = parser.parse_args()
    dx.simulate("small", replications=1, seed=1, progress=False)  # untimed warm-up: imports, caches
    fit = where_time_goes(
        f"calibrate platform-pilot-2022 (bundled targets, nelder-mead, maxiter {args.maxiter}, "
        f"{args.replications} replications per evaluation)",
        lambda: dx.calibrate(
            "platform-pilot-2022",
            "platform-pilot-2022",
            replications=args.replications,
            maxiter=args.maxiter,
            progress=False,
        ),
    )
    print(f"  {len(fit.evaluations)} points evaluated by the optimiser, objective {fit.objective:.3g}")
    params = {"industry_defaults.imitation": (0.1, 0.6), "programme.instruments[0].share": (0.1, 0.5)}
    where_time_goes(
        f"sensitivity small (sobol, 2 parameters, {args.samples} samples: {args.samples * 4} points, 1 replication each)",
        lambda: dx.sensitivity("small", params, ["adopters", "accepted@24"], samples=args.samples, progress=False),
    )


if __name__ == "__main__":
    main()
