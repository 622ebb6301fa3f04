/* mlp.c -- multi-layer perceptron classifier (see mlp.h). */
#include "mlp.h"

#include <math.h>
#include <string.h>

#include "blas.h"
#include "rng.h"
#include "vmath.h"

void as_mlp_train_config_default(as_mlp_train_config *cfg)
{
    cfg->batch_size = 200;
    cfg->max_iter = 200;
    cfg->learning_rate = 1e-3;
    cfg->beta1 = 0.9;
    cfg->beta2 = 0.999;
    cfg->epsilon = 1e-8;
    cfg->alpha = 1e-4;
    cfg->tol = 1e-4;
    cfg->n_iter_no_change = 10;
    cfg->shuffle = 1;
    cfg->seed = 0;
    cfg->n_threads = 1;
    cfg->single_precision = 0;
}

const char *as_mlp_check(const as_mlp *net)
{
    if (net == NULL) return "the network description is NULL";
    if (net->n_layers < 1 || net->n_layers > AS_MLP_MAX_LAYERS)
        return "the number of layers must be between 1 and 16 (at most 15 hidden layers)";
    for (size_t l = 0; l <= net->n_layers; ++l)
        if (net->sizes[l] < 1 || net->sizes[l] > (size_t)1 << 24)
            return "every layer size must be between 1 and 2^24";
    if (net->activation != AS_MLP_TANH && net->activation != AS_MLP_RELU)
        return "activation must be tanh or relu";
    return NULL;
}

const char *as_mlp_check_config(const as_mlp_train_config *cfg)
{
    if (cfg->batch_size < 1) return "batch_size must be >= 1";
    if (!(cfg->learning_rate > 0.0) || !isfinite(cfg->learning_rate))
        return "learning_rate_init must be a positive finite number";
    if (!(cfg->beta1 >= 0.0 && cfg->beta1 < 1.0)) return "beta_1 must be in [0, 1)";
    if (!(cfg->beta2 >= 0.0 && cfg->beta2 < 1.0)) return "beta_2 must be in [0, 1)";
    if (!(cfg->epsilon > 0.0)) return "epsilon must be > 0";
    if (!(cfg->alpha >= 0.0) || !isfinite(cfg->alpha)) return "alpha must be >= 0 and finite";
    if (!(cfg->tol >= 0.0)) return "tol must be >= 0";
    if (cfg->n_iter_no_change < 1) return "n_iter_no_change must be >= 1";
    return NULL;
}

size_t as_mlp_n_params(const as_mlp *net)
{
    size_t p = 0;
    for (size_t l = 0; l < net->n_layers; ++l) p += (net->sizes[l] + 1) * net->sizes[l + 1];
    return p;
}

void as_mlp_init_params(const as_mlp *net, uint64_t seed, double *params)
{
    as_rng rng;
    as_rng_init(&rng, seed, 1);
    double *p = params;
    for (size_t l = 0; l < net->n_layers; ++l) {
        size_t fan_in = net->sizes[l], fan_out = net->sizes[l + 1];
        double bound = sqrt(6.0 / (double)(fan_in + fan_out));
        size_t cnt = (fan_in + 1) * fan_out;
        for (size_t i = 0; i < cnt; ++i) p[i] = bound * (2.0 * as_rng_uniform(&rng) - 1.0);
        p += cnt;
    }
}

/* ------------------------------------------------------------------ kernels */

/* Row-major C (M x N) = alpha op(A) op(B) + beta C, op(A) M x K, op(B) K x N, through the
 * column-major BLAS: row-major C is column-major C^T = op(B)^T op(A)^T. */
static void rm_gemm(char ta, char tb, size_t M, size_t N, size_t K, double alpha, const double *A,
                    size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    as_blas_int m = (as_blas_int)N, n = (as_blas_int)M, k = (as_blas_int)K;
    as_blas_int la = (as_blas_int)lda, lb = (as_blas_int)ldb, lc = (as_blas_int)ldc;
    BLAS_FUNC(dgemm)(&tb, &ta, &m, &n, &k, &alpha, B, &lb, A, &la, &beta, C, &lc);
}

