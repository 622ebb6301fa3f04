/* test_gp.c -- kernels and GP regression without Python: symmetry, gradients against finite
 * differences, the pair-by-pair fold against the full tensor, Cholesky append against a refit,
 * prediction invariants, jitter, and hyperparameter optimization. */
#include <stdlib.h>
#include <string.h>

#include "as_test.h"
#include "gp.h"
#include "kernels.h"
#include "rng.h"

/* C * Matern52(ARD, d=3) + White */
static as_kernel_node nodes_cmw[] = {
    {AS_KERNEL_SUM, 0, 0}, {AS_KERNEL_PRODUCT, 0, 0}, {AS_KERNEL_CONSTANT, 1, 0},
    {AS_KERNEL_MATERN, 3, 2.5}, {AS_KERNEL_WHITE, 1, 0},
};
/* RQ * RBF(iso) + DotProduct */
static as_kernel_node nodes_mix[] = {
    {AS_KERNEL_SUM, 0, 0}, {AS_KERNEL_PRODUCT, 0, 0}, {AS_KERNEL_RQ, 2, 0},
    {AS_KERNEL_RBF, 1, 0}, {AS_KERNEL_DOT, 1, 0},
};

static void make_data(size_t n, size_t d, double *X, double *y, uint64_t seed)
{
    as_rng r;
    as_rng_init(&r, seed, 0);
    for (size_t i = 0; i < n; ++i) {
        double s = 0;
        for (size_t a = 0; a < d; ++a) {
            X[i * d + a] = 4.0 * as_rng_uniform(&r) - 2.0;
            s += X[i * d + a] * (1.0 + 0.5 * (double)a);
        }
        y[i] = sin(s) + 0.1 * as_rng_normal(&r);
    }
}

/* The optimizer tests' problem: make_data's data with a tiny noise, nodes_cmw's kernel at
 * all-ones parameters, and log bounds [log 1e-5, log 1e5] on each of its 5 parameters. */
static void optimize_problem(size_t n, size_t d, uint64_t seed, double *X, double *y,
                             double *noise, double p[5], double lo[5], double hi[5])
{
    make_data(n, d, X, y, seed);
    for (size_t i = 0; i < n; ++i) noise[i] = 1e-10;
    for (int q = 0; q < 5; ++q) {
        p[q] = 1.0;
        lo[q] = log(1e-5);
        hi[q] = log(1e5);
    }
}

static void test_kernel_checks(void)
{
    double p[5] = {1.0, 0.5, 1.0, 2.0, 0.1};
    as_kernel k = {5, nodes_cmw, 5, p, 3};
    as_error err;
    AS_CHECK(as_kernel_check(&k, &err) == AS_OK);
    k.d = 2; /* 3 length scales for 2 features */
    AS_CHECK(as_kernel_check(&k, &err) == AS_EINVAL);
    AS_CHECK(strstr(err.msg, "length_scale") != NULL);
    k.d = 3;
    p[1] = -1.0;
    AS_CHECK(as_kernel_check(&k, &err) == AS_EINVAL);
    p[1] = 0.5;
    as_kernel_node bad_nu[] = {{AS_KERNEL_MATERN, 1, 3.5}};
    as_kernel kb = {1, bad_nu, 1, p, 3};
    AS_CHECK(as_kernel_check(&kb, &err) == AS_EINVAL && strstr(err.msg, "nu") != NULL);
    as_kernel_node truncated[] = {{AS_KERNEL_SUM, 0, 0}, {AS_KERNEL_CONSTANT, 1, 0}};
    as_kernel kt = {2, truncated, 1, p, 3};
    AS_CHECK(as_kernel_check(&kt, &err) == AS_EINVAL);
}

