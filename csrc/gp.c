/* gp.c -- Gaussian-process regression (see gp.h for the formulas and storage conventions).
 *
 * LAPACK is column-major and our buffers are row-major: a row-major lower-triangular L is the
 * column-major upper-triangular U = Lᵀ of the same memory, so every call below uses uplo = 'U'
 * and the transposition noted beside it.
 */
#include "gp.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blas.h"
#include "linalg.h"
#include "memory.h"

#define LOG_2PI 1.8378770664093454836

/* ------------------------------------------------------------------ shared pieces */

static size_t kernel_ws(const as_kernel *k, size_t n)
{
    return as_kernel_workspace_size(k, n, n);
}

/* The lml's scratch: the kernel's while K is built, then y column-major (n n_out). */
static size_t lml_scratch(const as_kernel *k, size_t n, size_t n_out)
{
    size_t kw = kernel_ws(k, n);
    return kw > n * n_out ? kw : n * n_out;
}

size_t as_gp_workspace_size(const as_kernel *k, size_t n, size_t n_out)
{
    /* K/L/K⁻¹ (n²) | α (n n_out) | scratch | gradient of all params | fold cache */
    return n * n + n * n_out + lml_scratch(k, n, n_out) + k->n_params + 1 +
           as_kernel_fold_cache_size(k, n, NULL);
}

/* K + diag(noise) + jitter into the lower triangle of buf, filling the fold cache if given. */
static int build_K(const as_kernel *k, const double *X, size_t n, const double *noise,
                   double jitter, double *buf, double *kwork, size_t lkwork,
                   const as_kernel_fold_cache *cache, as_error *err)
{
    int st = as_kernel_training_matrix(k, X, n, buf, kwork, lkwork, cache, err);
    if (st != AS_OK) return st;
    for (size_t i = 0; i < n; ++i) buf[i * n + i] += (noise ? noise[i] : 0.0) + jitter;
    return AS_OK;
}

/* Cholesky in place (row-major lower = column-major upper).  Returns 0 or the failing minor,
 * as dpotrf's info: the recursive factorization of linalg.c, 1.3-1.5x faster than OpenBLAS's
 * dpotrf from n = 50 to 1600 (the same backward-stable algorithm; its triangular solves avoid
 * OpenBLAS's dtrsm). */
static as_blas_int cholesky_inplace(double *buf, size_t n)
{
    return (as_blas_int)as_chol_upper(buf, n, n);
}

/* α = K⁻¹ y for y row-major n x n_out, using the factor in L; ycm is n*n_out scratch. */
static void solve_alpha(const double *L, size_t n, const double *y, size_t n_out, double *alpha,
                        double *ycm)
{
    as_blas_int nn = (as_blas_int)n, nrhs = (as_blas_int)n_out, info = 0;
    if (n_out == 1) { /* two dtrsv: dpotrs's dtrsm packs all of L for one column (3x slower) */
        const as_blas_int one = 1;
        memcpy(alpha, y, n * sizeof(double));
        BLAS_FUNC(dtrsv)("U", "T", "N", &nn, L, &nn, alpha, &one);
        BLAS_FUNC(dtrsv)("U", "N", "N", &nn, L, &nn, alpha, &one);
        return;
    }
    for (size_t i = 0; i < n; ++i)
        for (size_t c = 0; c < n_out; ++c) ycm[c * n + i] = y[i * n_out + c];
    BLAS_FUNC(dpotrs)("U", &nn, &nrhs, L, &nn, ycm, &nn, &info);
    for (size_t i = 0; i < n; ++i)
        for (size_t c = 0; c < n_out; ++c) alpha[i * n_out + c] = ycm[c * n + i];
}

static double lml_value(const double *L, size_t n, const double *y, const double *alpha,
                        size_t n_out)
{
    double fit = 0.0, logdet = 0.0;
    for (size_t i = 0; i < n * n_out; ++i) fit += y[i] * alpha[i];
    for (size_t i = 0; i < n; ++i) logdet += log(L[i * n + i]);
    return -0.5 * fit - (double)n_out * logdet - 0.5 * (double)(n * n_out) * LOG_2PI;
}

/* ------------------------------------------------------------------ fit and lml */

size_t as_gp_fit_workspace_size(const as_kernel *k, size_t n, size_t n_out)
{
    return n * n_out + kernel_ws(k, n) + 1; /* K is built directly in the output L */
}