/* tanh over a contiguous array: tanh|v| = (1 - e) / (1 + e) = 2 / (1 + e) - 1 with
 * e = exp(-2|v|) in (0, 1] (a vectorizable exp; as_exp returns 0 below -708, where
 * tanh|v| = 1 exactly).  One flat loop over the whole batch vectorizes better than per-row
 * loops of a layer's width.  (A Newton-iteration reciprocal instead of the division was
 * measured slower.) */
AS_SIMD_CLONES
static void tanh_inplace(double *z, size_t len)
{
    for (size_t i = 0; i < len; ++i) {
        double a = fabs(z[i]);
        double y = 1.0 + as_exp(-2.0 * a);
        double t = 2.0 / y - 1.0;
        z[i] = z[i] < 0.0 ? -t : t;
    }
}

AS_SIMD_CLONES
static void relu_inplace(double *z, size_t len)
{
    for (size_t i = 0; i < len; ++i) z[i] = z[i] > 0.0 ? z[i] : 0.0;
}

static void add_bias(double *Z, size_t rows, size_t cols, const double *bias);

/* Z (rows x cols) += bias per column, then the hidden activation in place. */
static void bias_activate(double *Z, size_t rows, size_t cols, const double *bias, int act)
{
    add_bias(Z, rows, cols, bias);
    if (act == AS_MLP_TANH) tanh_inplace(Z, rows * cols);
    else relu_inplace(Z, rows * cols);
}

static void add_bias(double *Z, size_t rows, size_t cols, const double *bias)
{
    for (size_t i = 0; i < rows; ++i)
        for (size_t j = 0; j < cols; ++j) Z[i * cols + j] += bias[j];
}

/* D (rows x cols) *= derivative of the activation, given the activation values A. */
AS_SIMD_CLONES
static void activation_backward(double *D, const double *A, size_t len, int act)
{
    if (act == AS_MLP_TANH) {
        for (size_t i = 0; i < len; ++i) D[i] *= 1.0 - A[i] * A[i];
    } else {
        for (size_t i = 0; i < len; ++i) D[i] = A[i] > 0.0 ? D[i] : 0.0;
    }
}

/* log(1 + e^z) without overflow */
static inline double softplus(double z)
{
    return (z > 0.0 ? z : 0.0) + log1p(exp(-fabs(z)));
}

/* Cross-entropy of one row of scores s (k outputs) for label c; if delta != NULL it receives
 * d loss / d s scaled by `scale`. */
static double row_loss(const double *s, size_t k, size_t c, double *delta, double scale)
{
    if (k == 1) {
        double z = s[0], y = (double)c;
        if (delta) {
            double p = z >= 0.0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
            delta[0] = scale * (p - y);
        }
        return softplus(z) - y * z;
    }
    double mx = s[0];
    for (size_t j = 1; j < k; ++j) mx = s[j] > mx ? s[j] : mx;
    double sum = 0.0;
    for (size_t j = 0; j < k; ++j) sum += exp(s[j] - mx);
    double lse = mx + log(sum);
    if (delta) {
        for (size_t j = 0; j < k; ++j) delta[j] = scale * exp(s[j] - lse);
        delta[c] -= scale;
    }
    return lse - s[c];
}

static size_t max_width(const as_mlp *net)
{
    size_t m = 0;
    for (size_t l = 1; l <= net->n_layers; ++l) m = net->sizes[l] > m ? net->sizes[l] : m;
    return m;
}

static size_t sum_widths(const as_mlp *net)
{
    size_t s = 0;
    for (size_t l = 1; l <= net->n_layers; ++l) s += net->sizes[l];
    return s;
}

/* Forward pass of `rows` rows of A0 into the activation buffers acts (layer l at
 * acts + rows * offset_l); the last layer holds raw scores. */
static void forward_rows(const as_mlp *net, const double *params, const double *A0, size_t rows,
                         double *acts)
{
    const double *in = A0;
    const double *p = params;
    double *out = acts;
    for (size_t l = 0; l < net->n_layers; ++l) {
        size_t ni = net->sizes[l], no = net->sizes[l + 1];
        const double *W = p, *b = p + ni * no;
        rm_gemm('N', 'N', rows, no, ni, 1.0, in, ni, W, no, 0.0, out, no);
        if (l + 1 < net->n_layers) bias_activate(out, rows, no, b, net->activation);
        else add_bias(out, rows, no, b);
        p += (ni + 1) * no;
        in = out;
        out += rows * no;
    }
}

