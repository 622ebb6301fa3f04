/* model.h -- the interface of a built-in simulator that the core can run without Python.
 *
 * Inference loops (ABC, design) run a model in threads: each task b seeds its own rng stream,
 * calls simulate() once per θ row, and writes n_outputs values per row.  A model is a small
 * value: its constants live in `config`, owned by whoever built the model (the binding), and
 * simulate() must be reentrant (no state besides rng and the caller's scratch `work`).
 */
#ifndef AS_MODEL_H
#define AS_MODEL_H

#include <stddef.h>

#include "as_common.h"
#include "rng.h"

typedef struct as_model as_model;

struct as_model {
    const char *name;   /* e.g. "ma2", "gaussian_toy", "ee_mumu"                   */
    size_t n_params;    /* length of θ                                              */
    size_t n_outputs;   /* values written per simulation                            */
    size_t work_size;   /* doubles of scratch simulate() needs (may be 0)           */
    const void *config; /* model constants (design φ, number of events, options...) */
    /* Simulate one data set for theta[0..n_params) into out[0..n_outputs).  Returns AS_OK or
     * AS_EINVAL (θ outside the model's domain, message in err). */
    int (*simulate)(const as_model *model, const double *theta, as_rng *rng, double *out,
                    double *work, as_error *err);
};

#endif /* AS_MODEL_H */
