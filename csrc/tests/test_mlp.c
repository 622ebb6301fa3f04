/* test_mlp.c -- the MLP classifier core (mlp.c): forward pass against a naive reference,
 * gradients against central finite differences (tanh, relu, binary and softmax outputs, sample
 * weights, L2 penalty), training on separable data, reproducibility for a seed, interruption
 * keeping the weights reached, early stopping restoring the best weights, bad arguments. */
#include <stdlib.h>
#include <string.h>

#include "as_test.h"
#include "mlp.h"
#include "rng.h"

static as_mlp make_net(size_t d, size_t h1, size_t h2, size_t k, int act)
{
    as_mlp net;
    memset(&net, 0, sizeof net);
    net.sizes[0] = d;
    size_t L = 0;
    if (h1) net.sizes[++L] = h1;
    if (h2) net.sizes[++L] = h2;
    net.sizes[++L] = k;
    net.n_layers = L;
    net.activation = act;
    return net;
}

/* plain triple loops */
static void naive_forward(const as_mlp *net, const double *p, const double *x, double *out)
{
    double a[64], b[64];
    size_t ni = net->sizes[0];
    memcpy(a, x, ni * sizeof(double));
    const double *q = p;
    for (size_t l = 0; l < net->n_layers; ++l) {
        size_t no = net->sizes[l + 1];
        for (size_t j = 0; j < no; ++j) {
            double s = q[ni * no + j];
            for (size_t i = 0; i < ni; ++i) s += a[i] * q[i * no + j];
            if (l + 1 < net->n_layers)
                s = net->activation == AS_MLP_TANH ? tanh(s) : (s > 0 ? s : 0);
            b[j] = s;
        }
        q += (ni + 1) * no;
        memcpy(a, b, no * sizeof(double));
        ni = no;
    }
    memcpy(out, a, ni * sizeof(double));
}

static void fill_normal(double *x, size_t n, uint64_t seed)
{
    as_rng r;
    as_rng_init(&r, seed, 7);
    as_rng_fill_normal(&r, x, n);
}

static void test_forward_matches_naive(void)
{
    for (int act = 0; act < 2; ++act) {
        as_mlp net = make_net(3, 5, 4, 2, act);
        size_t P = as_mlp_n_params(&net), n = 37;
        double *p = malloc(P * sizeof(double)), X[37 * 3], out[37 * 2], ref[2];
        as_mlp_init_params(&net, 11, p);
        fill_normal(X, n * 3, 3);
        double *work = malloc(as_mlp_forward_work_size(&net, 8) * sizeof(double));
        as_error err;
        AS_CHECK(as_mlp_forward(&net, p, X, n, 8, out, work, &err) == AS_OK);
        for (size_t i = 0; i < n; ++i) {
            naive_forward(&net, p, X + 3 * i, ref);
            AS_CHECK_CLOSE(out[2 * i], ref[0], 1e-12, 1e-13);
            AS_CHECK_CLOSE(out[2 * i + 1], ref[1], 1e-12, 1e-13);
        }
        free(p);
        free(work);
    }
}