static void test_fold_equals_tensor_and_fd(void)
{
    enum { n = 12, d = 3 };
    double X[n * d], y[n];
    make_data(n, d, X, y, 1);
    double pc[5] = {1.3, 0.7, 1.1, 1.9, 0.05}, pm[4] = {1.5, 0.8, 0.9, 0.4};
    as_kernel ks[2] = {{5, nodes_cmw, 5, pc, d}, {5, nodes_mix, 4, pm, d}};
    as_error err;
    for (int t = 0; t < 2; ++t) {
        as_kernel *k = &ks[t];
        size_t P = k->n_params;
        double *G = malloc(n * n * P * sizeof(double)), W[n * n], g[8], gt[8] = {0};
        as_rng r;
        as_rng_init(&r, 2, (uint64_t)t);
        for (size_t i = 0; i < n; ++i)
            for (size_t j = 0; j <= i; ++j) W[i * n + j] = W[j * n + i] = as_rng_normal(&r);
        AS_CHECK(as_kernel_gradient_tensor(k, X, n, G, &err) == AS_OK);
        AS_CHECK(as_kernel_gradient_fold(k, X, n, W, g, &err) == AS_OK);
        for (size_t i = 0; i < n * n; ++i)
            for (size_t p = 0; p < P; ++p) gt[p] += W[i] * G[i * P + p];
        for (size_t p = 0; p < P; ++p) AS_CHECK_CLOSE(g[p], gt[p], 1e-12, 1e-12);
        /* tensor against central differences of the matrix in log-parameters */
        size_t lw = as_kernel_workspace_size(k, n, n);
        double *work = malloc(lw * sizeof(double)), Kp[n * n], Km[n * n];
        double *params = (double *)k->params;
        for (size_t p = 0; p < P; ++p) {
            double keep = params[p], h = 1e-6;
            params[p] = keep * exp(h);
            as_kernel_matrix(k, X, n, NULL, n, Kp, work, lw, &err);
            params[p] = keep * exp(-h);
            as_kernel_matrix(k, X, n, NULL, n, Km, work, lw, &err);
            params[p] = keep;
            for (size_t i = 0; i < n * n; ++i)
                AS_CHECK_CLOSE(G[i * P + p], (Kp[i] - Km[i]) / (2 * h), 1e-6, 1e-8);
        }
        free(work);
        free(G);
    }
}

/* The cached fold (per-pair values kept from building K) equals the plain fold for every
 * RBF/Matern profile, with one length scale per dimension or a shared one, also inside a sum
 * that needs a temporary matrix; trees with two such leaves cache nothing. */
static void test_fold_cache_equals_plain_fold(void)
{
    enum { n = 23, d = 3 };
    double X[n * d], y[n];
    make_data(n, d, X, y, 4);
    const double nus[4] = {0.0, 0.5, 1.5, 2.5}; /* 0.0: RBF */
    as_error err;
    for (int kind = 0; kind < 4; ++kind)
        for (int ard = 0; ard < 2; ++ard)
            for (int tree = 0; tree < 2; ++tree) {
                const int np = ard ? d : 1, type = kind ? AS_KERNEL_MATERN : AS_KERNEL_RBF;
                /* tree 0: C * leaf + White; tree 1: leaf + RQ (a temporary matrix) */
                as_kernel_node t0[] = {{AS_KERNEL_SUM, 0, 0}, {AS_KERNEL_PRODUCT, 0, 0},
                                       {AS_KERNEL_CONSTANT, 1, 0}, {type, np, nus[kind]},
                                       {AS_KERNEL_WHITE, 1, 0}};
                as_kernel_node t1[] = {{AS_KERNEL_SUM, 0, 0}, {type, np, nus[kind]},
                                       {AS_KERNEL_RQ, 2, 0}};
                double p0[] = {1.3, 0.7, 1.1, 1.9, 0.05}, p1[] = {0.7, 1.1, 1.9, 0.8, 1.4};
                if (!ard) p0[2] = 0.05, p1[1] = 0.8, p1[2] = 1.4; /* compact the params */
                as_kernel k = tree ? (as_kernel){3, t1, (size_t)np + 2, p1, d}
                                   : (as_kernel){5, t0, (size_t)np + 2, p0, d};
                AS_CHECK(as_kernel_check(&k, &err) == AS_OK);
                size_t node = 99, lc = as_kernel_fold_cache_size(&k, n, &node);
                AS_CHECK(lc == n * (n + 1) && node == (tree ? 1u : 3u));
                double *c = malloc(lc * sizeof(double));
                as_kernel_fold_cache cache = {node, n, c, c + lc / 2};
                size_t lw = as_kernel_workspace_size(&k, n, n);
                double *work = malloc(lw * sizeof(double)), K[n * n], Kref[n * n], W[n * n];
                AS_CHECK(as_kernel_training_matrix(&k, X, n, K, work, lw, &cache, &err) == AS_OK);
                AS_CHECK(as_kernel_matrix_part(&k, X, n, NULL, n, 1, Kref, work, lw, &err) ==
                         AS_OK);
                for (size_t i = 0; i < n; ++i)
                    for (size_t j = 0; j <= i; ++j) AS_CHECK(K[i * n + j] == Kref[i * n + j]);
                as_rng r;
                as_rng_init(&r, 6, (uint64_t)(kind * 4 + ard * 2 + tree));
                for (size_t i = 0; i < n * n; ++i) W[i] = as_rng_normal(&r);
                double g[8], gc[8];
                AS_CHECK(as_kernel_gradient_fold(&k, X, n, W, g, &err) == AS_OK);
                AS_CHECK(as_kernel_gradient_fold_cached(&k, X, n, W, gc, &cache, &err) == AS_OK);
                for (size_t q = 0; q < k.n_params; ++q) AS_CHECK_CLOSE(gc[q], g[q], 1e-12, 1e-13);
                cache.n = n - 1; /* a cache for other points is refused */
                AS_CHECK(as_kernel_gradient_fold_cached(&k, X, n, W, gc, &cache, &err) ==
                         AS_EINVAL);
                free(work);
                free(c);
            }
    /* two stationary leaves: nothing is cached */
    as_kernel_node two[] = {{AS_KERNEL_SUM, 0, 0}, {AS_KERNEL_RBF, 1, 0},
                            {AS_KERNEL_MATERN, 1, 1.5}};
    double p2[] = {0.5, 2.0};
    as_kernel k2 = {3, two, 2, p2, d};
    AS_CHECK(as_kernel_fold_cache_size(&k2, n, NULL) == 0);
    AS_CHECK(as_kernel_fold_cache_size(&(as_kernel){5, nodes_cmw, 5, p2, d},
                                       AS_KERNEL_FOLD_CACHE_MAX_N + 1, NULL) == 0);
}