int as_gp_fit(const as_kernel *k, const double *X, size_t n, const double *y, size_t n_out,
              const double *noise, double max_jitter_rel, double *L, double *alpha,
              double *lml, double *jitter, double *work, size_t lwork, as_error *err)
{
    if (n == 0) return as_error_set(err, AS_EINVAL, "X has 0 samples; at least 1 is required");
    if (lwork < as_gp_fit_workspace_size(k, n, n_out))
        return as_error_set(err, AS_EINVAL, "GP workspace too small");
    double *ycm = work, *kwork = ycm + n * n_out;
    size_t lkwork = kernel_ws(k, n);
    int prev = as_blas_threads_for((long)n, 0);
    as_fpmode fp = as_fp_flush_subnormals();
    double jit = 0.0, scale = 0.0;
    int st = AS_OK;
    for (int attempt = 0;; ++attempt) {
        st = build_K(k, X, n, noise, jit, L, kwork, lkwork, NULL, err);
        if (st != AS_OK) break;
        if (attempt == 0) {
            for (size_t i = 0; i < n; ++i) scale += L[i * n + i];
            scale = scale > 0.0 ? scale / (double)n : 1.0;
        }
        as_blas_int info = cholesky_inplace(L, n); /* 0, or the failing minor (> 0) */
        if (info == 0) break;
        double next = jit == 0.0 ? 1e-10 * scale : jit * 10.0;
        if (!(next <= max_jitter_rel * scale) || !isfinite(next)) {
            st = as_error_set(err, AS_ELINALG,
                              "the kernel matrix K + alpha*I is not positive definite (leading "
                              "minor %d), even with jitter up to %.3g; increase the GP's `alpha` "
                              "(noise level), add a WhiteKernel, or remove duplicate inputs",
                              (int)info, jit);
            break;
        }
        jit = next;
    }
    if (st == AS_OK) {
        /* clear the strictly upper part so L is a clean lower-triangular matrix */
        for (size_t i = 0; i < n; ++i)
            for (size_t j = i + 1; j < n; ++j) L[i * n + j] = 0.0;
        solve_alpha(L, n, y, n_out, alpha, ycm);
        *lml = lml_value(L, n, y, alpha, n_out);
        *jitter = jit;
    }
    as_fp_restore(fp);
    as_blas_set_threads(prev);
    return st;
}

static int gp_lml_impl(const as_kernel *k, const double *X, size_t n, const double *y,
                       size_t n_out, const double *noise, const unsigned char *is_free,
                       double *lml, double *grad, double *work, size_t lwork, as_error *err);

int as_gp_lml(const as_kernel *k, const double *X, size_t n, const double *y, size_t n_out,
              const double *noise, const unsigned char *is_free, double *lml, double *grad,
              double *work, size_t lwork, as_error *err)
{
    as_fpmode fp = as_fp_flush_subnormals();
    int st = gp_lml_impl(k, X, n, y, n_out, noise, is_free, lml, grad, work, lwork, err);
    as_fp_restore(fp);
    return st;
}

static int gp_lml_impl(const as_kernel *k, const double *X, size_t n, const double *y,
                       size_t n_out, const double *noise, const unsigned char *is_free,
                       double *lml, double *grad, double *work, size_t lwork, as_error *err)
{
    if (n == 0) return as_error_set(err, AS_EINVAL, "X has 0 samples; at least 1 is required");
    if (lwork < as_gp_workspace_size(k, n, n_out))
        return as_error_set(err, AS_EINVAL, "GP workspace too small");
    double *K = work, *alpha = work + n * n, *kwork = alpha + n * n_out;
    double *gall = kwork + lml_scratch(k, n, n_out);
    /* with the gradient, the fold reuses the kernel's per-pair values from building K */
    as_kernel_fold_cache cache = {0, n, NULL, NULL};
    const size_t lcache = grad ? as_kernel_fold_cache_size(k, n, &cache.node) : 0;
    if (lcache > 0) {
        cache.v = gall + k->n_params + 1;
        cache.h = cache.v + lcache / 2;
    }
    const as_kernel_fold_cache *fc = lcache > 0 ? &cache : NULL;
    int st = build_K(k, X, n, noise, 0.0, K, kwork, kernel_ws(k, n), fc, err);
    if (st != AS_OK) return st;
    as_blas_int info = cholesky_inplace(K, n);
    if (info != 0)
        return as_error_set(err, AS_ELINALG, "kernel matrix not positive definite (minor %d)",
                            (int)info);
    /* α row-major, using ycm-free path: kwork is free again after the matrix was built */
    solve_alpha(K, n, y, n_out, alpha, kwork);
    double value = lml_value(K, n, y, alpha, n_out);
    if (!isfinite(value))
        return as_error_set(err, AS_ELINALG, "log marginal likelihood is not finite");
    *lml = value;
    if (grad == NULL) return AS_OK;
    info = as_chol_inverse(K, n, n); /* K⁻¹ in the row-major lower triangle */
    if (info != 0)
        return as_error_set(err, AS_ELINALG, "kernel matrix is singular (dpotri info %d)",
                            (int)info);
    /* W = ½ (Σ_c α_c α_cᵀ − n_out K⁻¹), lower triangle, in place */
    const double half_nout = 0.5 * (double)n_out;
    if (n_out == 1) { /* the usual case, in a loop that vectorizes */
        for (size_t i = 0; i < n; ++i) {
            const double hai = 0.5 * alpha[i];
            double *row = K + i * n;
#pragma omp simd
            for (size_t j = 0; j <= i; ++j) row[j] = hai * alpha[j] - 0.5 * row[j];
        }
    } else {
        for (size_t i = 0; i < n; ++i) {
            const double *ai = alpha + i * n_out;
            for (size_t j = 0; j <= i; ++j) {
                const double *aj = alpha + j * n_out;
                double s = 0.0;
                for (size_t c = 0; c < n_out; ++c) s += ai[c] * aj[c];
                K[i * n + j] = 0.5 * s - half_nout * K[i * n + j];
            }
        }
    }
    st = as_kernel_gradient_fold_cached(k, X, n, K, gall, fc, err);
    if (st != AS_OK) return st;
    size_t q = 0;
    for (size_t p = 0; p < k->n_params; ++p)
        if (is_free == NULL || is_free[p]) grad[q++] = gall[p];
    return AS_OK;
}

