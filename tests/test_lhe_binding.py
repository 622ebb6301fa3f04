"""The LHE binding: zero-copy hand-over of the parser's buffers, reference counts and memory.

lhe_take gives NumPy arrays that adopt the parser's malloc'd buffers (freed with the array)
when no event is cut by the chunk boundary, and copies otherwise; both must give the same
values, own their data (one reference, held by the caller) and not leak.
"""
import gc
import resource
import sys

import numpy as np

from activesci import _core
from activesci.io import LHEEvents, LHEInit
from activesci.io.lhe import _render

FIELDS = ("nparticles", "process_id", "weight", "scale", "aqed", "aqcd", "pdgid", "status",
          "mother1", "mother2", "color1", "color2", "px", "py", "pz", "e", "m", "lifetime",
          "spin")


def _text(n=200, seed=0):
    rng = np.random.default_rng(seed)
    ev = LHEEvents.from_particles(
        offsets=np.arange(0, 4 * n + 1, 4), pdgid=np.tile([11, -11, 13, -13], n),
        status=np.tile([-1, -1, 1, 1], n), px=rng.normal(size=4 * n),
        pz=rng.normal(size=4 * n), e=rng.uniform(40, 50, 4 * n),
        weights=rng.uniform(0.5, 1.5, (n, 3)), weight_names=["a", "b", "c"])
    return _render(ev, LHEInit(), "").encode()


def _take_all(text, cut):
    """Feed text[:cut] then the rest, taking after each piece; concatenated columns."""
    p = _core.lhe_new()
    parts = []
    for piece in (text[:cut], text[cut:]):
        assert _core.lhe_feed(p, piece) is None
        parts.append(_core.lhe_take(p))
    assert _core.lhe_finish(p) is None
    parts.append(_core.lhe_take(p))
    cols = {k: np.concatenate([d[k] for d in parts]) for k in FIELDS}
    cols["weights"] = np.concatenate([d["weights"][1] for d in parts if d["weights"][0]])
    return cols, parts


