"""Coverage-guided fuzzing of the LHE reader with atheris (libFuzzer for Python).

Run by tests/test_lhe_fuzz.py in a subprocess (libFuzzer exits the process when done), or by
hand for longer: ``python tests/fuzz_lhe.py -max_total_time=600 [corpus_dir]``.  Every input
must either parse or raise LHEParseError; anything else (another exception, a crash in the C
parser) is a finding and makes the run exit non-zero.
"""
import io
import sys

import atheris
import numpy  # noqa: F401  (imported first so that only activesci is instrumented)

with atheris.instrument_imports(include=["activesci"]):
    import activesci.io.lhe as lhe_mod
    from activesci import _core
    from activesci.exceptions import LHEParseError

SEED = (b'<LesHouchesEvents version="3.0">\n<header>\n<initrwgt>\n'
        b"<weight id='a'> x </weight>\n</initrwgt>\n</header>\n<init>\n"
        b" 11 -11 45.6 45.6 0 0 0 0 3 1\n 1.9E+03 1.0 1.0 1\n</init>\n"
        b"<event npLO=' 2 '>\n 2 1 +1.0e+00 9.1e+01 7.8e-03 1.18e-01\n"
        b" 13 1 0 0 0 0 1.5 -2.5 30.0 45.6 0.105 0. 1.\n"
        b" -13 1 0 0 0 0 -1.5 2.5 -30.0 45.6 0.105 0. -1.\n"
        b"<mgrwt>\n<rscale> 1 </rscale>\n</mgrwt>\n<rwgt>\n<wgt id='a'> 1.1 </wgt>\n</rwgt>\n"
        b"<weights> 2.2 1.8 </weights>\n<scales muf='91.2'> </scales>\n</event>\n"
        b"</LesHouchesEvents>\n")


def target(data: bytes) -> None:
    # the raw parser, fed in two pieces split where the input says
    cut = data[0] % (len(data) + 1) if data else 0
    parser = _core.lhe_new()
    status = _core.lhe_feed(parser, data[:cut])
    _core.lhe_take(parser)
    if status is None:
        status = _core.lhe_feed(parser, data[cut:])
    _core.lhe_take(parser)
    if status is None:
        status = _core.lhe_finish(parser)
    if status is not None:
        message, line = status
        assert isinstance(message, str) and line >= 0, status
    _core.lhe_info(parser)
    # the public reader on the same bytes
    try:
        events = lhe_mod.read_lhe(io.BytesIO(data))
    except LHEParseError:
        return
    assert events.offsets[-1] == events.n_particles


def main(argv):
    if len(argv) == 1 or all(a.startswith("-") for a in argv[1:]):
        import os
        import tempfile
        corpus = tempfile.mkdtemp(prefix="lhe-fuzz-")
        with open(os.path.join(corpus, "seed"), "wb") as fh:
            fh.write(SEED)
        argv = argv + [corpus]
    atheris.Setup(argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