static void test_lml_gradient_fd_and_append(void)
{
    enum { n = 30, d = 3 };
    double X[n * d], y[n], noise[n];
    make_data(n, d, X, y, 3);
    for (size_t i = 0; i < n; ++i) noise[i] = 1e-6;
    double p[5] = {1.3, 0.7, 1.1, 1.9, 0.05};
    as_kernel k = {5, nodes_cmw, 5, p, d};
    as_error err;
    size_t lw = as_gp_workspace_size(&k, n, 1);
    double *work = malloc(lw * sizeof(double)), lml, grad[5];
    AS_CHECK(as_gp_lml(&k, X, n, y, 1, noise, NULL, &lml, grad, work, lw, &err) == AS_OK);
    for (size_t q = 0; q < 5; ++q) {
        double keep = p[q], h = 1e-5, lp, lm;
        p[q] = keep * exp(h);
        as_gp_lml(&k, X, n, y, 1, noise, NULL, &lp, NULL, work, lw, &err);
        p[q] = keep * exp(-h);
        as_gp_lml(&k, X, n, y, 1, noise, NULL, &lm, NULL, work, lw, &err);
        p[q] = keep;
        AS_CHECK_CLOSE(grad[q], (lp - lm) / (2 * h), 1e-6, 1e-6);
    }
    /* the free mask selects entries */
    unsigned char mask[5] = {0, 1, 0, 1, 1};
    double gsel[3];
    AS_CHECK(as_gp_lml(&k, X, n, y, 1, noise, mask, &lml, gsel, work, lw, &err) == AS_OK);
    AS_CHECK(gsel[0] == grad[1] && gsel[1] == grad[3] && gsel[2] == grad[4]);

    /* fit on n-1 points then append the last == fit on n points */
    size_t lf = as_gp_fit_workspace_size(&k, n, 1);
    double *fw = malloc(lf * sizeof(double));
    double *Lfull = malloc(n * n * sizeof(double)), *Lpart = calloc(n * n, sizeof(double));
    double alpha[n], lmlf, jit;
    AS_CHECK(as_gp_fit(&k, X, n, y, 1, noise, 1e-4, Lfull, alpha, &lmlf, &jit, fw, lf, &err) ==
             AS_OK);
    AS_CHECK_CLOSE(lmlf, lml, 1e-12, 0);
    AS_CHECK(jit == 0.0);
    double *Lsmall = malloc((n - 1) * (n - 1) * sizeof(double));
    AS_CHECK(as_gp_fit(&k, X, n - 1, y, 1, noise, 1e-4, Lsmall, alpha, &lmlf, &jit, fw, lf,
                       &err) == AS_OK);
    for (size_t i = 0; i < n - 1; ++i)
        for (size_t j = 0; j < n - 1; ++j) Lpart[i * n + j] = Lsmall[i * (n - 1) + j];
    double kcol[n], kself;
    size_t lk = as_kernel_workspace_size(&k, 1, n);
    double *kw = malloc(lk * sizeof(double));
    as_kernel_matrix(&k, X + (n - 1) * d, 1, X, n - 1, kcol, kw, lk, &err);
    as_kernel_diag(&k, X + (n - 1) * d, 1, &kself, &err);
    AS_CHECK(as_gp_cholesky_append(Lpart, n - 1, n, kcol, kself + noise[n - 1], &err) == AS_OK);
    for (size_t i = 0; i < n * n; ++i) AS_CHECK_CLOSE(Lpart[i], Lfull[i], 1e-10, 1e-12);
    /* a duplicate point with no noise and no white kernel makes the pivot vanish */
    as_kernel_node rbf_nodes[] = {{AS_KERNEL_RBF, 1, 0}};
    double lsp[1] = {1.0};
    as_kernel krbf = {1, rbf_nodes, 1, lsp, d};
    double L2[4] = {1.0, 0.0, 0.0, 0.0}, kc = 1.0;
    AS_CHECK(as_gp_cholesky_append(L2, 1, 2, &kc, 1.0, &err) == AS_ELINALG);
    (void)krbf;
    free(kw);
    free(Lsmall);
    free(Lfull);
    free(Lpart);
    free(fw);
    free(work);
}