def test_adopted_and_copied_batches_hold_the_same_values():
    text = _text()
    whole, parts = _take_all(text, len(text))  # no event cut: the buffers are adopted
    assert isinstance(parts[0]["px"].base, type(_core.lhe_new()))  # a capsule owns the data
    assert parts[0]["px"].flags.owndata is False and parts[0]["px"].flags.writeable
    middle = text.index(b"<event>", len(text) // 2) + 40  # inside an event: copied
    cut, cut_parts = _take_all(text, middle)
    assert cut_parts[0]["px"].base is None  # a fresh array owning its copy
    for k in FIELDS:
        np.testing.assert_array_equal(cut[k], whole[k], err_msg=k)
    np.testing.assert_array_equal(cut["weights"], whole["weights"])
    assert whole["weights"].shape == (200, 3) and not np.isnan(whole["weights"]).any()


def test_outputs_are_owned_by_the_caller_and_arguments_keep_their_counts():
    text = _text(20)
    before = sys.getrefcount(text)
    p = _core.lhe_new()
    for _ in range(50):
        p = _core.lhe_new()
        assert _core.lhe_feed(p, text) is None
        assert _core.lhe_finish(p) is None
        d = _core.lhe_take(p)
        arrays = [d.pop(k) for k in FIELDS]
        del d
        for a in arrays:  # the list, the loop variable and getrefcount's argument
            assert sys.getrefcount(a) == 3
    del arrays, a
    gc.collect()
    assert sys.getrefcount(text) == before


def test_memory_is_stable_over_many_reads():
    text = _text(300)

    def cycle():
        p = _core.lhe_new()
        _core.lhe_feed(p, text)
        _core.lhe_finish(p)
        d = _core.lhe_take(p)
        assert d["px"].shape == (1200,)
        q = _core.lhe_new()  # background parsing, in pieces
        for i in range(0, len(text), 20_000):
            _core.lhe_feed_async(q, text[i:i + 20_000])
        assert _core.lhe_finish(q) is None
        assert _core.lhe_take(q)["px"].shape == (1200,)
        bad = _core.lhe_new()  # an error path: a file cut inside an event
        assert _core.lhe_feed(bad, text[: len(text) // 2]) is None
        assert _core.lhe_finish(bad) is not None
        _core.lhe_take(bad)

    for _ in range(20):  # warm up allocator pools
        cycle()
    gc.collect()
    start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(1000):
        cycle()
    gc.collect()
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start
    assert grown_kib < 20_000, f"peak RSS grew by {grown_kib} KiB over 1000 rounds"


def test_count_and_stopped_parser():
    text = _text(5)
    p = _core.lhe_new()
    assert _core.lhe_count(p) == 0
    _core.lhe_feed(p, text)
    assert _core.lhe_count(p) == 5
    _core.lhe_take(p)
    assert _core.lhe_count(p) == 0
    assert _core.lhe_finish(p) is None
    try:
        _core.lhe_feed(p, b"more")
    except ValueError as exc:  # a stopped parser refuses input
        assert "create a new one" in str(exc)
    else:
        raise AssertionError("a finished parser accepted more input")


def test_background_parsing_equals_foreground_parsing():
    text = _text(300, seed=4)
    ref = _core.lhe_new()
    assert _core.lhe_feed(ref, text) is None and _core.lhe_finish(ref) is None
    want = _core.lhe_take(ref)
    rng = np.random.default_rng(5)
    p = _core.lhe_new()
    pos = 0
    while pos < len(text):  # pieces cut anywhere, more than the queue holds
        k = int(rng.integers(1, 5000))
        assert _core.lhe_feed_async(p, text[pos:pos + k]) is None
        assert _core.lhe_count(p) <= 300  # a snapshot, without waiting
        pos += k
    assert _core.lhe_sync(p) is None
    assert _core.lhe_count(p) == 300
    assert _core.lhe_finish(p) is None
    got = _core.lhe_take(p)
    for k in FIELDS:
        np.testing.assert_array_equal(got[k], want[k], err_msg=k)
    np.testing.assert_array_equal(got["weights"][1], want["weights"][1])


def test_background_parse_error_is_reported_and_not_masked():
    text = _text(50, seed=6)
    bad = text.replace(b"<event>\n 4", b"<event>\n x4", 1)  # the first event's head line
    p = _core.lhe_new()
    statuses = [_core.lhe_feed_async(p, bad[i:i + 700]) for i in range(0, len(bad), 700)]
    statuses.append(_core.lhe_sync(p))
    errors = [s for s in statuses if s is not None]
    assert errors and all(e == errors[0] for e in errors)
    assert "6 numbers" in errors[0][0] and errors[0][1] > 1
    assert statuses.index(errors[0]) >= 1  # found by the worker, reported later
    assert _core.lhe_sync(p) == errors[0]  # reported every time
    raw = _core.lhe_take(p)
    assert raw["nparticles"].size == 0  # nothing completed before the bad line
    # finish does not turn an unreported worker error into success
    q = _core.lhe_new()
    for i in range(0, len(bad), 700):
        _core.lhe_feed_async(q, bad[i:i + 700])
    status = _core.lhe_finish(q)
    assert status is not None and "6 numbers" in status[0]


def test_dropping_a_parser_with_queued_chunks():
    text = _text(400, seed=7)
    for _ in range(20):
        p = _core.lhe_new()
        for i in range(0, len(text), 3000):
            _core.lhe_feed_async(p, text[i:i + 3000])
        del p  # joins the worker, releases the queued buffers
    gc.collect()
    before = sys.getrefcount(text)
    p = _core.lhe_new()
    chunk = text[:100_000]
    n0 = sys.getrefcount(chunk)
    _core.lhe_feed_async(p, chunk)
    _core.lhe_sync(p)
    _core.lhe_feed_async(p, b"")  # releases the parsed views
    assert sys.getrefcount(chunk) == n0
    del p
    assert sys.getrefcount(text) == before
