"""How bench/ compares two sides (STYLE.md habit 20): both pinned to one
core, run alternately (ours, theirs, ours, theirs, ...) so that a slow
moment of the machine falls on both, best of N each, the same inputs, and
what each side produced counted and printed, so that a ratio is only read
when both did the same work."""
import os
import time


def pin_one_core(core=None):
    """Pins this process (and the processes it starts) to one core: the
    given one, or the first this process may use. Returns the core."""
    allowed = sorted(os.sched_getaffinity(0))
    core = allowed[0] if core is None else core
    os.sched_setaffinity(0, {core})
    return core


def alternate(runs, ours, theirs):
    """Calls ours() and theirs() alternately, `runs` times each; returns
    (best seconds of ours, its last result, best seconds of theirs, its last
    result). A side may return (seconds, result) itself as a tuple tagged
    'timed' — ('timed', seconds, result) — when it times its own work (a
    subprocess that excludes its start-up)."""
    best = [1e30, 1e30]
    out = [None, None]
    for _ in range(runs):
        for k, f in enumerate((ours, theirs)):
            t0 = time.perf_counter()
            r = f()
            t = time.perf_counter() - t0
            if isinstance(r, tuple) and len(r) == 3 and r[0] == "timed":
                t, r = r[1], r[2]
            best[k] = min(best[k], t)
            out[k] = r
    return best[0], out[0], best[1], out[1]