/* ------------------------------------------------------------------ hyperparameter optimization */

/* The schedule shared by the workers (everything below `mu` is guarded by it).  Starts are taken
 * in index order; a worker left without a start polishes the best finished start ahead of time
 * (see gp.h).  Every start and every polish gives the same result whichever thread runs it, so
 * the output does not depend on the schedule. */
/* Abandoning hopeless starts (see gp.h): after AS_GP_ABANDON_MIN_EVALS evaluations, a start
 * whose best value b so far is below start 0's optimum by more than AS_GP_ABANDON_MARGIN and
 * by more than AS_GP_ABANDON_RATE times its gain over the last AS_GP_ABANDON_WINDOW
 * evaluations is stopped.  Per start, T = min over its evaluations of
 * b + max(margin, rate * gain) decides: abandoned iff start 0's value exceeds T. */
#define AS_GP_ABANDON_MIN_EVALS 10
#define AS_GP_ABANDON_WINDOW 5
#define AS_GP_ABANDON_RATE 10.0
#define AS_GP_ABANDON_MARGIN 3.0

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t n_starts, next_start, n_done;
    int abandon;             /* abandon hopeless starts once start 0 is done                  */
    atomic_int thr_known;    /* start 0 is done: thr holds its value (-inf if it failed)      */
    double thr;
    double *start_theta;     /* n_starts x n_free: the start points (an abandoned start's row) */
    double *tmin;            /* n_starts: T of each finished start                            */
    unsigned char *abandoned;/* n_starts                                                       */
    long *start_evals;       /* n_starts: evaluations of each start's own run                 */
    unsigned char *done;     /* n_starts: the start's own run has finished                  */
    unsigned char *polish;   /* n_starts: 0 not polished, 1 being polished, 2 polished        */
    double *pol_theta;       /* n_starts x n_free: polished optimum                           */
    double *pol_lml;         /* n_starts                                                       */
    long *pol_evals;         /* n_starts                                                       */
    double polish_ftol;      /* 0: no polish                                                    */
    atomic_size_t best;      /* best_finished(), republished whenever it may change            */
    atomic_int stop;
} opt_sched;

typedef struct {
    /* problem (shared, read-only) */
    const as_kernel *base;
    const double *X, *y, *noise;
    size_t n, n_out, n_free;
    const unsigned char *free;
    const size_t *free_idx;
    const double *lower, *upper;
    const as_qn_options *opt;
    double *thetas, *lmls;
    size_t n_starts;
    opt_sched *sched;
    /* per worker */
    int worker, n_workers;
    const as_interrupt *intr; /* only the calling thread polls */
    double *params;
    as_kernel k;
    double *work, *qnwork, *grad;
    size_t lwork, lqnwork;
    long n_evals;
    int status;
    as_error err;
    /* the running start, for abandoning it: evaluations, best value, its last
     * AS_GP_ABANDON_WINDOW + 1 values (a ring), T so far, and whether it was stopped */
    long s_evals;
    double s_best, s_ring[AS_GP_ABANDON_WINDOW + 1], s_tmin;
    int s_track, s_stopped;
    size_t polishing; /* the start this worker is polishing ahead of time, n_starts if none */
} opt_worker;

static void abandon_reset(opt_worker *w, int track)
{
    w->s_evals = 0;
    w->s_best = -INFINITY;
    w->s_tmin = INFINITY;
    w->s_track = track;
    w->s_stopped = 0;
}

/* After an evaluation with value lml (-inf if it failed): update T of the running start. */
static void abandon_record(opt_worker *w, double lml)
{
    if (lml > w->s_best) w->s_best = lml;
    const long e = ++w->s_evals;
    w->s_ring[e % (AS_GP_ABANDON_WINDOW + 1)] = w->s_best;
    if (e < AS_GP_ABANDON_MIN_EVALS || e <= AS_GP_ABANDON_WINDOW || !isfinite(w->s_best)) return;
    const double old = w->s_ring[(e - AS_GP_ABANDON_WINDOW) % (AS_GP_ABANDON_WINDOW + 1)];
    const double gain = isfinite(old) ? w->s_best - old : INFINITY;
    const double t = w->s_best + fmax(AS_GP_ABANDON_MARGIN, AS_GP_ABANDON_RATE * gain);
    if (t < w->s_tmin) w->s_tmin = t;
}

