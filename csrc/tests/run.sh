#!/usr/bin/env bash
# Build and run the C unit tests of csrc/ without Python.
#   csrc/tests/run.sh [plain|sanitize|valgrind|all]   (default: all)
# plain:    -O2 build, run every tests/test_*.c
# sanitize: AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included), halt on error
# valgrind: memcheck with full leak checking, errors fail the run
# OpenBLAS: the scipy-openblas32 wheel importable by $PYTHON (default python3), or a system
# OpenBLAS with ACTIVESCI_BLAS=system (pkg-config openblas).
set -euo pipefail
mode="${1:-all}"
here="$(cd "$(dirname "$0")" && pwd)"
csrc="$(dirname "$here")"
PYTHON="${PYTHON:-python3}"
out="${AS_TEST_BUILD_DIR:-$csrc/tests/build}"
mkdir -p "$out"

if [ "${ACTIVESCI_BLAS:-scipy-openblas32}" = system ]; then
    blas_cflags="$(pkg-config --cflags openblas) -DBLAS_SYMBOL_PREFIX="
    blas_libs="$(pkg-config --libs openblas)"
else
    inc="$("$PYTHON" -c 'import scipy_openblas32 as s; print(s.get_include_dir())')"
    lib="$("$PYTHON" -c 'import scipy_openblas32 as s; print(s.get_lib_dir())')"
    name="$("$PYTHON" -c 'import scipy_openblas32 as s; print(s.get_library())')"
    blas_cflags="-I$inc -DBLAS_SYMBOL_PREFIX=scipy_"
    blas_libs="-L$lib -l$name -Wl,-rpath,$lib"
fi

# the real generator files, when ../shared is beside the project, are fuzzed by test_lhe
if [ -z "${AS_LHE_DATA_DIR:-}" ] && [ -d "$csrc/../../shared/data/lhe" ]; then
    export AS_LHE_DATA_DIR="$(cd "$csrc/../../shared/data/lhe" && pwd)"
fi

core_sources=()
for f in "$csrc"/*.c; do
    [ "$(basename "$f")" = module.c ] || core_sources+=("$f")
done
tests=("$here"/test_*.c)
common="-std=c11 -fno-math-errno -fno-trapping-math -fopenmp-simd -ffp-contract=fast -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Wno-unused-function -pthread -I$csrc"

jobs="$(nproc 2>/dev/null || echo 2)"

build() { # build <flavour> <extra cflags>
    # the core is compiled once per flavour (in parallel), then linked into every test
    local flavour="$1"; shift
    local objdir="$out/obj-$flavour"
    mkdir -p "$objdir"
    rm -f "$objdir"/*.o
    # shellcheck disable=SC2086
    printf '%s\n' "${core_sources[@]}" | xargs -P "$jobs" -I{} sh -c \
        'cc '"$common $* $blas_cflags"' -c -o "$1/$(basename "$2" .c).o" "$2"' _ "$objdir" {}
    # shellcheck disable=SC2086
    printf '%s\n' "${tests[@]}" | xargs -P "$jobs" -I{} sh -c \
        'cc '"$common $* $blas_cflags"' -o "$1/$(basename "$2" .c)-'"$flavour"'" "$2" "$1"/obj-'"$flavour"'/*.o '"$blas_libs"' -lm' _ "$out" {}
}

run_all() { # run_all <flavour> [wrapper...]
    local flavour="$1"; shift
    local failed=0
    for t in "${tests[@]}"; do
        local exe="$out/$(basename "${t%.c}")-$flavour"
        echo "== $flavour: $(basename "$exe")"
        if ! OPENBLAS_NUM_THREADS=1 "$@" "$exe"; then
            echo "FAILED: $(basename "$exe") ($flavour)"; failed=1
        fi
    done
    return $failed
}

status=0
if [ "$mode" = plain ] || [ "$mode" = all ]; then
    build plain -O2 -g
    run_all plain || status=1
fi
if [ "$mode" = sanitize ] || [ "$mode" = all ]; then
    build sanitize -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
        -fno-sanitize-recover=undefined
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 run_all sanitize || status=1
fi
if [ "$mode" = valgrind ] || [ "$mode" = all ]; then
    if command -v valgrind >/dev/null 2>&1; then
        build valgrind -O1 -g
        # AS_TEST_QUICK shortens the heaviest loops under valgrind's ~50x slowdown.
        AS_TEST_QUICK=1 run_all valgrind valgrind -q --error-exitcode=3 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
            || status=1
    else
        echo "valgrind not found: leak checking is covered by LeakSanitizer in the sanitize build"
    fi
fi
exit $status
