"""Fuzzing the LHE reader: damaged input must parse or raise LHEParseError, never crash.

* random mutations (byte flips, deletions, duplications, inserted LHE tokens, truncations) of
  a synthetic file and of real generator files, read whole and streamed in random batches;
* damaged and truncated gzip streams;
* a short coverage-guided run of atheris (tests/fuzz_lhe.py) when atheris is installed;
* the number parser against Python's float (correctly rounded, like strtod) on every numeric
  token of the shared generator files, and lines cut into tiny pieces against a whole read.
"""
import gzip
import io
import os
import pathlib
import struct
import subprocess
import sys

import numpy as np

import activesci
import pytest

from activesci import _core
from activesci.exceptions import LHEParseError
from activesci.io import LHEEvents, LHEInit, iter_lhe, read_lhe
from activesci.io.lhe import _render

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "lhe"
FILES = sorted(p for p in DATA.glob("*.lhe*") if not p.name.endswith(".readme")) \
    if DATA.is_dir() else []
needs_data = pytest.mark.skipif(not FILES, reason=f"real LHE test files not found in {DATA} "
                                "(a user's checkout without ../shared)")
MG358 = DATA / "pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz"
Z_MLM = DATA / "pylhe-testfile-madgraph-2.2.1-Z-mlm.lhe.gz"

TOKENS = [b"<event>", b"</event>", b"<init>", b"</init>", b"<wgt id='x'>", b"</wgt>",
          b"<weights>", b"</weights>", b"<mgrwt>", b"</mgrwt>", b"<scales a='1'>", b"#",
          b"\n", b" ", b"1e999", b"-0", b"nan", b"1.5D+02", b"\x00", b"\r\n", b"'", b'"',
          b"</LesHouchesEvents>", b"<rwgt>", b"99999999999", b"-2147483649", b"."]


def _text(n=12, seed=0):
    rng = np.random.default_rng(seed)
    ev = LHEEvents.from_particles(
        offsets=np.arange(0, 3 * n + 1, 3), pdgid=np.tile([23, 13, -13], n),
        status=np.tile([2, 1, 1], n), mother1=np.tile([0, 1, 1], n),
        px=rng.normal(size=3 * n), py=rng.normal(size=3 * n), pz=rng.normal(size=3 * n),
        e=rng.uniform(50, 60, 3 * n), weights=rng.uniform(0.5, 1.5, (n, 2)),
        weight_names=["up", "down"])
    return _render(ev, LHEInit(), "").encode()


def _head(path, n_events):
    """The header, <init> and the first n_events events of a real file, closed properly."""
    text = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    end = 0
    for _ in range(n_events):
        end = text.index(b"</event>", end) + len(b"</event>\n")
    return text[:end] + b"</LesHouchesEvents>\n"


def _mutate(data: bytes, rng) -> bytes:
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 6))):
        if not b:
            break
        at = int(rng.integers(0, len(b)))
        kind = int(rng.integers(0, 5))
        if kind == 0:
            b[at] = int(rng.integers(0, 256))
        elif kind == 1:
            del b[at:at + int(rng.integers(1, 60))]
        elif kind == 2:
            k = int(rng.integers(1, 60))
            b[at:at] = b[at:at + k]
        elif kind == 3:
            b[at:at] = TOKENS[int(rng.integers(0, len(TOKENS)))]
        else:
            del b[at:]
    return bytes(b)


def _check_reads_or_raises(data: bytes, rng):
    """read_lhe and iter_lhe on data: a result or LHEParseError, and the same events both ways."""
    try:
        whole = read_lhe(io.BytesIO(data))
    except LHEParseError as exc:
        assert exc.line is None or (isinstance(exc.line, int) and exc.line >= 1), exc.line
        whole = None
    got = []
    chunk = int(rng.integers(1, 8))
    try:
        for batch in iter_lhe(io.BytesIO(data), chunk_size=chunk):
            assert 1 <= len(batch) <= chunk
            got.append(batch)
        assert whole is not None, "iter_lhe accepted what read_lhe rejected"
    except LHEParseError:
        assert whole is None, "iter_lhe rejected what read_lhe accepted"
    n = sum(len(b) for b in got)
    assert n <= data.count(b"</event>")
    if whole is not None:
        assert n == len(whole)
        if n:
            joined = LHEEvents.concatenate(got)
            np.testing.assert_array_equal(joined.px, whole.px)
            np.testing.assert_array_equal(joined.weight, whole.weight)