static int abandon_now(const opt_worker *w)
{
    const opt_sched *sc = w->sched;
    return w->s_track && atomic_load_explicit(&sc->thr_known, memory_order_acquire) &&
           sc->thr > w->s_tmin;
}

static int gp_objective(void *ctx, const double *theta, double *f, double *g)
{
    opt_worker *w = (opt_worker *)ctx;
    if (atomic_load(&w->sched->stop)) return AS_EINTR;
    if (as_interrupted(w->intr)) {
        atomic_store(&w->sched->stop, 1);
        return AS_EINTR;
    }
    if (abandon_now(w) ||
        (w->polishing < w->n_starts && atomic_load(&w->sched->best) != w->polishing)) {
        w->s_stopped = 1; /* abandoned, or polishing a start that no longer leads */
        return AS_EINTR;
    }
    for (size_t q = 0; q < w->n_free; ++q) w->params[w->free_idx[q]] = exp(theta[q]);
    double lml;
    ++w->n_evals;
    int st = as_gp_lml(&w->k, w->X, w->n, w->y, w->n_out, w->noise, w->free, &lml, w->grad,
                       w->work, w->lwork, NULL);
    if (w->s_track) abandon_record(w, st == AS_OK ? lml : -INFINITY);
    if (st != AS_OK) return st; /* not PD: an infinitely bad point for the quasi-Newton */
    *f = -lml;
    for (size_t q = 0; q < w->n_free; ++q) g[q] = -w->grad[q];
    return AS_OK;
}

/* Minimize from theta (in place) with options opt; *lml = the value reached (-inf if none). */
static int opt_minimize(opt_worker *w, double *theta, const as_qn_options *opt, double *lml)
{
    as_qn_result res;
    *lml = -INFINITY;
    int st = as_qn_minimize(gp_objective, w, w->n_free, theta, w->lower, w->upper, opt,
                            w->qnwork, w->lqnwork, &res, &w->err);
    if (st == AS_EINTR) *lml = isfinite(res.f) ? -res.f : -INFINITY;
    else if (st == AS_OK)
        *lml = (res.reason == AS_QN_NO_FINITE_START || !isfinite(res.f)) ? -INFINITY : -res.f;
    return st;
}

/* The best finished start: highest finite lml, lowest index on ties; n_starts if none. */
static size_t best_finished(const opt_sched *sc, const double *lmls)
{
    size_t best = sc->n_starts;
    for (size_t s = 0; s < sc->n_starts; ++s)
        if (sc->done[s] && isfinite(lmls[s]) && (best == sc->n_starts || lmls[s] > lmls[best]))
            best = s;
    return best;
}

/* Once start 0's value is known, every finished start whose T is below it is abandoned: its
 * row goes back to its start point with value -inf (the same whether it was stopped early or
 * had finished before start 0 did).  Called with the mutex held. */
static void abandon_finished(opt_sched *sc, const opt_worker *w)
{
    if (!atomic_load_explicit(&sc->thr_known, memory_order_relaxed)) return;
    for (size_t s = 1; s < sc->n_starts; ++s)
        if (sc->done[s] && !sc->abandoned[s] && sc->thr > sc->tmin[s]) {
            sc->abandoned[s] = 1;
            w->lmls[s] = -INFINITY;
            memcpy(w->thetas + s * w->n_free, sc->start_theta + s * w->n_free,
                   w->n_free * sizeof(double));
        }
}

static void opt_wait(opt_worker *w)
{
    /* timed, so that the calling thread keeps polling for an interruption while it waits */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec += 1;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&w->sched->cv, &w->sched->mu, &ts);
    if (as_interrupted(w->intr)) atomic_store(&w->sched->stop, 1);
}