size_t as_mlp_forward_work_size(const as_mlp *net, size_t chunk)
{
    return chunk * sum_widths(net);
}

int as_mlp_forward(const as_mlp *net, const double *params, const double *X, size_t n,
                   size_t chunk, double *out, double *work, as_error *err)
{
    const char *msg = as_mlp_check(net);
    if (msg) return as_error_set(err, AS_EINVAL, "%s", msg);
    if (chunk < 1) return as_error_set(err, AS_EINVAL, "chunk must be >= 1");
    int prev = OPENBLAS_FUNC(openblas_get_num_threads)();
    as_blas_set_threads(1);
    as_fpmode fpm = as_fp_flush_subnormals();
    const size_t d = net->sizes[0], k = net->sizes[net->n_layers];
    const size_t last_off = sum_widths(net) - k;
    for (size_t start = 0; start < n; start += chunk) {
        size_t rows = n - start < chunk ? n - start : chunk;
        forward_rows(net, params, X + start * d, rows, work);
        memcpy(out + start * k, work + rows * last_off, rows * k * sizeof(double));
    }
    as_fp_restore(fpm);
    as_blas_set_threads(prev);
    return AS_OK;
}

double as_mlp_log_loss(const as_mlp *net, const double *scores, const double *y,
                       const double *w, size_t n)
{
    const size_t k = net->sizes[net->n_layers];
    double s = 0.0, sw = 0.0;
    for (size_t i = 0; i < n; ++i) {
        double wi = w ? w[i] : 1.0;
        s += wi * row_loss(scores + i * k, k, (size_t)y[i], NULL, 0.0);
        sw += wi;
    }
    return sw > 0.0 ? s / sw : 0.0;
}

/* ------------------------------------------------------------------ training */

/* ------------------------------------------------------------------ float32 minibatch pass */

static double l2_norm2_weights(const as_mlp *net, const double *params);

void BLAS_FUNC(sgemm)(const char *transa, const char *transb, const as_blas_int *m,
                      const as_blas_int *n, const as_blas_int *k, const float *alpha,
                      const float *a, const as_blas_int *lda, const float *b,
                      const as_blas_int *ldb, const float *beta, float *c,
                      const as_blas_int *ldc);

static void rm_sgemm(char ta, char tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                     size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    as_blas_int m = (as_blas_int)N, n = (as_blas_int)M, k = (as_blas_int)K;
    as_blas_int la = (as_blas_int)lda, lb = (as_blas_int)ldb, lc = (as_blas_int)ldc;
    BLAS_FUNC(sgemm)(&tb, &ta, &m, &n, &k, &alpha, B, &lb, A, &la, &beta, C, &lc);
}

/* e^x in float32 for x <= 0: Cody-Waite reduction and a degree-6 Taylor polynomial (relative
 * error below 2e-7), vectorizable; below -87 it returns 0. */
static inline float expf_neg(float x)
{
    float xc = x < -87.0f ? -87.0f : x;
    float t = xc * 1.44269504f + 12582912.0f; /* 1.5 * 2^23 rounds to an integer */
    float nf = t - 12582912.0f;
    float r = (xc - nf * 0.693145752f) - nf * 1.42860677e-6f;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    uint32_t tb;
    memcpy(&tb, &t, sizeof tb);
    uint32_t sb = (tb + 127u) << 23;
    float scale;
    memcpy(&scale, &sb, sizeof scale);
    return x < -87.0f ? 0.0f : p * scale;
}

AS_SIMD_CLONES
static void tanh_inplace_f(float *z, size_t len)
{
    for (size_t i = 0; i < len; ++i) {
        float a = z[i] < 0.0f ? -z[i] : z[i];
        float t = 2.0f / (1.0f + expf_neg(-2.0f * a)) - 1.0f;
        z[i] = z[i] < 0.0f ? -t : t;
    }
}

