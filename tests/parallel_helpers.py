"""Picklable task functions for the parallel tests (imported by spawned workers)."""
import math
import os
import signal
import time

import numpy as np


def noisy_square(x, random_state=None):
    """x² plus seeded noise: equal results prove equal seeds."""
    return float(x) ** 2 + np.random.default_rng(random_state).normal()


def fail_on(x, bad=(3,)):
    if x in bad:
        raise RuntimeError(f"simulator failed at {x}")
    return x * 10


def nan_on_odd(x):
    return math.nan if x % 2 else float(x)


def sleep_for(seconds):
    time.sleep(seconds)
    return seconds


def flaky(arg):
    """(x, marker) -> fails with an exception on the first attempt (marker file absent)."""
    x, marker = arg
    if not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError("first attempt fails")
    return x + 0.5


def die_first(arg):
    """(x, marker_dir) -> on the first attempt of x == 2, the worker process kills itself."""
    x, marker_dir = arg
    marker = os.path.join(marker_dir, f"died-{x}")
    if x == 2 and not os.path.exists(marker):
        with open(marker, "w") as fh:
            fh.write(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.05)
    return x * x, os.getpid()


def die_always(x):
    """x == 2 kills its worker on every attempt."""
    if x == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.05)
    return x * x


def pid_of(x):
    return os.getpid()


def quadratic(x, random_state=None):
    noise = 0.0 if random_state is None else 1e-3 * np.random.default_rng(random_state).normal()
    return float(sum((xi - 0.3) ** 2 for xi in x)) + noise


def sleep_then_pid(seconds):
    time.sleep(seconds)
    return os.getpid()


def slow_noisy_square(x, random_state=None):
    time.sleep(0.03)
    return noisy_square(x, random_state)


def delayed_noisy(arg, random_state=None):
    """(i, delay) -> sleeps, then a seeded draw: completion order varies, values must not."""
    i, delay = arg
    time.sleep(delay)
    return i + float(np.random.default_rng(random_state).normal())


def describe(task):
    """The type of a task and the name of the callable it holds (to check it arrives intact)."""
    first = next(iter(task.values())) if isinstance(task, dict) else task[0]
    return f"{type(task).__name__}:{first.__name__}"



def normal_mean_simulator(theta, random_state=None):
    """Vectorized ABC simulator: 10 draws of N(theta, 1) per row of theta (batch, 1)."""
    rng = np.random.default_rng(random_state)
    theta = np.asarray(theta, dtype=float).reshape(-1, 1)
    return theta + rng.standard_normal((theta.shape[0], 10))


def branin_list(x):
    """The Branin function of a point given as a list (ask/tell objectives take lists)."""
    from activesci.benchmarks import branin

    return float(branin(x))


def fail_on_branin_left_edge(x):
    """Branin, but the simulation 'crashes' on the left fifth of the domain."""
    if x[0] < -2.0:
        raise RuntimeError(f"simulation crashed at the left edge, x = {x}")
    return branin_list(x)