static void *opt_run(void *arg)
{
    opt_worker *w = (opt_worker *)arg;
    opt_sched *sc = w->sched;
    as_fpmode fp = as_fp_flush_subnormals(); /* per thread: MXCSR is thread-local */
    as_qn_options popt = *w->opt;
    popt.ftol = sc->polish_ftol;
    pthread_mutex_lock(&sc->mu);
    while (!atomic_load(&sc->stop)) {
        int st = AS_OK;
        if (sc->next_start < sc->n_starts) {
            size_t s = sc->next_start++;
            pthread_mutex_unlock(&sc->mu);
            double lml;
            abandon_reset(w, sc->abandon && s > 0);
            const long before = w->n_evals;
            st = opt_minimize(w, w->thetas + s * w->n_free, w->opt, &lml);
            if (st == AS_EINTR && w->s_stopped) st = AS_OK; /* abandoned, not interrupted */
            pthread_mutex_lock(&sc->mu);
            w->lmls[s] = lml;
            sc->start_evals[s] = w->n_evals - before;
            sc->tmin[s] = w->s_track ? w->s_tmin : INFINITY;
            w->s_track = 0;
            if (st == AS_OK) {
                sc->done[s] = 1;
                sc->n_done++;
                if (s == 0 && sc->abandon) {
                    sc->thr = lml;
                    atomic_store_explicit(&sc->thr_known, 1, memory_order_release);
                }
                abandon_finished(sc, w);
                atomic_store(&sc->best, best_finished(sc, w->lmls));
            }
        } else {
            if (sc->polish_ftol <= 0.0) break;
            size_t b = best_finished(sc, w->lmls);
            if (b < sc->n_starts && sc->polish[b] == 0) {
                /* the best so far: polish it now; a later start that overtakes it stops
                 * this polish at its next evaluation (the work is then discarded) */
                sc->polish[b] = 1;
                double *pt = sc->pol_theta + b * w->n_free;
                memcpy(pt, w->thetas + b * w->n_free, w->n_free * sizeof(double));
                pthread_mutex_unlock(&sc->mu);
                long before = w->n_evals;
                double lml;
                w->polishing = b;
                w->s_stopped = 0;
                st = opt_minimize(w, pt, &popt, &lml);
                w->polishing = sc->n_starts;
                pthread_mutex_lock(&sc->mu);
                if (st == AS_EINTR && w->s_stopped) {
                    st = AS_OK;
                    sc->polish[b] = 0; /* overtaken (it may lead again if the other is abandoned) */
                } else {
                    sc->pol_lml[b] = lml;
                    sc->pol_evals[b] = w->n_evals - before;
                    if (st == AS_OK) sc->polish[b] = 2;
                }
            } else if (sc->n_done == sc->n_starts) {
                break; /* the final best is polished or being polished by another worker */
            } else {
                opt_wait(w); /* a start is still running elsewhere */
                continue;
            }
        }
        pthread_cond_broadcast(&sc->cv);
        if (st != AS_OK) {
            w->status = st;
            atomic_store(&sc->stop, 1); /* the others stop at their next evaluation */
            break;
        }
    }
    pthread_cond_broadcast(&sc->cv);
    pthread_mutex_unlock(&sc->mu);
    as_fp_restore(fp);
    return NULL;
}