static void test_predict_invariants_and_jitter(void)
{
    enum { n = 15, d = 2, m = 6 };
    double X[n * d], y[n], noise[n];
    make_data(n, d, X, y, 4);
    for (size_t i = 0; i < n; ++i) noise[i] = 1e-10;
    as_kernel_node rbf_nodes[] = {{AS_KERNEL_RBF, 2, 0}};
    double lsp[2] = {0.8, 1.2};
    as_kernel k = {1, rbf_nodes, 2, lsp, d};
    as_error err;
    size_t lf = as_gp_fit_workspace_size(&k, n, 1);
    double *fw = malloc(lf * sizeof(double)), L[n * n], alpha[n], lml, jit;
    AS_CHECK(as_gp_fit(&k, X, n, y, 1, noise, 1e-4, L, alpha, &lml, &jit, fw, lf, &err) == AS_OK);
    double ym = 0.0, ys = 1.0;
    as_gp_model gp = {&k, n, d, 1, X, L, alpha, &ym, &ys};
    size_t lp = as_gp_predict_workspace_size(&gp, n, 1);
    double *pw = malloc(lp * sizeof(double)), mean[n], sd[n], *cov = malloc(n * n * sizeof(double));
    AS_CHECK(as_gp_predict(&gp, X, n, mean, sd, cov, pw, lp, &err) == AS_OK);
    for (size_t i = 0; i < n; ++i) {
        AS_CHECK_CLOSE(mean[i], y[i], 0, 1e-5); /* interpolation at (almost) zero noise */
        AS_CHECK(sd[i] >= 0.0 && sd[i] < 1e-3);
        AS_CHECK_CLOSE(cov[i * n + i], sd[i] * sd[i], 0, 1e-9);
    }
    /* predict_grad agrees with predict far from the data */
    double xs[m * d];
    for (size_t i = 0; i < m * d; ++i) xs[i] = 3.0 - 0.7 * (double)i;
    double mm[m], ss[m], g1[d], g2[d], pgw[256];
    AS_CHECK(as_gp_predict_grad_workspace_size(&gp) <= 256);
    AS_CHECK(as_gp_predict(&gp, xs, m, mm, ss, NULL, pw, lp, &err) == AS_OK);
    for (size_t j = 0; j < m; ++j) {
        double mu, s;
        AS_CHECK(as_gp_predict_grad(&gp, xs + j * d, &mu, &s, g1, g2, pgw, &err) == AS_OK);
        AS_CHECK_CLOSE(mu, mm[j], 1e-10, 1e-12);
        AS_CHECK_CLOSE(s, ss[j], 1e-8, 1e-10);
    }
    /* duplicated inputs with zero noise: jitter rescues the factorization and is reported */
    double Xd[3 * d] = {0, 0, 0, 0, 1, 1}, yd[3] = {1, 1, 2}, nz[3] = {0, 0, 0};
    double Ld[9], ad[3];
    AS_CHECK(as_gp_fit(&k, Xd, 3, yd, 1, nz, 1e-4, Ld, ad, &lml, &jit, fw, lf, &err) == AS_OK);
    AS_CHECK(jit > 0.0);
    AS_CHECK(as_gp_fit(&k, Xd, 3, yd, 1, nz, 0.0, Ld, ad, &lml, &jit, fw, lf, &err) == AS_ELINALG);
    AS_CHECK(strstr(err.msg, "alpha") != NULL);
    free(cov);
    free(pw);
    free(fw);
}

