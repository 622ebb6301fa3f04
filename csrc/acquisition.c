/* acquisition.c -- acquisition functions and their maximization (see acquisition.h). */
#include "acquisition.h"

#include <math.h>
#include <string.h>

#include "blas.h"
#include "qn.h"

#define AS_ACQ_BLOCK 1024    /* candidates predicted per block (bounds the workspace) */
#define AS_ACQ_QN_M 10       /* quasi-Newton correction pairs                          */
#define AS_SQRT2 1.41421356237309504880
#define AS_LOG_SQRT_2PI 0.91893853320467274178
#define AS_INV_SQRT_2PI 0.39894228040143267794

int as_acq_check(const as_acq *a, as_error *err)
{
    if (a == NULL) return as_error_set(err, AS_EINVAL, "acquisition is NULL");
    if (a->kind < AS_ACQ_EI || a->kind > AS_ACQ_MEAN)
        return as_error_set(err, AS_EINVAL, "acquisition kind %d is not one of EI (0), LOG_EI "
                            "(1), PI (2), LCB (3), MEAN (4)", a->kind);
    if (!isfinite(a->y_opt) || !isfinite(a->xi))
        return as_error_set(err, AS_EINVAL, "acquisition y_opt and xi must be finite");
    if (!isfinite(a->kappa) || a->kappa < 0)
        return as_error_set(err, AS_EINVAL, "acquisition kappa must be finite and >= 0, got %g",
                            a->kappa);
    return AS_OK;
}

static inline double as_norm_cdf(double z)
{
    return 0.5 * erfc(-z / AS_SQRT2);
}

static inline double as_norm_pdf(double z)
{
    return AS_INV_SQRT_2PI * exp(-0.5 * z * z);
}

/* c(t) = 1 / (t + 2 / (t + 3 / (t + ...))) for t >= 4, to double precision (40 terms suffice
 * at t = 4, fewer further out). */
static double as_mills_tail(double t)
{
    int K = t < 6.0 ? 40 : (t < 12.0 ? 24 : 12);
    double g = t;
    for (int k = K; k >= 2; --k) g = t + (double)k / g;
    return 1.0 / g;
}

double as_acq_log_h(double z)
{
    if (z > -4.0) return log(z * as_norm_cdf(z) + as_norm_pdf(z));
    double t = -z, c = as_mills_tail(t);
    return -0.5 * t * t - AS_LOG_SQRT_2PI + log(c) - log(t + c);
}

void as_acq_point(const as_acq *a, double mean, double std, double *val, double *dmean,
                  double *dstd)
{
    double v = 0.0, dm = 0.0, ds = 0.0;
    const double imp = a->y_opt - a->xi - mean;
    switch (a->kind) {
    case AS_ACQ_MEAN:
        v = mean;
        dm = 1.0;
        break;
    case AS_ACQ_LCB:
        v = mean - a->kappa * (std > 0.0 ? std : 0.0);
        dm = 1.0;
        ds = std > 0.0 ? -a->kappa : 0.0;
        break;
    case AS_ACQ_PI:
        if (std > 0.0) {
            double z = imp / std, p = as_norm_pdf(z);
            v = -as_norm_cdf(z);
            dm = p / std;            /* d(-Phi)/dmu = phi / s      */
            ds = p * z / std;        /* d(-Phi)/ds  = phi z / s    */
        } else {
            v = imp > 0.0 ? -1.0 : 0.0;
        }
        break;
    case AS_ACQ_EI:
        if (std > 0.0) {
            double z = imp / std, P = as_norm_cdf(z), p = as_norm_pdf(z);
            v = -(imp * P + std * p);
            dm = P;                  /* dEI/dmu = -Phi(z) */
            ds = -p;                 /* dEI/ds  = phi(z)  */
        } else {
            v = imp > 0.0 ? -imp : 0.0;
            dm = imp > 0.0 ? 1.0 : 0.0;
        }
        break;
    case AS_ACQ_LOG_EI:
    default:
        if (std > 0.0) {
            double z = imp / std;
            v = -(log(std) + as_acq_log_h(z));
            /* d log EI / dmu = -Phi/(s h), d log EI / ds = phi/(s h); in the tail
             * Phi/h = 1/c and phi/h = (t + c)/c */
            double r_cdf, r_pdf;
            if (z > -4.0) {
                double P = as_norm_cdf(z), p = as_norm_pdf(z), h = z * P + p;
                r_cdf = P / h;
                r_pdf = p / h;
            } else {
                double t = -z, c = as_mills_tail(t);
                r_cdf = 1.0 / c;
                r_pdf = (t + c) / c;
            }
            dm = r_cdf / std;
            ds = -r_pdf / std;
        } else {
            v = imp > 0.0 ? -log(imp) : INFINITY;
            dm = imp > 0.0 ? 1.0 / imp : 0.0;
        }
        break;
    }
    *val = v;
    if (dmean) *dmean = dm;
    if (dstd) *dstd = ds;
}