static void check_gradient(as_mlp net, int weighted, double alpha)
{
    size_t P = as_mlp_n_params(&net), n = 13, d = net.sizes[0], k = net.sizes[net.n_layers];
    size_t nc = k == 1 ? 2 : k;
    double *p = malloc(P * sizeof(double)), *g = malloc(P * sizeof(double));
    double *gd = malloc(P * sizeof(double));
    double *X = malloc(n * d * sizeof(double)), y[13], w[13];
    double *work = malloc(as_mlp_grad_work_size(&net, n) * sizeof(double));
    as_mlp_init_params(&net, 5, p);
    fill_normal(X, n * d, 9);
    for (size_t i = 0; i < n; ++i) {
        y[i] = (double)(i % nc);
        w[i] = 0.5 + (double)(i % 3);
    }
    const double *wp = weighted ? w : NULL;
    as_mlp_loss_grad(&net, p, X, y, wp, n, alpha, g, work);
    double maxerr = 0.0, maxg = 0.0;
    for (size_t j = 0; j < P; ++j) {
        double h = 1e-6, old = p[j];
        p[j] = old + h;
        double fp = as_mlp_loss_grad(&net, p, X, y, wp, n, alpha, gd, work);
        p[j] = old - h;
        double fm = as_mlp_loss_grad(&net, p, X, y, wp, n, alpha, gd, work);
        p[j] = old;
        double fd = (fp - fm) / (2 * h);
        double e = fabs(fd - g[j]);
        maxerr = e > maxerr ? e : maxerr;
        maxg = fabs(g[j]) > maxg ? fabs(g[j]) : maxg;
    }
    AS_CHECK(maxg > 1e-3);
    AS_CHECK(maxerr < 1e-7 * (1.0 + maxg));
    free(p);
    free(g);
    free(gd);
    free(X);
    free(work);
}

static void test_gradients(void)
{
    check_gradient(make_net(3, 6, 5, 1, AS_MLP_TANH), 0, 0.0);
    check_gradient(make_net(3, 6, 5, 1, AS_MLP_TANH), 1, 0.3);
    check_gradient(make_net(2, 7, 0, 3, AS_MLP_TANH), 1, 0.1);
    check_gradient(make_net(4, 0, 0, 1, AS_MLP_TANH), 0, 0.2); /* logistic regression */
    /* relu: kinks are measure-zero for random inputs */
    check_gradient(make_net(3, 6, 5, 1, AS_MLP_RELU), 1, 0.05);
    check_gradient(make_net(3, 8, 0, 4, AS_MLP_RELU), 0, 0.0);
}

/* the float32 pass agrees with the float64 gradient to float precision */
static void check_gradient_f(as_mlp net, int weighted, double alpha)
{
    size_t P = as_mlp_n_params(&net), n = 50, d = net.sizes[0], k = net.sizes[net.n_layers];
    size_t nc = k == 1 ? 2 : k;
    double *p = malloc(P * sizeof(double)), *g = malloc(P * sizeof(double));
    double *gf = malloc(P * sizeof(double));
    double *X = malloc(n * d * sizeof(double)), y[50], w[50];
    double *work = malloc(as_mlp_grad_work_size(&net, n) * sizeof(double));
    double *workf = malloc(as_mlp_grad_work_size_f(&net, n) * sizeof(double));
    as_mlp_init_params(&net, 6, p);
    fill_normal(X, n * d, 10);
    for (size_t i = 0; i < n; ++i) {
        y[i] = (double)(i % nc);
        w[i] = 0.5 + (double)(i % 3);
    }
    const double *wp = weighted ? w : NULL;
    double l64 = as_mlp_loss_grad(&net, p, X, y, wp, n, alpha, g, work);
    double l32 = as_mlp_loss_grad_f(&net, p, X, y, wp, n, alpha, gf, workf);
    AS_CHECK_CLOSE(l32, l64, 1e-5, 1e-7);
    double maxg = 0.0, maxerr = 0.0;
    for (size_t j = 0; j < P; ++j) {
        maxg = fabs(g[j]) > maxg ? fabs(g[j]) : maxg;
        double e = fabs(g[j] - gf[j]);
        maxerr = e > maxerr ? e : maxerr;
    }
    AS_CHECK(maxg > 1e-3);
    AS_CHECK(maxerr < 1e-5 * (1.0 + maxg));
    free(p);
    free(g);
    free(gf);
    free(X);
    free(work);
    free(workf);
}