AS_SIMD_CLONES
static void bias_act_f(float *Z, size_t rows, size_t cols, const float *bias, int act, int last)
{
    for (size_t i = 0; i < rows; ++i)
        for (size_t j = 0; j < cols; ++j) Z[i * cols + j] += bias[j];
    if (last) return;
    if (act == AS_MLP_TANH) {
        tanh_inplace_f(Z, rows * cols);
    } else {
        for (size_t i = 0; i < rows * cols; ++i) Z[i] = Z[i] > 0.0f ? Z[i] : 0.0f;
    }
}

AS_SIMD_CLONES
static void activation_backward_f(float *D, const float *A, size_t len, int act)
{
    if (act == AS_MLP_TANH) {
        for (size_t i = 0; i < len; ++i) D[i] *= 1.0f - A[i] * A[i];
    } else {
        for (size_t i = 0; i < len; ++i) D[i] = A[i] > 0.0f ? D[i] : 0.0f;
    }
}

size_t as_mlp_grad_work_size_f(const as_mlp *net, size_t rows)
{
    size_t P = as_mlp_n_params(net), d = net->sizes[0], k = net->sizes[net->n_layers];
    size_t floats = 2 * P + rows * d + rows * sum_widths(net) + 2 * rows * max_width(net);
    (void)k;
    return (floats + 1) / 2 + 1;
}

/* The float32 minibatch pass: X (rows x d, float64) converted, gradient returned in float64. */
static double batch_gradient_f(const as_mlp *net, const double *params, const double *Xb_d,
                               size_t Xb_stride_rows, const double *yb, const double *wb,
                               size_t rows, double alpha, double *grad, float *fw)
{
    (void)Xb_stride_rows;
    const size_t L = net->n_layers, k = net->sizes[L], d = net->sizes[0];
    const size_t P = as_mlp_n_params(net);
    float *pf = fw, *gf = pf + P, *Xb = gf + P, *acts = Xb + rows * d;
    float *d0 = acts + rows * sum_widths(net), *d1 = d0 + rows * max_width(net);
    for (size_t i = 0; i < P; ++i) pf[i] = (float)params[i];
    for (size_t i = 0; i < rows * d; ++i) Xb[i] = (float)Xb_d[i];
    size_t offs[AS_MLP_MAX_LAYERS + 1], poff[AS_MLP_MAX_LAYERS + 1];
    offs[0] = 0;
    poff[0] = 0;
    for (size_t l = 1; l <= L; ++l) offs[l] = offs[l - 1] + rows * net->sizes[l];
    for (size_t l = 0; l < L; ++l) poff[l + 1] = poff[l] + (net->sizes[l] + 1) * net->sizes[l + 1];
    /* forward */
    const float *in = Xb;
    for (size_t l = 0; l < L; ++l) {
        size_t ni = net->sizes[l], no = net->sizes[l + 1];
        float *out = acts + offs[l];
        rm_sgemm('N', 'N', rows, no, ni, 1.0f, in, ni, pf + poff[l], no, 0.0f, out, no);
        bias_act_f(out, rows, no, pf + poff[l] + ni * no, net->activation, l + 1 == L);
        in = out;
    }
    /* loss and output delta, in float64 from the float32 scores */
    const float *scores = acts + offs[L - 1];
    const double inv = 1.0 / (double)rows;
    double loss = 0.0, s[64], dl[64];
    for (size_t i = 0; i < rows; ++i) {
        double wi = wb ? wb[i] : 1.0;
        if (k <= 64) {
            for (size_t j = 0; j < k; ++j) s[j] = (double)scores[i * k + j];
            loss += wi * row_loss(s, k, (size_t)yb[i], dl, wi * inv);
            for (size_t j = 0; j < k; ++j) d0[i * k + j] = (float)dl[j];
        }
    }
    loss *= inv;
    loss += 0.5 * alpha * l2_norm2_weights(net, params) * inv;
    /* backward */
    float *D = d0, *Dn = d1;
    const float ainv = (float)(alpha * inv);
    for (size_t ll = L; ll-- > 0;) {
        size_t ni = net->sizes[ll], no = net->sizes[ll + 1];
        const float *W = pf + poff[ll];
        float *gW = gf + poff[ll], *gb = gW + ni * no;
        const float *Ain = ll == 0 ? Xb : acts + offs[ll - 1];
        for (size_t i = 0; i < ni * no; ++i) gW[i] = ainv * W[i];
        rm_sgemm('T', 'N', ni, no, rows, 1.0f, Ain, ni, D, no, 1.0f, gW, no);
        for (size_t j = 0; j < no; ++j) gb[j] = 0.0f;
        for (size_t i = 0; i < rows; ++i)
            for (size_t j = 0; j < no; ++j) gb[j] += D[i * no + j];
        if (ll > 0) {
            rm_sgemm('N', 'T', rows, ni, no, 1.0f, D, no, W, no, 0.0f, Dn, ni);
            activation_backward_f(Dn, Ain, rows * ni, net->activation);
            float *t = D;
            D = Dn;
            Dn = t;
        }
    }
    for (size_t i = 0; i < P; ++i) grad[i] = (double)gf[i];
    return loss;
}

