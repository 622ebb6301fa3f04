/* module.c -- the one binding of the C core to Python (activesci._core).
 *
 * The only file that includes Python.h.  It is a single translation unit: the per-concept
 * sections in binding/<concept>.inc are #included below, so each concept's wrappers stay in a
 * small file of their own while sharing these helpers.  A wrapper converts its arguments once
 * (any array-like -> float64, C-contiguous, aligned; shapes checked with the argument's name),
 * releases the GIL around the core call, and turns the status code into an exception.
 * Nothing else happens here: validation of *values* that the Python layer can check cheaply is
 * done once, at the public boundary in activesci/.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define PY_ARRAY_UNIQUE_SYMBOL ACTIVESCI_ARRAY_API
#include <numpy/arrayobject.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "as_common.h"
#include "blas.h"

/* ------------------------------------------------------------------ exceptions */

static PyObject *as_NotPositiveDefiniteError = NULL; /* subclass of numpy.linalg.LinAlgError */
static PyObject *as_LHEParseError = NULL;            /* subclass of ValueError               */

/* Raise the Python exception for a failed core call.  Returns NULL for convenience. */
static PyObject *as_py_raise(const as_error *err)
{
    if (PyErr_Occurred()) return NULL; /* e.g. KeyboardInterrupt fetched by the poll */
    const char *msg = err->msg[0] ? err->msg : "activesci core failure";
    switch (err->code) {
    case AS_EINVAL: PyErr_SetString(PyExc_ValueError, msg); break;
    case AS_ENOMEM: PyErr_SetString(PyExc_MemoryError, msg); break;
    case AS_ELINALG: PyErr_SetString(as_NotPositiveDefiniteError, msg); break;
    case AS_EINTR: PyErr_SetString(PyExc_KeyboardInterrupt, msg); break;
    case AS_ENUMERIC: PyErr_SetString(PyExc_FloatingPointError, msg); break;
    case AS_EPARSE: {
        PyObject *exc = PyObject_CallFunction(as_LHEParseError, "s", msg);
        if (exc) {
            PyObject *line = PyLong_FromLong(err->line);
            if (line) {
                PyObject_SetAttrString(exc, "line", line);
                Py_DECREF(line);
            }
            PyErr_SetObject(as_LHEParseError, exc);
            Py_DECREF(exc);
        }
        break;
    }
    default: PyErr_SetString(PyExc_RuntimeError, msg); break;
    }
    return NULL;
}

/* ------------------------------------------------------------------ arrays */

/* Convert obj to a float64, C-contiguous, aligned array of `ndim` dimensions (ndim < 0: any).
 * Copies only when needed.  Errors name the argument.  Returns a new reference or NULL. */
static PyArrayObject *as_py_array(PyObject *obj, const char *name, int ndim)
{
    if (obj == NULL || obj == Py_None) {
        PyErr_Format(PyExc_TypeError, "%s must be an array of numbers, got None", name);
        return NULL;
    }
    PyArrayObject *arr = (PyArrayObject *)PyArray_FROMANY(
        obj, NPY_DOUBLE, 0, 0, NPY_ARRAY_CARRAY_RO | NPY_ARRAY_FORCECAST);
    if (arr == NULL) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_Format(PyExc_TypeError, "%s must be convertible to a float64 array (%S)", name,
                     value ? value : Py_None);
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        return NULL;
    }
    if (ndim >= 0 && PyArray_NDIM(arr) != ndim) {
        PyErr_Format(PyExc_ValueError, "%s must have %d dimension%s, got an array of shape with "
                     "%d dimension%s", name, ndim, ndim == 1 ? "" : "s", PyArray_NDIM(arr),
                     PyArray_NDIM(arr) == 1 ? "" : "s");
        Py_DECREF(arr);
        return NULL;
    }
    return arr;
}

/* As as_py_array, and every element must be finite. */
static PyArrayObject *as_py_array_finite(PyObject *obj, const char *name, int ndim)
{
    PyArrayObject *arr = as_py_array(obj, name, ndim);
    if (arr == NULL) return NULL;
    const double *p = (const double *)PyArray_DATA(arr);
    npy_intp n = PyArray_SIZE(arr);
    for (npy_intp i = 0; i < n; ++i) {
        if (!isfinite(p[i])) {
            PyErr_Format(PyExc_ValueError, "%s contains NaN or infinity (at flat index %zd); "
                         "remove or impute those values", name, (Py_ssize_t)i);
            Py_DECREF(arr);
            return NULL;
        }
    }
    return arr;
}

/* A writable output array: must be float64, C-contiguous, writeable, of exactly `size`
 * elements.  Used where the Python layer allocates outputs/workspaces (caller-owned memory). */
static double *as_py_out(PyObject *obj, const char *name, npy_intp size)
{
    if (!PyArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be a numpy array", name);
        return NULL;
    }
    PyArrayObject *arr = (PyArrayObject *)obj;
    if (PyArray_TYPE(arr) != NPY_DOUBLE || !PyArray_IS_C_CONTIGUOUS(arr) ||
        !PyArray_ISWRITEABLE(arr) || !PyArray_ISALIGNED(arr)) {
        PyErr_Format(PyExc_TypeError, "%s must be a writeable C-contiguous float64 array", name);
        return NULL;
    }
    if (size >= 0 && PyArray_SIZE(arr) != size) {
        PyErr_Format(PyExc_ValueError, "%s must have %zd elements, got %zd", name,
                     (Py_ssize_t)size, (Py_ssize_t)PyArray_SIZE(arr));
        return NULL;
    }
    return (double *)PyArray_DATA(arr);
}