static void test_gradients_float32(void)
{
    check_gradient_f(make_net(3, 6, 5, 1, AS_MLP_TANH), 1, 0.3);
    check_gradient_f(make_net(2, 7, 0, 3, AS_MLP_TANH), 0, 0.1);
    check_gradient_f(make_net(3, 8, 4, 1, AS_MLP_RELU), 1, 0.0);
    /* tanh at large arguments saturates to +-1 exactly */
    as_mlp net = make_net(1, 4, 0, 1, AS_MLP_TANH);
    double p[4 * 2 + 4 + 1] = {50, -50, 100, -0.5, 0, 0, 0, 0, 1, 1, 1, 1, 0};
    double X[1] = {2.0}, y[1] = {1.0}, g[13], work[64];
    double l = as_mlp_loss_grad_f(&net, p, X, y, NULL, 1, 0.0, g, work);
    double z = 1.0 + 1.0 - 1.0 + tanh(-1.0); /* tanh(100) + tanh(-100) + tanh(200) + tanh(-1) */
    AS_CHECK_CLOSE(l, log1p(exp(-z)), 1e-6, 1e-7);
}

typedef struct {
    size_t n, d;
    double *X, *y;
} dataset;

/* two Gaussian blobs at +-1.5 in every coordinate */
static dataset blobs(size_t n, size_t d, uint64_t seed)
{
    dataset ds = {n, d, malloc(n * d * sizeof(double)), malloc(n * sizeof(double))};
    as_rng r;
    as_rng_init(&r, seed, 0);
    for (size_t i = 0; i < n; ++i) {
        ds.y[i] = (double)(i % 2);
        for (size_t j = 0; j < d; ++j)
            ds.X[i * d + j] = as_rng_normal(&r) + (ds.y[i] > 0 ? 1.5 : -1.5);
    }
    return ds;
}

static void ds_free(dataset *ds)
{
    free(ds->X);
    free(ds->y);
}

typedef struct {
    int calls, fire_at;
} poll_ctx;

static int count_poll(void *ctx)
{
    poll_ctx *c = (poll_ctx *)ctx;
    return ++c->calls >= c->fire_at;
}

static int train(const as_mlp *net, const as_mlp_train_config *cfg, const dataset *ds,
                 const dataset *val, double *p, double *curve, double *vcurve, size_t *n_iter,
                 const as_interrupt *intr, as_error *err)
{
    double *work = malloc(as_mlp_fit_work_size(net, cfg, ds->n) * sizeof(double));
    size_t *perm = malloc(ds->n * sizeof(size_t));
    int st = as_mlp_fit(net, cfg, ds->X, ds->y, NULL, ds->n, val ? val->X : NULL,
                        val ? val->y : NULL, val ? val->n : 0, p, curve, vcurve, n_iter, perm,
                        work, intr, err);
    free(work);
    free(perm);
    return st;
}

static void test_training(void)
{
    as_mlp net = make_net(2, 8, 0, 1, AS_MLP_TANH);
    dataset ds = blobs(2000, 2, 1);
    as_mlp_train_config cfg;
    as_mlp_train_config_default(&cfg);
    cfg.batch_size = 64;
    cfg.max_iter = 30;
    cfg.seed = 42;
    cfg.tol = 0.0;
    cfg.n_iter_no_change = 100;
    size_t P = as_mlp_n_params(&net), it = 0, it2 = 0;
    double *p = malloc(P * sizeof(double)), *p2 = malloc(P * sizeof(double));
    double curve[30], curve2[30];
    as_mlp_init_params(&net, 3, p);
    memcpy(p2, p, P * sizeof(double));
    as_error err;
    AS_CHECK(train(&net, &cfg, &ds, NULL, p, curve, NULL, &it, NULL, &err) == AS_OK);
    AS_CHECK(it == 30);
    AS_CHECK(curve[29] < 0.5 * curve[0]);
    AS_CHECK(curve[29] < 0.1); /* Bayes log-loss of the blobs is ~0.02 */
    /* same seed, same weights, bit for bit */
    AS_CHECK(train(&net, &cfg, &ds, NULL, p2, curve2, NULL, &it2, NULL, &err) == AS_OK);
    AS_CHECK(memcmp(p, p2, P * sizeof(double)) == 0);
    AS_CHECK(memcmp(curve, curve2, sizeof curve) == 0);
    /* the final loss of the data agrees with the last epoch's running mean roughly */
    double *scores = malloc(ds.n * sizeof(double));
    double *fw = malloc(as_mlp_forward_work_size(&net, 100) * sizeof(double));
    AS_CHECK(as_mlp_forward(&net, p, ds.X, ds.n, 100, scores, fw, &err) == AS_OK);
    double ll = as_mlp_log_loss(&net, scores, ds.y, NULL, ds.n);
    AS_CHECK(ll < 0.1);
    /* float32 passes: the same trajectory to float precision, the same final loss */
    cfg.single_precision = 1;
    as_mlp_init_params(&net, 3, p2);
    AS_CHECK(train(&net, &cfg, &ds, NULL, p2, curve2, NULL, &it2, NULL, &err) == AS_OK);
    AS_CHECK_CLOSE(curve2[29], curve[29], 1e-3, 1e-5);
    free(scores);
    free(fw);
    free(p);
    free(p2);
    ds_free(&ds);
}