int as_gp_optimize(const as_kernel *k, const double *X, size_t n, const double *y, size_t n_out,
                   const double *noise, const unsigned char *is_free, const double *log_lower,
                   const double *log_upper, size_t n_starts, double *thetas, double *lmls,
                   long n_evals[2], const as_qn_options *opt, double polish_ftol, int abandon,
                   int n_threads, const as_interrupt *intr, as_error *err)
{
    if (n == 0) return as_error_set(err, AS_EINVAL, "X has 0 samples; at least 1 is required");
    if (!(polish_ftol >= 0.0) || !isfinite(polish_ftol))
        return as_error_set(err, AS_EINVAL, "polish_ftol must be finite and >= 0, got %g",
                            polish_ftol);
    size_t P = k->n_params, n_free = 0;
    for (size_t p = 0; p < P; ++p) n_free += (is_free == NULL || is_free[p]) ? 1 : 0;
    n_evals[0] = n_evals[1] = 0;
    for (size_t s = 0; s < n_starts; ++s) lmls[s] = -INFINITY;
    if (n_free == 0 || n_starts == 0) return AS_OK;
    as_qn_options defaults;
    if (opt == NULL) {
        as_qn_default_options(&defaults);
        opt = &defaults;
    }
    long procs = sysconf(_SC_NPROCESSORS_ONLN);
    if (procs < 1) procs = 1;
    if (n_threads <= 0) n_threads = (n < 1000) ? (int)procs : 1;
    if ((size_t)n_threads > n_starts) n_threads = (int)n_starts;
    if (n_threads < 1) n_threads = 1;

    size_t lwork = as_gp_workspace_size(k, n, n_out);
    size_t lqn = as_qn_workspace_size(n_free, opt->m);
    size_t per_worker = P + lwork + lqn + n_free;
    opt_worker *workers = (opt_worker *)calloc((size_t)n_threads, sizeof(opt_worker));
    size_t *free_idx = (size_t *)malloc(n_free * sizeof(size_t));
    double *mem = as_alloc_doubles(per_worker * (size_t)n_threads);
    pthread_t *tids = (pthread_t *)calloc((size_t)n_threads, sizeof(pthread_t));
    opt_sched sc;
    memset(&sc, 0, sizeof sc);
    sc.n_starts = n_starts;
    sc.polish_ftol = polish_ftol;
    atomic_init(&sc.stop, 0);
    atomic_init(&sc.best, n_starts);
    sc.done = (unsigned char *)calloc(2 * n_starts, 1);
    sc.polish = sc.done ? sc.done + n_starts : NULL;
    sc.pol_theta = (double *)malloc((n_starts * n_free + n_starts) * sizeof(double));
    sc.pol_lml = sc.pol_theta ? sc.pol_theta + n_starts * n_free : NULL;
    sc.pol_evals = (long *)calloc(2 * n_starts, sizeof(long));
    sc.start_evals = sc.pol_evals ? sc.pol_evals + n_starts : NULL;
    sc.abandon = abandon != 0;
    atomic_init(&sc.thr_known, 0);
    sc.thr = -INFINITY;
    sc.start_theta = (double *)malloc((n_starts * n_free + n_starts) * sizeof(double));
    sc.tmin = sc.start_theta ? sc.start_theta + n_starts * n_free : NULL;
    sc.abandoned = (unsigned char *)calloc(n_starts, 1);
    int sync_ok = 0;
    int status = AS_OK;
    if (!workers || !free_idx || !mem || !tids || !sc.done || !sc.pol_theta || !sc.pol_evals ||
        !sc.start_theta || !sc.abandoned) {
        status = as_error_set(err, AS_ENOMEM, "out of memory for GP optimization workspaces "
                              "(%zu doubles per thread)", per_worker);
        goto done;
    }
    if (pthread_mutex_init(&sc.mu, NULL) != 0) {
        status = as_error_set(err, AS_ENOMEM, "could not create a mutex");
        goto done;
    }
    if (pthread_cond_init(&sc.cv, NULL) != 0) {
        pthread_mutex_destroy(&sc.mu);
        status = as_error_set(err, AS_ENOMEM, "could not create a condition variable");
        goto done;
    }
    sync_ok = 1;
    memcpy(sc.start_theta, thetas, n_starts * n_free * sizeof(double));
    for (size_t p = 0, q = 0; p < P; ++p)
        if (is_free == NULL || is_free[p]) free_idx[q++] = p;
    int prev_blas = (n_threads > 1) ? OPENBLAS_FUNC(openblas_get_num_threads)()
                                    : as_blas_threads_for((long)n, 0);
    if (n_threads > 1) as_blas_set_threads(1);
    for (int t = 0; t < n_threads; ++t) {
        opt_worker *w = &workers[t];
        double *base = mem + per_worker * (size_t)t;
        w->base = k;
        w->X = X;
        w->y = y;
        w->noise = noise;
        w->n = n;
        w->n_out = n_out;
        w->n_free = n_free;
        w->free = is_free;
        w->free_idx = free_idx;
        w->lower = log_lower;
        w->upper = log_upper;
        w->opt = opt;
        w->thetas = thetas;
        w->lmls = lmls;
        w->n_starts = n_starts;
        w->sched = &sc;
        w->worker = t;
        w->n_workers = n_threads;
        w->intr = (t == 0) ? intr : NULL;
        w->params = base;
        memcpy(w->params, k->params, P * sizeof(double));
        w->k = *k;
        w->k.params = w->params;
        w->work = base + P;
        w->lwork = lwork;
        w->qnwork = w->work + lwork;
        w->lqnwork = lqn;
        w->grad = w->qnwork + lqn;
        w->polishing = n_starts;
        as_error_clear(&w->err);
    }
    int started = 1;
    for (int t = 1; t < n_threads; ++t) {
        if (pthread_create(&tids[t], NULL, opt_run, &workers[t]) != 0) break;
        ++started;
    }
    /* any worker whose thread could not start runs here, after worker 0 (worker 0 only waits
     * for work that a running thread has taken, so it cannot wait for them) */
    opt_run(&workers[0]);
    for (int t = started; t < n_threads; ++t) opt_run(&workers[t]);
    for (int t = 1; t < started; ++t) pthread_join(tids[t], NULL);
    as_blas_set_threads(prev_blas);
    /* a failure stops the other workers (they see AS_EINTR): report the failure itself */
    long spent = 0;
    for (int t = 0; t < n_threads; ++t) {
        spent += workers[t].n_evals;
        if (workers[t].status != AS_OK && workers[t].status != AS_EINTR && status == AS_OK) {
            status = workers[t].status;
            if (err) *err = workers[t].err;
        }
    }
    if (status == AS_OK && atomic_load(&sc.stop)) status = AS_EINTR;
    /* counted: the evaluations the result depends on (every start's own run except those
     * abandoned, whose length depends on when start 0 finished, and the winning polish) */
    long counted = 0;
    for (size_t s = 0; s < n_starts; ++s)
        if (!sc.abandoned[s]) counted += sc.start_evals[s];
    if (status == AS_OK && polish_ftol > 0.0) {
        size_t b = best_finished(&sc, lmls);
        if (b < n_starts && sc.polish[b] == 2) {
            counted += sc.pol_evals[b];
            if (sc.pol_lml[b] >= lmls[b]) {
                memcpy(thetas + b * n_free, sc.pol_theta + b * n_free, n_free * sizeof(double));
                lmls[b] = sc.pol_lml[b];
            }
        }
    }
    n_evals[0] = counted;
    n_evals[1] = spent - counted;
    if (status == AS_EINTR) as_error_set(err, AS_EINTR, "hyperparameter optimization interrupted");
done:
    if (sync_ok) {
        pthread_cond_destroy(&sc.cv);
        pthread_mutex_destroy(&sc.mu);
    }
    free(workers);
    free(free_idx);
    as_free_doubles(mem);
    free(tids);
    free(sc.done);
    free(sc.pol_theta);
    free(sc.pol_evals);
    free(sc.start_theta);
    free(sc.abandoned);
    return status;
}