int as_acq_values(const as_acq *a, const double *mean, const double *std, size_t m,
                  double *out, as_error *err)
{
    int st = as_acq_check(a, err);
    if (st != AS_OK) return st;
    if (m > 0 && (mean == NULL || std == NULL || out == NULL))
        return as_error_set(err, AS_EINVAL, "acquisition values: NULL array");
    for (size_t i = 0; i < m; ++i) as_acq_point(a, mean[i], std[i], &out[i], NULL, NULL);
    return AS_OK;
}

/* ------------------------------------------------------------------ polishing */

typedef struct {
    const as_gp_model *gp;
    const as_acq *acq;
    double *pwork;   /* as_gp_predict_grad_workspace_size */
    double *dmean;   /* d */
    double *dstd;    /* d */
} as_acq_ctx;

static int as_acq_objective(void *vctx, const double *x, double *f, double *grad)
{
    as_acq_ctx *c = (as_acq_ctx *)vctx;
    as_error e;
    double mu, sd, dm, ds;
    int st = as_gp_predict_grad(c->gp, x, &mu, &sd, c->dmean, c->dstd, c->pwork, &e);
    if (st != AS_OK) return st;
    as_acq_point(c->acq, mu, sd, f, &dm, &ds);
    for (size_t a = 0; a < c->gp->d; ++a) grad[a] = dm * c->dmean[a] + ds * c->dstd[a];
    return AS_OK;
}

/* Predictive mean and std (single output) of a block of b candidates.  The kernel block is
 * built as k(X, Xs) (n x b row-major, i.e. A = b x n column-major), so that both products run
 * along the long dimension: mean = A alpha (dgemv) and V = A U⁻¹ with U = Lᵀ (one dtrsm from
 * the right, which OpenBLAS runs faster than the left-side solve on short blocks); then
 * var_j = k(x_j, x_j) - Σ_i V_ji².  Workspace: as_acq_predict_workspace_size. */
static size_t as_acq_predict_workspace_size(const as_gp_model *gp, size_t b)
{
    return gp->n * b + b + as_kernel_workspace_size(gp->kernel, gp->n, b) + 1;
}

static int as_acq_predict(const as_gp_model *gp, const double *Xs, size_t b, double *mean,
                          double *std, double *work, size_t lwork, as_error *err)
{
    const size_t n = gp->n;
    double *A = work, *kdiag = work + n * b, *kwork = kdiag + b;
    size_t lk = lwork - (n * b + b);
    int st = as_kernel_matrix(gp->kernel, gp->X, n, Xs, b, A, kwork, lk, err);
    if (st != AS_OK) return st;
    st = as_kernel_diag(gp->kernel, Xs, b, kdiag, err);
    if (st != AS_OK) return st;
    as_fpmode fp = as_fp_flush_subnormals();
    as_blas_int nb = (as_blas_int)b, nn = (as_blas_int)n, inc = 1;
    const double one = 1.0, zero = 0.0;
    BLAS_FUNC(dgemv)("N", &nb, &nn, &one, A, &nb, gp->alpha, &inc, &zero, mean, &inc);
    BLAS_FUNC(dtrsm)("R", "U", "N", "N", &nb, &nn, &one, gp->L, &nn, A, &nb);
    for (size_t j = 0; j < b; ++j) std[j] = kdiag[j];
    for (size_t i = 0; i < n; ++i) {
        const double *v = A + i * b;
        for (size_t j = 0; j < b; ++j) std[j] -= v[j] * v[j];
    }
    const double ym = gp->y_mean[0], ys = gp->y_std[0];
    for (size_t j = 0; j < b; ++j) {
        mean[j] = ym + ys * mean[j];
        std[j] = std[j] > 0.0 ? sqrt(std[j]) * ys : 0.0; /* rounding can make var < 0 */
    }
    as_fp_restore(fp);
    return AS_OK;
}

size_t as_acq_optimize_workspace_size(const as_gp_model *gp, size_t m, size_t n_polish)
{
    size_t block = m < AS_ACQ_BLOCK ? (m > 0 ? m : 1) : AS_ACQ_BLOCK;
    size_t pred = as_acq_predict_workspace_size(gp, block);
    size_t qn = as_qn_workspace_size(gp->d, AS_ACQ_QN_M);
    size_t polish = qn + as_gp_predict_grad_workspace_size(gp) + 5 * gp->d + n_polish + 1;
    return pred > polish ? pred : polish;
}