static void test_interrupt_keeps_weights(void)
{
    as_mlp net = make_net(2, 8, 0, 1, AS_MLP_TANH);
    dataset ds = blobs(64 * 100, 2, 2); /* 100 batches per epoch: polled after batch 64 */
    as_mlp_train_config cfg;
    as_mlp_train_config_default(&cfg);
    cfg.batch_size = 64;
    cfg.max_iter = 50;
    size_t P = as_mlp_n_params(&net), it = 99;
    double *p = malloc(P * sizeof(double)), *p0 = malloc(P * sizeof(double)), curve[50];
    as_mlp_init_params(&net, 3, p);
    memcpy(p0, p, P * sizeof(double));
    poll_ctx ctx = {0, 3};
    as_interrupt intr = {count_poll, &ctx};
    as_error err;
    as_error_clear(&err);
    int st = train(&net, &cfg, &ds, NULL, p, curve, NULL, &it, &intr, &err);
    AS_CHECK(st == AS_EINTR);
    AS_CHECK(ctx.calls == 3);
    AS_CHECK(it >= 1 && it < 50);
    AS_CHECK(memcmp(p, p0, P * sizeof(double)) != 0); /* trained weights kept */
    for (size_t j = 0; j < P; ++j) AS_CHECK(isfinite(p[j]));
    free(p);
    free(p0);
    ds_free(&ds);
}

static void test_early_stopping(void)
{
    as_mlp net = make_net(2, 16, 0, 1, AS_MLP_TANH);
    dataset ds = blobs(400, 2, 4), val = blobs(400, 2, 5);
    /* flip a quarter of the labels so that the network overfits */
    for (size_t i = 0; i < ds.n; i += 4) ds.y[i] = 1.0 - ds.y[i];
    as_mlp_train_config cfg;
    as_mlp_train_config_default(&cfg);
    cfg.batch_size = 32;
    cfg.max_iter = 200;
    cfg.learning_rate = 0.01;
    cfg.n_iter_no_change = 5;
    size_t P = as_mlp_n_params(&net), it = 0;
    double *p = malloc(P * sizeof(double)), curve[200], vcurve[200];
    as_mlp_init_params(&net, 8, p);
    as_error err;
    AS_CHECK(train(&net, &cfg, &ds, &val, p, curve, vcurve, &it, NULL, &err) == AS_OK);
    AS_CHECK(it < 200);
    double best = INFINITY;
    for (size_t e = 0; e < it; ++e) best = vcurve[e] < best ? vcurve[e] : best;
    double *scores = malloc(val.n * sizeof(double));
    double *fw = malloc(as_mlp_forward_work_size(&net, 64) * sizeof(double));
    AS_CHECK(as_mlp_forward(&net, p, val.X, val.n, 64, scores, fw, &err) == AS_OK);
    AS_CHECK_CLOSE(as_mlp_log_loss(&net, scores, val.y, NULL, val.n), best, 1e-12, 1e-14);
    free(scores);
    free(fw);
    free(p);
    ds_free(&ds);
    ds_free(&val);
}