double as_mlp_loss_grad_f(const as_mlp *net, const double *params, const double *X,
                          const double *y, const double *w, size_t rows, double alpha,
                          double *grad, double *work)
{
    return batch_gradient_f(net, params, X, rows, y, w, rows, alpha, grad, (float *)work);
}

size_t as_mlp_fit_work_size(const as_mlp *net, const as_mlp_train_config *cfg, size_t n)
{
    size_t P = as_mlp_n_params(net);
    size_t B = cfg->batch_size < n ? cfg->batch_size : (n > 0 ? n : 1);
    size_t d = net->sizes[0];
    /* grad, m, v, best params | batch X, labels, weights | activations | two delta buffers
     * | the float32 pass's buffers */
    return 4 * P + B * (d + 2) + B * sum_widths(net) + 2 * B * max_width(net) +
           (cfg->single_precision ? as_mlp_grad_work_size_f(net, B) : 0);
}

static double l2_norm2_weights(const as_mlp *net, const double *params)
{
    double s = 0.0;
    const double *p = params;
    for (size_t l = 0; l < net->n_layers; ++l) {
        size_t cnt = net->sizes[l] * net->sizes[l + 1];
        for (size_t i = 0; i < cnt; ++i) s += p[i] * p[i];
        p += cnt + net->sizes[l + 1];
    }
    return s;
}

/* Validation log-loss, with the activation buffer (B rows) as scratch. */
static double validation_loss(const as_mlp *net, const double *params, const double *Xv,
                              const double *yv, size_t n_val, size_t B, double *acts)
{
    const size_t d = net->sizes[0], k = net->sizes[net->n_layers];
    const size_t last_off = sum_widths(net) - k;
    double s = 0.0;
    for (size_t start = 0; start < n_val; start += B) {
        size_t rows = n_val - start < B ? n_val - start : B;
        forward_rows(net, params, Xv + start * d, rows, acts);
        const double *sc = acts + rows * last_off;
        for (size_t i = 0; i < rows; ++i)
            s += row_loss(sc + i * k, k, (size_t)yv[start + i], NULL, 0.0);
    }
    return s / (double)n_val;
}

/* One minibatch: gradient of the batch loss into grad; returns the batch loss (penalty
 * included). */