def test_random_mutations_parse_or_raise_parse_error():
    rng = np.random.default_rng(20261207)
    bases = [_text()]
    if FILES:
        bases += [_head(MG358, 2), _head(DATA / "pylhe-testlhef3.lhe", 6),
                  _head(DATA / "pylhe-testfile-powheg-box-v2-W.lhe", 6)]
    for base in bases:
        for _ in range(150):
            _check_reads_or_raises(_mutate(base, rng), rng)


def test_every_truncation_of_a_small_file():
    text = _text(3)
    rng = np.random.default_rng(1)
    for cut in range(0, len(text), 7):
        _check_reads_or_raises(text[:cut], rng)


def test_damaged_and_truncated_gzip_streams():
    text = _text(40)
    gz = gzip.compress(text)
    rng = np.random.default_rng(2)
    n_raised = 0
    for _ in range(40):
        cut = int(rng.integers(10, len(gz)))
        with pytest.raises(LHEParseError):  # truncated text, or a gzip error
            read_lhe(io.BytesIO(gz[:cut]))
        damaged = bytearray(gz)
        at = int(rng.integers(10, len(gz) - 8))
        damaged[at] ^= 1 + int(rng.integers(0, 255))
        try:
            read_lhe(io.BytesIO(bytes(damaged)))
        except LHEParseError as exc:
            n_raised += 1
            assert "gzip" in str(exc) or exc.line >= 1
    assert n_raised > 30  # the CRC catches nearly every flipped byte
    # the events before the damage are handed out first by iter_lhe
    two = gzip.compress(text) + b"\x1f\x8b\x08\x00garbage"
    got = []
    with pytest.raises(LHEParseError, match="gzip"):
        for batch in iter_lhe(io.BytesIO(two), chunk_size=7):
            got.append(batch)
    assert sum(len(b) for b in got) == 40


def test_atheris_coverage_guided_run(tmp_path):
    pytest.importorskip("atheris")
    # the subprocess imports the activesci under test (installed in CI, or built in place)
    package_parent = pathlib.Path(activesci.__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(package_parent) + os.pathsep
               + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "fuzz_lhe.py"), "-runs=4000", "-seed=7",
         f"-artifact_prefix={tmp_path}{os.sep}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Done 4000 runs" in proc.stderr


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


@needs_data
def test_number_parser_bit_identical_on_every_token_of_the_shared_files():
    # every distinct number-like token (tags, quotes and '=' split words), compared with
    # Python's float, which rounds correctly like strtod (D exponents read as E)
    separators = bytes.maketrans(b"<>'\"=,/", b"       ")
    tokens = set()
    for path in FILES:
        text = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
        tokens.update(text.translate(separators).split())
    n, bad = 0, []
    for tok in tokens:
        if tok.strip(b"0123456789+-.eEdD"):
            continue
        s = tok.decode()
        try:
            ref = float(s.replace("d", "e").replace("D", "e"))
        except ValueError:
            continue
        n += 1
        value, used = _core.lhe_parse_double(s)
        if used != len(s) or _bits(value) != _bits(ref):
            bad.append((s, value, ref, used))
    assert n > 500_000
    assert not bad, bad[:10]


@needs_data
@pytest.mark.parametrize("path, n_events", [(MG358, 40), (Z_MLM, 300)], ids=["mg358", "z"])
def test_lines_cut_into_tiny_pieces_read_like_a_whole_file(path, n_events):
    text = _head(path, n_events)
    whole = read_lhe(io.BytesIO(text))
    assert len(whole) == n_events

    class Pieces(io.RawIOBase):  # 1-48 bytes per read: nearly every line is cut
        def __init__(self, data, seed):
            self.data, self.pos, self.rng = data, 0, np.random.default_rng(seed)

        def read(self, n=-1):
            k = int(self.rng.integers(1, 48))
            out = self.data[self.pos:self.pos + k]
            self.pos += len(out)
            return out

    got = read_lhe(Pieces(text, 3))
    for name in ("nparticles", "weight", "scale", "aqcd", "pdgid", "status", "mother1",
                 "color2", "px", "py", "pz", "e", "m", "lifetime", "spin"):
        np.testing.assert_array_equal(getattr(got, name), getattr(whole, name), err_msg=name)
    assert got.weight_names == whole.weight_names
    np.testing.assert_array_equal(got.weights, whole.weights)