static void test_softmax_training(void)
{
    as_mlp net = make_net(2, 16, 0, 3, AS_MLP_RELU);
    size_t n = 1500;
    dataset ds = {n, 2, malloc(n * 2 * sizeof(double)), malloc(n * sizeof(double))};
    as_rng r;
    as_rng_init(&r, 6, 0);
    for (size_t i = 0; i < n; ++i) {
        size_t c = i % 3;
        ds.y[i] = (double)c;
        ds.X[2 * i] = 0.5 * as_rng_normal(&r) + (c == 1 ? 2.0 : 0.0);
        ds.X[2 * i + 1] = 0.5 * as_rng_normal(&r) + (c == 2 ? 2.0 : 0.0);
    }
    as_mlp_train_config cfg;
    as_mlp_train_config_default(&cfg);
    cfg.batch_size = 50;
    cfg.max_iter = 40;
    size_t P = as_mlp_n_params(&net), it = 0;
    double *p = malloc(P * sizeof(double)), curve[40];
    as_mlp_init_params(&net, 1, p);
    as_error err;
    AS_CHECK(train(&net, &cfg, &ds, NULL, p, curve, NULL, &it, NULL, &err) == AS_OK);
    AS_CHECK(curve[it - 1] < 0.25);
    AS_CHECK(curve[it - 1] < curve[0]);
    free(p);
    ds_free(&ds);
}

static void test_bad_arguments(void)
{
    as_mlp net = make_net(2, 4, 0, 1, AS_MLP_TANH);
    as_mlp bad = net;
    bad.activation = 7;
    AS_CHECK(as_mlp_check(&bad) != NULL);
    bad = net;
    bad.sizes[1] = 0;
    AS_CHECK(as_mlp_check(&bad) != NULL);
    bad = net;
    bad.n_layers = 0;
    AS_CHECK(as_mlp_check(&bad) != NULL);
    as_mlp_train_config cfg;
    as_mlp_train_config_default(&cfg);
    cfg.learning_rate = -1.0;
    AS_CHECK(as_mlp_check_config(&cfg) != NULL);
    as_mlp_train_config_default(&cfg);
    cfg.beta2 = 1.0;
    AS_CHECK(as_mlp_check_config(&cfg) != NULL);
    as_mlp_train_config_default(&cfg);
    /* a label outside [0, 2) */
    dataset ds = blobs(10, 2, 1);
    ds.y[3] = 2.0;
    size_t P = as_mlp_n_params(&net), it;
    double *p = malloc(P * sizeof(double)), curve[200];
    as_mlp_init_params(&net, 1, p);
    as_error err;
    as_error_clear(&err);
    AS_CHECK(train(&net, &cfg, &ds, NULL, p, curve, NULL, &it, NULL, &err) == AS_EINVAL);
    AS_CHECK(strstr(err.msg, "y[3]") != NULL);
    /* a loss that overflows: huge learning rate and inputs */
    ds.y[3] = 1.0;
    for (size_t i = 0; i < 20; ++i) ds.X[i] *= 1e300;
    cfg.learning_rate = 1e300;
    as_error_clear(&err);
    int st = train(&net, &cfg, &ds, NULL, p, curve, NULL, &it, NULL, &err);
    AS_CHECK(st == AS_ENUMERIC || st == AS_OK);
    free(p);
    ds_free(&ds);
}

int main(void)
{
    AS_RUN(test_forward_matches_naive);
    AS_RUN(test_gradients);
    AS_RUN(test_gradients_float32);
    AS_RUN(test_training);
    AS_RUN(test_interrupt_keeps_weights);
    AS_RUN(test_early_stopping);
    AS_RUN(test_softmax_training);
    AS_RUN(test_bad_arguments);
    AS_TEST_EXIT();
}