/* ------------------------------------------------------------------ prediction */

size_t as_gp_predict_workspace_size(const as_gp_model *gp, size_t m, int want_cov)
{
    size_t kw = as_kernel_workspace_size(gp->kernel, m, gp->n);
    size_t kwc = want_cov ? as_kernel_workspace_size(gp->kernel, m, m) : 0;
    size_t cbuf = (want_cov && gp->n_out > 1) ? m * m : 0;
    return m * gp->n + cbuf + m + (kw > kwc ? kw : kwc) + 1;
}

int as_gp_predict(const as_gp_model *gp, const double *Xs, size_t m, double *mean, double *std,
                  double *cov, double *work, size_t lwork, as_error *err)
{
    const size_t n = gp->n, n_out = gp->n_out;
    if (lwork < as_gp_predict_workspace_size(gp, m, cov != NULL))
        return as_error_set(err, AS_EINVAL, "GP prediction workspace too small");
    if (m == 0) return AS_OK;
    /* Ks: m x n row-major = n x m column-major K(X, Xs) | C: m x m covariance slice when the
     * output is strided (n_out > 1) | kdiag: m | kernel scratch */
    size_t cbuf = (cov != NULL && n_out > 1) ? m * m : 0;
    double *Ks = work, *Cbuf = work + m * n, *kdiag = Cbuf + cbuf, *kwork = kdiag + m;
    size_t lk = lwork - (m * n + cbuf + m);
    int st = as_kernel_matrix(gp->kernel, Xs, m, gp->X, n, Ks, kwork, lk, err);
    if (st != AS_OK) return st;
    /* threads by the work, not the largest dimension: the solve costs n² m flops (the
     * covariance's dsyrk n m²), so a small training set with many query points (BO candidates)
     * stays on one thread, where waking OpenBLAS's workers costs more than it saves */
    double flops = (double)n * (double)n * (double)m;
    if (cov != NULL && (double)n * (double)m * (double)m > flops) flops = (double)n * m * m;
    int prev = as_blas_threads_for((long)cbrt(flops), 0);
    as_fpmode fp = as_fp_flush_subnormals();
    as_blas_int nn = (as_blas_int)n, mm = (as_blas_int)m, no = (as_blas_int)n_out;
    const double one = 1.0, zero = 0.0, minus_one = -1.0;
    /* meanᵀ (n_out x m, col-major) = αᵀ (n_out x n) · Ksᵀ (n x m) */
    BLAS_FUNC(dgemm)("N", "N", &no, &mm, &nn, &one, gp->alpha, &no, Ks, &nn, &zero, mean, &no);
    for (size_t j = 0; j < m; ++j)
        for (size_t c = 0; c < n_out; ++c)
            mean[j * n_out + c] = gp->y_mean[c] + gp->y_std[c] * mean[j * n_out + c];
    if (std != NULL || cov != NULL) {
        /* V = L⁻¹ K(X, Xs): with U = Lᵀ column-major, solve Uᵀ V = B */
        BLAS_FUNC(dtrsm)("L", "U", "T", "N", &nn, &mm, &one, gp->L, &nn, Ks, &nn);
    }
    if (std != NULL) {
        as_kernel_diag(gp->kernel, Xs, m, kdiag, err);
        for (size_t j = 0; j < m; ++j) {
            const double *v = Ks + j * n;
            double s = 0.0;
            for (size_t i = 0; i < n; ++i) s += v[i] * v[i];
            double var = kdiag[j] - s;
            if (var < 0.0) var = 0.0; /* rounding: scikit-learn clips negative variances too */
            double sd = sqrt(var);
            for (size_t c = 0; c < n_out; ++c) std[j * n_out + c] = sd * gp->y_std[c];
        }
    }
    if (cov != NULL) {
        /* cov (m x m) = k(Xs, Xs) - Vᵀ V; built in the n_out-strided output, slice 0 first */
        double *C = (n_out == 1) ? cov : Cbuf;
        st = as_kernel_matrix(gp->kernel, Xs, m, NULL, m, C, kwork, lk, err);
        if (st == AS_OK) {
            BLAS_FUNC(dsyrk)("U", "T", &mm, &nn, &minus_one, Ks, &nn, &one, C, &mm);
            /* dsyrk filled the column-major upper = row-major lower triangle: mirror it */
            for (size_t i = 0; i < m; ++i)
                for (size_t j = i + 1; j < m; ++j) C[i * m + j] = C[j * m + i];
            if (n_out == 1) {
                double s2 = gp->y_std[0] * gp->y_std[0];
                if (s2 != 1.0)
                    for (size_t i = 0; i < m * m; ++i) C[i] *= s2;
            } else {
                for (size_t i = 0; i < m * m; ++i)
                    for (size_t c = 0; c < n_out; ++c)
                        cov[i * n_out + c] = C[i] * gp->y_std[c] * gp->y_std[c];
            }
        }
    }
    as_fp_restore(fp);
    as_blas_set_threads(prev);
    return st;
}