/* Indices of the k smallest finite values (ascending), by insertion; returns how many. */
static size_t as_smallest(const double *v, size_t m, size_t k, double *idx)
{
    size_t cnt = 0;
    for (size_t i = 0; i < m; ++i) {
        double x = v[i];
        if (!isfinite(x)) continue;
        if (cnt == k && !(x < v[(size_t)idx[k - 1]])) continue;
        size_t pos = cnt < k ? cnt++ : k - 1;
        while (pos > 0 && x < v[(size_t)idx[pos - 1]]) {
            idx[pos] = idx[pos - 1];
            --pos;
        }
        idx[pos] = (double)i;
    }
    return cnt;
}

int as_acq_optimize(const as_gp_model *gp, const as_acq *acqs, size_t n_acq, const double *cand,
                    size_t m, const double *lower, const double *upper,
                    const unsigned char *free_dims, size_t n_polish, int max_iter,
                    double *mean, double *std, double *values, double *x_best, double *f_best,
                    double *work, size_t lwork, as_error *err)
{
    if (gp == NULL || acqs == NULL || cand == NULL || lower == NULL || upper == NULL ||
        mean == NULL || std == NULL || values == NULL || x_best == NULL || f_best == NULL ||
        work == NULL)
        return as_error_set(err, AS_EINVAL, "acquisition optimizer: NULL argument");
    if (gp->n_out != 1)
        return as_error_set(err, AS_EINVAL, "acquisition needs a single-output GP, got %zu "
                            "outputs", gp->n_out);
    if (m == 0 || n_acq == 0)
        return as_error_set(err, AS_EINVAL, "acquisition optimizer needs at least one candidate "
                            "and one acquisition");
    if (max_iter < 0) return as_error_set(err, AS_EINVAL, "max_iter must be >= 0");
    if (lwork < as_acq_optimize_workspace_size(gp, m, n_polish))
        return as_error_set(err, AS_EINVAL, "acquisition workspace too small");
    const size_t d = gp->d;
    for (size_t j = 0; j < d; ++j)
        if (!(lower[j] <= upper[j]))
            return as_error_set(err, AS_EINVAL, "bounds: lower[%zu] > upper[%zu] or NaN", j, j);
    for (size_t q = 0; q < n_acq; ++q) {
        int st = as_acq_check(&acqs[q], err);
        if (st != AS_OK) return st;
    }
    /* 1. predictive mean and std at every candidate, block by block */
    for (size_t i0 = 0; i0 < m; i0 += AS_ACQ_BLOCK) {
        size_t b = m - i0 < AS_ACQ_BLOCK ? m - i0 : AS_ACQ_BLOCK;
        int st = as_acq_predict(gp, cand + i0 * d, b, mean + i0, std + i0, work, lwork, err);
        if (st != AS_OK) return st;
    }
    /* 2. every acquisition at every candidate from the shared mean and std */
    for (size_t q = 0; q < n_acq; ++q)
        for (size_t i = 0; i < m; ++i)
            as_acq_point(&acqs[q], mean[i], std[i], &values[q * m + i], NULL, NULL);
    /* 3. polish the best candidates of each acquisition */
    double *qwork = work;
    size_t lq = as_qn_workspace_size(d, AS_ACQ_QN_M);
    double *pwork = qwork + lq;
    double *dmean = pwork + as_gp_predict_grad_workspace_size(gp), *dstd = dmean + d;
    double *lo = dstd + d, *up = lo + d, *x = up + d, *idx = x + d;
    as_qn_options opt;
    as_qn_default_options(&opt);
    opt.m = AS_ACQ_QN_M;
    opt.max_iter = max_iter;
    opt.max_fun = 2 * max_iter + 10;
    for (size_t q = 0; q < n_acq; ++q) {
        const double *v = values + q * m;
        size_t k = as_smallest(v, m, n_polish > 0 ? n_polish : 1, idx);
        double *xb = x_best + q * d;
        if (k == 0) { /* no finite value anywhere: the first candidate */
            memcpy(xb, cand, d * sizeof(double));
            f_best[q] = v[0];
            continue;
        }
        size_t ib = (size_t)idx[0];
        memcpy(xb, cand + ib * d, d * sizeof(double));
        f_best[q] = v[ib];
        if (n_polish == 0 || max_iter == 0) continue;
        as_acq_ctx ctx = {gp, &acqs[q], pwork, dmean, dstd};
        for (size_t s = 0; s < k; ++s) {
            const double *x0 = cand + (size_t)idx[s] * d;
            for (size_t j = 0; j < d; ++j) {
                int fr = free_dims == NULL || free_dims[j];
                x[j] = x0[j];
                lo[j] = fr ? lower[j] : x0[j];
                up[j] = fr ? upper[j] : x0[j];
            }
            as_qn_result res;
            int st = as_qn_minimize(as_acq_objective, &ctx, d, x, lo, up, &opt, qwork, lq, &res,
                                    err);
            if (st != AS_OK) return st;
            if (res.f < f_best[q]) {
                f_best[q] = res.f;
                memcpy(xb, x, d * sizeof(double));
            }
        }
    }
    return AS_OK;
}