/* A new zero-filled float64 array. */
static PyArrayObject *as_py_zeros(int ndim, const npy_intp *shape)
{
    return (PyArrayObject *)PyArray_ZEROS(ndim, (npy_intp *)shape, NPY_DOUBLE, 0);
}

/* A new uninitialised array of the given type. */
static PyArrayObject *as_py_empty(int ndim, const npy_intp *shape, int typenum)
{
    return (PyArrayObject *)PyArray_EMPTY(ndim, (npy_intp *)shape, typenum, 0);
}

/* Read a uint64 seed from a Python int (random_state is resolved to a seed in Python). */
static int as_py_seed(PyObject *obj, uint64_t *seed)
{
    unsigned long long v = PyLong_AsUnsignedLongLongMask(obj);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "seed must be a non-negative integer");
        return -1;
    }
    *seed = (uint64_t)v;
    return 0;
}

/* ------------------------------------------------------------------ interruption */

/* Poll for Ctrl-C from a core loop running without the GIL.  Takes the GIL briefly; on a
 * pending KeyboardInterrupt the exception is stashed so that the core can return cleanly and
 * the wrapper re-raises it after keeping the partial results. */
typedef struct {
    PyObject *type, *value, *tb;
    int interrupted;
} as_py_poll_state;

static int as_py_poll(void *ctx)
{
    as_py_poll_state *st = (as_py_poll_state *)ctx;
    if (st->interrupted) return 1;
    PyGILState_STATE g = PyGILState_Ensure();
    if (PyErr_CheckSignals() < 0) {
        PyErr_Fetch(&st->type, &st->value, &st->tb);
        st->interrupted = 1;
    }
    PyGILState_Release(g);
    return st->interrupted;
}

/* Restore a stashed interruption as the current exception (returns 1 if there was one). */
static int as_py_poll_restore(as_py_poll_state *st)
{
    if (!st->interrupted) return 0;
    if (st->type) PyErr_Restore(st->type, st->value, st->tb);
    else PyErr_SetNone(PyExc_KeyboardInterrupt);
    st->type = st->value = st->tb = NULL;
    return 1;
}

/* ------------------------------------------------------------------ sections */

#include "binding/rng.inc"
#include "binding/gp.inc"
#include "binding/qn.inc"
#include "binding/acquisition.inc"
#include "binding/learning.inc"
#include "binding/abc.inc"
#include "binding/simulators.inc"
#include "binding/lhe.inc"

static PyObject *as_py_blas_info(PyObject *self, PyObject *noargs)
{
    return Py_BuildValue("{s:i,s:i,s:s}", "num_threads",
                         OPENBLAS_FUNC(openblas_get_num_threads)(), "num_procs",
                         OPENBLAS_FUNC(openblas_get_num_procs)(), "symbol_prefix",
#define AS_STR2(x) #x
#define AS_STR(x) AS_STR2(x)
                         AS_STR(BLAS_SYMBOL_PREFIX));
}

static PyMethodDef as_module_methods[] = {
    {"blas_info", as_py_blas_info, METH_NOARGS,
     "blas_info() -> dict: OpenBLAS threads, processors and the symbol prefix linked."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef as_moduledef = {
    PyModuleDef_HEAD_INIT, "activesci._core",
    "The C core of activesci (private: use the activesci package).", -1, as_module_methods,
};

PyMODINIT_FUNC PyInit__core(void)
{
    import_array();
    PyObject *m = PyModule_Create(&as_moduledef);
    if (m == NULL) return NULL;
    PyMethodDef *tables[] = {as_rng_methods,         as_gp_methods,       as_qn_methods,
                             as_acquisition_methods, as_learning_methods, as_abc_methods,
                             as_simulators_methods,  as_lhe_methods};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; ++i) {
        if (PyModule_AddFunctions(m, tables[i]) < 0) goto fail;
    }
    PyObject *linalg = PyImport_ImportModule("numpy.linalg");
    if (linalg == NULL) goto fail;
    PyObject *base = PyObject_GetAttrString(linalg, "LinAlgError");
    Py_DECREF(linalg);
    if (base == NULL) goto fail;
    as_NotPositiveDefiniteError = PyErr_NewExceptionWithDoc(
        "activesci._core.NotPositiveDefiniteError",
        "A covariance matrix is not positive definite even after adding jitter.", base, NULL);
    Py_DECREF(base);
    if (as_NotPositiveDefiniteError == NULL) goto fail;
    if (PyModule_AddObjectRef(m, "NotPositiveDefiniteError", as_NotPositiveDefiniteError) < 0)
        goto fail;
    as_LHEParseError = PyErr_NewExceptionWithDoc(
        "activesci._core.LHEParseError",
        "A Les Houches Event file is malformed; `line` holds the line number.", PyExc_ValueError,
        NULL);
    if (as_LHEParseError == NULL) goto fail;
    if (PyModule_AddObjectRef(m, "LHEParseError", as_LHEParseError) < 0) goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