size_t as_gp_predict_grad_workspace_size(const as_gp_model *gp)
{
    return gp->n * (gp->d + 2) + 2 * gp->d + 1;
}

int as_gp_predict_grad(const as_gp_model *gp, const double *x, double *mean, double *std,
                       double *dmean, double *dstd, double *work, as_error *err)
{
    const size_t n = gp->n, d = gp->d, n_out = gp->n_out;
    double *kx = work, *dk = work + n, *v = dk + n * d, *dkxx = v + n;
    int st = as_kernel_cross_grad(gp->kernel, x, gp->X, n, kx, dk, err);
    if (st != AS_OK) return st;
    double kxx;
    st = as_kernel_self_grad(gp->kernel, x, &kxx, dkxx, err);
    if (st != AS_OK) return st;
    double mu = 0.0;
    for (size_t a = 0; a < d; ++a) dmean[a] = 0.0;
    for (size_t i = 0; i < n; ++i) {
        double ai = gp->alpha[i * n_out];
        mu += kx[i] * ai;
        for (size_t a = 0; a < d; ++a) dmean[a] += dk[i * d + a] * ai;
    }
    /* v = L⁻¹ kx; var = kxx − vᵀv; dvar = dkxx − 2 dkᵀ (L⁻ᵀ v) */
    memcpy(v, kx, n * sizeof(double));
    as_blas_int nn = (as_blas_int)n, inc = 1;
    BLAS_FUNC(dtrsv)("U", "T", "N", &nn, gp->L, &nn, v, &inc);
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += v[i] * v[i];
    double var = kxx - s;
    BLAS_FUNC(dtrsv)("U", "N", "N", &nn, gp->L, &nn, v, &inc); /* v <- L⁻ᵀ L⁻¹ kx = K⁻¹ kx */
    double sd = var > 0.0 ? sqrt(var) : 0.0;
    for (size_t a = 0; a < d; ++a) {
        double dv = dkxx[a];
        for (size_t i = 0; i < n; ++i) dv -= 2.0 * dk[i * d + a] * v[i];
        dstd[a] = sd > 0.0 ? 0.5 * dv / sd * gp->y_std[0] : 0.0;
        dmean[a] *= gp->y_std[0];
    }
    *mean = gp->y_mean[0] + gp->y_std[0] * mu;
    *std = sd * gp->y_std[0];
    return AS_OK;
}

/* ------------------------------------------------------------------ updates */

int as_gp_cholesky_append(double *L, size_t n, size_t ld, const double *kcol, double kself,
                          as_error *err)
{
    if (ld < n + 1) return as_error_set(err, AS_EINVAL, "leading dimension %zu < n + 1", ld);
    double *row = L + n * ld;
    memcpy(row, kcol, n * sizeof(double));
    if (n > 0) {
        as_blas_int nn = (as_blas_int)n, lda = (as_blas_int)ld, inc = 1;
        BLAS_FUNC(dtrsv)("U", "T", "N", &nn, L, &lda, row, &inc); /* row = L⁻¹ kcol */
    }
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += row[i] * row[i];
    double pivot = kself - s;
    if (!(pivot > 0.0) || !isfinite(pivot))
        return as_error_set(err, AS_ELINALG,
                            "adding the point makes the kernel matrix singular (pivot %.3g): it "
                            "duplicates an observation; increase alpha or refit with jitter",
                            pivot);
    row[n] = sqrt(pivot);
    for (size_t j = n + 1; j < ld; ++j) row[j] = 0.0;
    return AS_OK;
}

int as_gp_cho_solve(const double *L, size_t n, double *B, size_t nrhs, double *work,
                    as_error *err)
{
    if (n == 0 || nrhs == 0) return AS_OK;
    as_blas_int nn = (as_blas_int)n, nr = (as_blas_int)nrhs, info = 0;
    if (nrhs == 1) {
        BLAS_FUNC(dpotrs)("U", &nn, &nr, L, &nn, B, &nn, &info);
    } else {
        for (size_t i = 0; i < n; ++i)
            for (size_t c = 0; c < nrhs; ++c) work[c * n + i] = B[i * nrhs + c];
        BLAS_FUNC(dpotrs)("U", &nn, &nr, L, &nn, work, &nn, &info);
        for (size_t i = 0; i < n; ++i)
            for (size_t c = 0; c < nrhs; ++c) B[i * nrhs + c] = work[c * n + i];
    }
    if (info != 0) return as_error_set(err, AS_EINVAL, "dpotrs failed (info %d)", (int)info);
    return AS_OK;
}