static double batch_gradient(const as_mlp *net, const double *params, const double *Xb,
                             const double *yb, const double *wb, size_t rows, double alpha,
                             double *grad, double *acts, double *d0, double *d1)
{
    const size_t L = net->n_layers, k = net->sizes[L];
    forward_rows(net, params, Xb, rows, acts);
    size_t offs[AS_MLP_MAX_LAYERS + 1];
    offs[0] = 0;
    for (size_t l = 1; l <= L; ++l) offs[l] = offs[l - 1] + rows * net->sizes[l];
    const double *scores = acts + offs[L - 1];
    const double inv = 1.0 / (double)rows;
    double loss = 0.0;
    for (size_t i = 0; i < rows; ++i) {
        double wi = wb ? wb[i] : 1.0;
        loss += wi * row_loss(scores + i * k, k, (size_t)yb[i], d0 + i * k, wi * inv);
    }
    loss *= inv;
    loss += 0.5 * alpha * l2_norm2_weights(net, params) * inv;

    /* parameter offsets per layer */
    size_t poff[AS_MLP_MAX_LAYERS + 1];
    poff[0] = 0;
    for (size_t l = 0; l < L; ++l) poff[l + 1] = poff[l] + (net->sizes[l] + 1) * net->sizes[l + 1];

    double *D = d0, *Dn = d1;
    for (size_t ll = L; ll-- > 0;) {
        size_t ni = net->sizes[ll], no = net->sizes[ll + 1];
        const double *W = params + poff[ll];
        double *gW = grad + poff[ll], *gb = gW + ni * no;
        const double *Ain = ll == 0 ? Xb : acts + offs[ll - 1];
        /* gW = alpha / rows * W + Ain^T D */
        for (size_t i = 0; i < ni * no; ++i) gW[i] = alpha * inv * W[i];
        rm_gemm('T', 'N', ni, no, rows, 1.0, Ain, ni, D, no, 1.0, gW, no);
        for (size_t j = 0; j < no; ++j) gb[j] = 0.0;
        for (size_t i = 0; i < rows; ++i)
            for (size_t j = 0; j < no; ++j) gb[j] += D[i * no + j];
        if (ll > 0) {
            rm_gemm('N', 'T', rows, ni, no, 1.0, D, no, W, no, 0.0, Dn, ni);
            activation_backward(Dn, Ain, rows * ni, net->activation);
            double *t = D;
            D = Dn;
            Dn = t;
        }
    }
    return loss;
}

size_t as_mlp_grad_work_size(const as_mlp *net, size_t rows)
{
    return rows * sum_widths(net) + 2 * rows * max_width(net);
}

double as_mlp_loss_grad(const as_mlp *net, const double *params, const double *X,
                        const double *y, const double *w, size_t rows, double alpha,
                        double *grad, double *work)
{
    double *acts = work, *d0 = acts + rows * sum_widths(net), *d1 = d0 + rows * max_width(net);
    return batch_gradient(net, params, X, y, w, rows, alpha, grad, acts, d0, d1);
}

AS_SIMD_CLONES
static void adam_step(double *params, const double *g, double *m, double *v, size_t P,
                      double step, double b1, double b2, double eps)
{
    for (size_t i = 0; i < P; ++i) {
        m[i] = b1 * m[i] + (1.0 - b1) * g[i];
        v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
        params[i] -= step * m[i] / (sqrt(v[i]) + eps);
    }
}