static void test_optimize_improves_and_is_thread_independent(void)
{
    enum { n = 40, d = 3 };
    double X[n * d], y[n], noise[n], p[5], lo[5], hi[5];
    optimize_problem(n, d, 5, X, y, noise, p, lo, hi);
    as_kernel k = {5, nodes_cmw, 5, p, d};
    double starts1[3 * 5], starts2[3 * 5], lml1[3], lml2[3];
    as_rng r;
    as_rng_init(&r, 6, 0);
    for (int i = 0; i < 15; ++i) starts1[i] = starts2[i] = i < 5 ? 0.0 : 4.0 * as_rng_uniform(&r) - 2.0;
    long ev1[2], ev2[2];
    as_error err;
    size_t lw = as_gp_workspace_size(&k, n, 1);
    double *work = malloc(lw * sizeof(double)), lml0;
    as_gp_lml(&k, X, n, y, 1, noise, NULL, &lml0, NULL, work, lw, &err);
    AS_CHECK(as_gp_optimize(&k, X, n, y, 1, noise, NULL, lo, hi, 3, starts1, lml1, ev1, NULL,
                            0.0, 0, 1, NULL, &err) == AS_OK);
    AS_CHECK(as_gp_optimize(&k, X, n, y, 1, noise, NULL, lo, hi, 3, starts2, lml2, ev2, NULL,
                            0.0, 0, 2, NULL, &err) == AS_OK);
    AS_CHECK(lml1[0] > lml0 + 1.0);
    AS_CHECK(ev1[0] == ev2[0] && ev1[0] > 3 && ev1[1] == 0 && ev2[1] == 0);
    for (int i = 0; i < 3; ++i) AS_CHECK(lml1[i] == lml2[i]);
    for (int i = 0; i < 15; ++i) AS_CHECK(starts1[i] == starts2[i]);
    /* the reported value is the lml at the reported point */
    for (int q = 0; q < 5; ++q) p[q] = exp(starts1[q]);
    double lml_at;
    as_gp_lml(&k, X, n, y, 1, noise, NULL, &lml_at, NULL, work, lw, &err);
    AS_CHECK_CLOSE(lml_at, lml1[0], 1e-12, 1e-12);
    free(work);
}

/* The polish of the best start gives the same result with any number of threads (the
 * ahead-of-time polish on an idle thread included) as polishing it after all starts. */
static void test_optimize_polish_is_thread_independent(void)
{
    enum { n = 40, d = 3, S = 5 };
    double X[n * d], y[n], noise[n], p[5], lo[5], hi[5];
    optimize_problem(n, d, 7, X, y, noise, p, lo, hi);
    as_kernel k = {5, nodes_cmw, 5, p, d};
    double starts[S * 5];
    as_rng r;
    as_rng_init(&r, 8, 0);
    for (int i = 0; i < S * 5; ++i) starts[i] = i < 5 ? 0.0 : 8.0 * as_rng_uniform(&r) - 4.0;
    as_error err;
    /* reference: loose starts on one thread, then the best polished on its own */
    double ref[S * 5], ref_lml[S];
    long ev_ref[2], ev_pol[2];
    memcpy(ref, starts, sizeof starts);
    AS_CHECK(as_gp_optimize(&k, X, n, y, 1, noise, NULL, lo, hi, S, ref, ref_lml, ev_ref, NULL,
                            0.0, 0, 1, NULL, &err) == AS_OK);
    size_t b = 0;
    for (size_t s = 1; s < S; ++s)
        if (ref_lml[s] > ref_lml[b]) b = s;
    double pol[5], pol_lml;
    memcpy(pol, ref + b * 5, sizeof pol);
    AS_CHECK(as_gp_optimize(&k, X, n, y, 1, noise, NULL, lo, hi, 1, pol, &pol_lml, ev_pol, NULL,
                            0.0, 0, 1, NULL, &err) == AS_OK);
    /* (a polish with the loose tolerance again: only the schedule is under test) */
    if (pol_lml >= ref_lml[b]) {
        memcpy(ref + b * 5, pol, sizeof pol);
        ref_lml[b] = pol_lml;
    }
    for (int threads = 1; threads <= 4; ++threads) {
        double th[S * 5], lml[S];
        long ev[2];
        memcpy(th, starts, sizeof starts);
        as_qn_options opt;
        as_qn_default_options(&opt);
        AS_CHECK(as_gp_optimize(&k, X, n, y, 1, noise, NULL, lo, hi, S, th, lml, ev, &opt,
                                opt.ftol, 0, threads, NULL, &err) == AS_OK);
        for (int i = 0; i < S; ++i) AS_CHECK(lml[i] == ref_lml[i]);
        for (int i = 0; i < S * 5; ++i) AS_CHECK(th[i] == ref[i]);
        AS_CHECK(ev[0] == ev_ref[0] + ev_pol[0]);
        AS_CHECK(ev[1] >= 0);
    }
    double th[5];
    long ev[2];
    AS_CHECK(as_gp_optimize(&k, X, n, y, 1, noise, NULL, lo, hi, 1, th, ref_lml, ev, NULL, -1.0,
                            0, 1, NULL, &err) == AS_EINVAL);
}