int as_mlp_fit(const as_mlp *net, const as_mlp_train_config *cfg, const double *X,
               const double *y, const double *w, size_t n, const double *Xv, const double *yv,
               size_t n_val, double *params, double *loss_curve, double *val_curve,
               size_t *n_iter, size_t *perm, double *work, const as_interrupt *intr,
               as_error *err)
{
    const char *msg = as_mlp_check(net);
    if (msg) return as_error_set(err, AS_EINVAL, "%s", msg);
    msg = as_mlp_check_config(cfg);
    if (msg) return as_error_set(err, AS_EINVAL, "%s", msg);
    if (n < 1) return as_error_set(err, AS_EINVAL, "X must have at least one row");
    *n_iter = 0;
    const size_t d = net->sizes[0], k = net->sizes[net->n_layers];
    const size_t n_classes = k == 1 ? 2 : k;
    for (size_t i = 0; i < n; ++i) {
        double c = y[i];
        if (!(c >= 0.0 && c < (double)n_classes && c == floor(c)))
            return as_error_set(err, AS_EINVAL, "y[%zu] = %g is not a class index in [0, %zu)",
                                i, c, n_classes);
    }
    for (size_t i = 0; i < n_val; ++i) {
        double c = yv[i];
        if (!(c >= 0.0 && c < (double)n_classes && c == floor(c)))
            return as_error_set(err, AS_EINVAL, "validation label %zu = %g is not a class index",
                                i, c);
    }
    const size_t P = as_mlp_n_params(net);
    const size_t B = cfg->batch_size < n ? cfg->batch_size : n;
    double *grad = work, *m = grad + P, *v = m + P, *best = v + P;
    double *Xb = best + P, *yb = Xb + B * d, *wb = yb + B;
    double *acts = wb + B;
    double *d0 = acts + B * sum_widths(net), *d1 = d0 + B * max_width(net);
    float *fw = (float *)(d1 + B * max_width(net));
    if (cfg->single_precision && k > 64)
        return as_error_set(err, AS_EINVAL, "single precision supports at most 64 classes");
    memset(m, 0, 2 * P * sizeof(double));
    memcpy(best, params, P * sizeof(double));
    for (size_t i = 0; i < n; ++i) perm[i] = i;

    int prev = OPENBLAS_FUNC(openblas_get_num_threads)();
    as_blas_set_threads(cfg->n_threads > 0 ? cfg->n_threads : 1);
    as_fpmode fpm = as_fp_flush_subnormals();
    as_rng rng;
    as_rng_init(&rng, cfg->seed, 0);

    double best_loss = INFINITY, best_val = INFINITY;
    size_t no_improve = 0;
    unsigned long long t = 0;
    double b1t = 1.0, b2t = 1.0;
    size_t batches = 0;
    int status = AS_OK;
    for (size_t epoch = 0; epoch < cfg->max_iter; ++epoch) {
        if (cfg->shuffle) {
            for (size_t i = n - 1; i > 0; --i) {
                size_t j = (size_t)as_rng_bounded(&rng, (uint64_t)i + 1);
                size_t tmp = perm[i];
                perm[i] = perm[j];
                perm[j] = tmp;
            }
        }
        double acc = 0.0;
        for (size_t start = 0; start < n; start += B) {
            size_t rows = n - start < B ? n - start : B;
            const size_t *idx = perm + start;
            for (size_t i = 0; i < rows; ++i) {
                const double *src = X + idx[i] * d;
                for (size_t j = 0; j < d; ++j) Xb[i * d + j] = src[j];
                yb[i] = y[idx[i]];
                wb[i] = w ? w[idx[i]] : 1.0;
            }
            double loss = cfg->single_precision
                              ? batch_gradient_f(net, params, Xb, rows, yb, w ? wb : NULL,
                                                 rows, cfg->alpha, grad, fw)
                              : batch_gradient(net, params, Xb, yb, w ? wb : NULL, rows,
                                               cfg->alpha, grad, acts, d0, d1);
            if (!isfinite(loss)) {
                status = as_error_set(err, AS_ENUMERIC,
                                      "the training loss became %g at epoch %zu; lower "
                                      "learning_rate_init or standardize the inputs",
                                      loss, epoch + 1);
                goto done;
            }
            acc += loss * (double)rows;
            ++t;
            b1t *= cfg->beta1;
            b2t *= cfg->beta2;
            double step = cfg->learning_rate * sqrt(1.0 - b2t) / (1.0 - b1t);
            adam_step(params, grad, m, v, P, step, cfg->beta1, cfg->beta2, cfg->epsilon);
            if (++batches % 64 == 0 && as_interrupted(intr)) {
                status = as_error_set(err, AS_EINTR, "training interrupted at epoch %zu",
                                      epoch + 1);
                goto done;
            }
        }
        double epoch_loss = acc / (double)n;
        loss_curve[epoch] = epoch_loss;
        *n_iter = epoch + 1;
        if (n_val > 0) {
            double vl = validation_loss(net, params, Xv, yv, n_val, B, acts);
            if (val_curve) val_curve[epoch] = vl;
            if (vl > best_val - cfg->tol) ++no_improve;
            else no_improve = 0;
            if (vl < best_val) {
                best_val = vl;
                memcpy(best, params, P * sizeof(double));
            }
        } else {
            if (epoch_loss > best_loss - cfg->tol) ++no_improve;
            else no_improve = 0;
            if (epoch_loss < best_loss) best_loss = epoch_loss;
        }
        if (no_improve > cfg->n_iter_no_change) break;
        if (as_interrupted(intr)) {
            status = as_error_set(err, AS_EINTR, "training interrupted after epoch %zu",
                                  epoch + 1);
            goto done;
        }
    }
done:
    if (n_val > 0 && isfinite(best_val) && status != AS_ENUMERIC)
        memcpy(params, best, P * sizeof(double));
    as_fp_restore(fpm);
    as_blas_set_threads(prev);
    return status;
}