/* Abandoning hopeless starts: the same starts are abandoned with any number of threads (a
 * start finished before start 0 is judged on its whole run), their rows keep the start point
 * with -inf, and the other rows equal those of a run without abandoning. */
static void test_optimize_abandon_is_thread_independent(void)
{
    enum { n = 60, d = 3, S = 8, P = 5 };
    double X[n * d], y[n], noise[n], p[P], lo[P], hi[P];
    optimize_problem(n, d, 11, X, y, noise, p, lo, hi);
    as_kernel k = {5, nodes_cmw, P, p, d};
    double starts[S * P];
    as_rng r;
    as_rng_init(&r, 12, 0);
    for (int i = 0; i < S * P; ++i)
        starts[i] = i < P ? 0.0 : lo[0] + (hi[0] - lo[0]) * as_rng_uniform(&r);
    as_error err;
    double all[S * P], all_lml[S];
    long ev_all[2];
    memcpy(all, starts, sizeof starts);
    AS_CHECK(as_gp_optimize(&k, X, n, y, 1, noise, NULL, lo, hi, S, all, all_lml, ev_all, NULL,
                            0.0, 0, 1, NULL, &err) == AS_OK);
    double ref[S * P], ref_lml[S];
    long ev_ref[2] = {0, 0};
    int n_abandoned = 0;
    for (int threads = 1; threads <= 4; ++threads) {
        double th[S * P], lml[S];
        long ev[2];
        memcpy(th, starts, sizeof starts);
        AS_CHECK(as_gp_optimize(&k, X, n, y, 1, noise, NULL, lo, hi, S, th, lml, ev, NULL, 0.0, 1,
                                threads, NULL, &err) == AS_OK);
        if (threads == 1) {
            memcpy(ref, th, sizeof th);
            memcpy(ref_lml, lml, sizeof lml);
            ev_ref[0] = ev[0];
            ev_ref[1] = ev[1];
            for (int s = 0; s < S; ++s) {
                if (lml[s] == -INFINITY) {
                    ++n_abandoned;
                    for (int q = 0; q < P; ++q) AS_CHECK(th[s * P + q] == starts[s * P + q]);
                    AS_CHECK(all_lml[s] < all_lml[0] - 3.0); /* it was indeed worse */
                } else {
                    AS_CHECK(lml[s] == all_lml[s]);
                    for (int q = 0; q < P; ++q) AS_CHECK(th[s * P + q] == all[s * P + q]);
                }
            }
            AS_CHECK(ev[0] + ev[1] < ev_all[0]);
        }
        for (int s = 0; s < S; ++s) AS_CHECK(lml[s] == ref_lml[s]);
        for (int i = 0; i < S * P; ++i) AS_CHECK(th[i] == ref[i]);
        AS_CHECK(ev[0] == ev_ref[0]);
    }
    AS_CHECK(n_abandoned > 0);
}

int main(void)
{
    AS_RUN(test_kernel_checks);
    AS_RUN(test_fold_equals_tensor_and_fd);
    AS_RUN(test_fold_cache_equals_plain_fold);
    AS_RUN(test_lml_gradient_fd_and_append);
    AS_RUN(test_predict_invariants_and_jitter);
    AS_RUN(test_optimize_improves_and_is_thread_independent);
    AS_RUN(test_optimize_polish_is_thread_independent);
    AS_RUN(test_optimize_abandon_is_thread_independent);
    AS_TEST_EXIT();
}
