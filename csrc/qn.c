/* qn.c -- bound-constrained limited-memory BFGS (the L-BFGS-B method, written from the papers).
 *
 * Each iteration (Byrd, Lu, Nocedal & Zhu 1995, "A limited memory algorithm for bound constrained
 * optimization", SIAM J. Sci. Comput. 16:1190):
 *   1. the generalized Cauchy point x_c: the first local minimizer of the quadratic model
 *      m(x) = f + g'(x - x_k) + (x - x_k)'B(x - x_k)/2 along the projected steepest-descent path
 *      P(x_k - t g); variables that reach a bound on the way are fixed;
 *   2. subspace minimization: the model is minimized over the remaining free variables (exact
 *      Newton step on the model, via Sherman-Morrison-Woodbury on the compact form of B); the
 *      result is projected onto the box and kept if it is a descent direction, otherwise it is
 *      truncated at the boundary (Morales & Nocedal 2011, "Remark on Algorithm 778");
 *   3. a line search along d = x_bar - x_k, never leaving the box, for a step satisfying the
 *      strong Wolfe conditions (Nocedal & Wright 2006, Algorithms 3.5/3.6, cubic interpolation);
 *   4. the pair (s, y) updates the compact representation B = theta I - W M W',
 *      W = [Y, theta S] (Byrd, Nocedal & Schnabel 1994), unless s'y <= eps y'y.
 * A non-finite f (or gradient), or a non-OK objective status other than AS_EINTR, is an
 * infinitely bad point: the line search steps back towards the last good point.
 *
 * No allocation: every array lives in the caller's workspace, laid out by qn_layout().
 */
#include "qn.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define QN_C1 1e-3      /* sufficient decrease (Armijo) constant, as scipy's L-BFGS-B          */
#define QN_C2 0.9       /* curvature constant of the strong Wolfe conditions                   */
#define QN_MAXLS 20     /* evaluations per line search before it is declared failed            */
#define QN_BACKOFF 0.25 /* after k failed trials in a row: next at lo + 0.25^k (hi - lo)        */
#define QN_STALLS_MAX 3 /* model-backed continuations in a row after a reduction below ftol    */
#define QN_BIG 1e10     /* largest step along an unbounded direction                           */

/* --------------------------------------------------------------------------- workspace */

typedef struct {
    size_t n;
    int m;
    double *S, *Y;     /* n x m each: pair k (physical slot) at S + k n                        */
    double *SY, *SS;   /* m x m, logical order (0 = oldest), row-major: SY[i m + j] = s_i'y_j */
    double *J;         /* m x m: lower Cholesky factor of theta SS + L D^-1 L'               */
    double *P, *Q, *R; /* m x m: blocks of the subspace system                               */
    double *E;         /* m x m: L_P^-1 Q'                                                    */
    double *g;         /* n: gradient at the iterate                                         */
    double *d;         /* n: Cauchy direction, then the search direction                      */
    double *xc;        /* n: Cauchy point, then x_bar; also scratch for s                     */
    double *r;         /* n: reduced gradient; also scratch for y                             */
    double *act;       /* n: 1 if the variable is fixed at a bound at the Cauchy point        */
    double *brk;       /* n: breakpoints t_i                                                  */
    double *heap;      /* n: indices (stored exactly as doubles) ordered as a min-heap on t   */
    double *xt, *gt;   /* n: trial point of the line search and its gradient                 */
    double *xa, *ga;   /* n: best acceptable point of the line search and its gradient       */
    double *xbest;     /* n: lowest point seen                                               */
    double *lo, *up;   /* n: the bounds (-inf/+inf where the caller passed NULL)              */
    double *p, *c, *w, *v, *b, *u; /* 2m each                                                */
} qn_ws;

/* Lay out the workspace at base (may be NULL to only count).  Returns the doubles needed,
 * or SIZE_MAX on overflow. */
static size_t qn_layout(size_t n, int m, double *base, qn_ws *ws)
{
    size_t mm = (size_t)m;
    if (mm > 1000000 || n > SIZE_MAX / 64 / (mm + 16)) return SIZE_MAX;
    size_t need = 2 * n * mm + 7 * mm * mm + 14 * n + 12 * mm;
    if (base == NULL || ws == NULL) return need;
    double *q = base;
#define QN_TAKE(field, count) (ws->field = q, q += (count))
    ws->n = n;
    ws->m = m;
    QN_TAKE(S, n * mm);
    QN_TAKE(Y, n * mm);
    QN_TAKE(SY, mm * mm);
    QN_TAKE(SS, mm * mm);
    QN_TAKE(J, mm * mm);
    QN_TAKE(P, mm * mm);
    QN_TAKE(Q, mm * mm);
    QN_TAKE(R, mm * mm);
    QN_TAKE(E, mm * mm);
    QN_TAKE(g, n);
    QN_TAKE(d, n);
    QN_TAKE(xc, n);
    QN_TAKE(r, n);
    QN_TAKE(act, n);
    QN_TAKE(brk, n);
    QN_TAKE(heap, n);
    QN_TAKE(xt, n);
    QN_TAKE(gt, n);
    QN_TAKE(xa, n);
    QN_TAKE(ga, n);
    QN_TAKE(xbest, n);
    QN_TAKE(lo, n);
    QN_TAKE(up, n);
    QN_TAKE(p, 2 * mm);
    QN_TAKE(c, 2 * mm);
    QN_TAKE(w, 2 * mm);
    QN_TAKE(v, 2 * mm);
    QN_TAKE(b, 2 * mm);
    QN_TAKE(u, 2 * mm);
#undef QN_TAKE
    return need;
}

void as_qn_default_options(as_qn_options *opt)
{
    if (opt == NULL) return;
    opt->m = 10;
    opt->max_iter = 15000;
    opt->max_fun = 15000;
    opt->pgtol = 1e-5;
    opt->ftol = 1e7 * DBL_EPSILON;
}

size_t as_qn_workspace_size(size_t n, int m)
{
    if (m < 1) m = 1;
    return qn_layout(n, m, NULL, NULL);
}

/* --------------------------------------------------------------------------- small helpers */

static double qn_dot(size_t n, const double *a, const double *b)
{
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
}

static double qn_clip(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* In-place lower Cholesky factor of the k x k row-major matrix A (leading dimension ld).
 * Returns 0 on success, -1 if A is not numerically positive definite. */
static int qn_chol(int k, double *A, int ld)
{
    for (int j = 0; j < k; ++j) {
        double s = A[j * ld + j];
        for (int t = 0; t < j; ++t) s -= A[j * ld + t] * A[j * ld + t];
        if (!(s > 0.0) || !isfinite(s)) return -1;
        s = sqrt(s);
        A[j * ld + j] = s;
        for (int i = j + 1; i < k; ++i) {
            double z = A[i * ld + j];
            for (int t = 0; t < j; ++t) z -= A[i * ld + t] * A[j * ld + t];
            A[i * ld + j] = z / s;
        }
        for (int i = 0; i < j; ++i) A[i * ld + j] = 0.0;
    }
    return 0;
}

/* Solve L z = b (forward, trans == 0) or L' z = b (backward, trans != 0) in place. */
static void qn_trsv(int k, const double *L, int ld, int trans, double *z)
{
    if (!trans) {
        for (int i = 0; i < k; ++i) {
            double s = z[i];
            for (int t = 0; t < i; ++t) s -= L[i * ld + t] * z[t];
            z[i] = s / L[i * ld + i];
        }
    } else {
        for (int i = k - 1; i >= 0; --i) {
            double s = z[i];
            for (int t = i + 1; t < k; ++t) s -= L[t * ld + i] * z[t];
            z[i] = s / L[i * ld + i];
        }
    }
}

/* --------------------------------------------------------------------------- L-BFGS memory */

typedef struct {
    int col;      /* pairs stored                         */
    int head;     /* physical slot of the oldest pair      */
    double theta; /* scaling of the initial matrix theta I */
} qn_mem;

static const double *qn_s(const qn_ws *ws, const qn_mem *mem, int j)
{
    return ws->S + (size_t)((mem->head + j) % ws->m) * ws->n;
}

static const double *qn_y(const qn_ws *ws, const qn_mem *mem, int j)
{
    return ws->Y + (size_t)((mem->head + j) % ws->m) * ws->n;
}

/* Factor J J' = theta SS + L D^-1 L' (L the strictly lower part of SY, D its diagonal). */
static int qn_form_j(qn_ws *ws, const qn_mem *mem)
{
    const int m = ws->m, k = mem->col;
    for (int i = 0; i < k; ++i) {
        for (int j = 0; j <= i; ++j) {
            double s = mem->theta * ws->SS[i * m + j];
            for (int t = 0; t < j; ++t) s += ws->SY[i * m + t] * ws->SY[j * m + t] / ws->SY[t * m + t];
            ws->J[i * m + j] = s;
        }
    }
    return qn_chol(k, ws->J, m);
}

/* out = M v for v of length 2 col, with M^-1 = [[-D, L'], [L, theta SS]] (out may not alias v). */
static void qn_mv(const qn_ws *ws, const qn_mem *mem, const double *v, double *out)
{
    const int m = ws->m, k = mem->col;
    const double *v1 = v, *v2 = v + k;
    double *u1 = out, *u2 = out + k;
    for (int i = 0; i < k; ++i) {
        double s = v2[i];
        for (int t = 0; t < i; ++t) s += ws->SY[i * m + t] * v1[t] / ws->SY[t * m + t];
        u2[i] = s;
    }
    qn_trsv(k, ws->J, m, 0, u2);
    qn_trsv(k, ws->J, m, 1, u2);
    for (int i = 0; i < k; ++i) {
        double s = -v1[i];
        for (int t = i + 1; t < k; ++t) s += ws->SY[t * m + i] * u2[t];
        u1[i] = s / ws->SY[i * m + i];
    }
}

/* Row i of W = [Y, theta S] into w (length 2 col). */
static void qn_wrow(const qn_ws *ws, const qn_mem *mem, size_t i, double *w)
{
    const int k = mem->col;
    for (int j = 0; j < k; ++j) {
        w[j] = qn_y(ws, mem, j)[i];
        w[k + j] = mem->theta * qn_s(ws, mem, j)[i];
    }
}

/* Add the pair (s, y); returns 1 if stored, 0 if skipped (curvature too small), -1 if the
 * middle matrix could not be factored (the caller then clears the memory). */
static int qn_update(qn_ws *ws, qn_mem *mem, const double *s, const double *y)
{
    const size_t n = ws->n;
    const int m = ws->m;
    double sy = qn_dot(n, s, y), yy = qn_dot(n, y, y);
    if (!(sy > DBL_EPSILON * yy) || !isfinite(sy) || !isfinite(yy)) return 0;
    if (mem->col == m) { /* drop the oldest pair: shift SY and SS up-left by one */
        for (int i = 0; i < m - 1; ++i) {
            for (int j = 0; j < m - 1; ++j) {
                ws->SY[i * m + j] = ws->SY[(i + 1) * m + j + 1];
                ws->SS[i * m + j] = ws->SS[(i + 1) * m + j + 1];
            }
        }
        mem->head = (mem->head + 1) % m;
        mem->col = m - 1;
    }
    const int k = mem->col; /* logical index of the new pair */
    const size_t slot = (size_t)((mem->head + k) % m);
    memcpy(ws->S + slot * n, s, n * sizeof *s);
    memcpy(ws->Y + slot * n, y, n * sizeof *y);
    mem->col = k + 1;
    for (int j = 0; j <= k; ++j) {
        const double *sj = qn_s(ws, mem, j), *yj = qn_y(ws, mem, j);
        ws->SY[k * m + j] = qn_dot(n, s, yj);
        ws->SY[j * m + k] = qn_dot(n, sj, y);
        ws->SS[k * m + j] = ws->SS[j * m + k] = qn_dot(n, s, sj);
    }
    ws->SY[k * m + k] = sy;
    mem->theta = yy / sy;
    return qn_form_j(ws, mem) == 0 ? 1 : -1;
}

/* d'Bd for the search direction in ws->d, B = theta I - W M W'. */
static double qn_dbd(qn_ws *ws, const qn_mem *mem)
{
    const size_t n = ws->n;
    const int k = mem->col;
    double dd = qn_dot(n, ws->d, ws->d);
    if (k == 0) return mem->theta * dd;
    for (int j = 0; j < k; ++j) {
        ws->w[j] = qn_dot(n, qn_y(ws, mem, j), ws->d);
        ws->w[k + j] = mem->theta * qn_dot(n, qn_s(ws, mem, j), ws->d);
    }
    qn_mv(ws, mem, ws->w, ws->v);
    return mem->theta * dd - qn_dot((size_t)(2 * k), ws->w, ws->v);
}

/* --------------------------------------------------------------------------- Cauchy point */

static void qn_heap_down(double *h, size_t len, size_t i, const double *key)
{
    for (;;) {
        size_t l = 2 * i + 1, best = i;
        if (l < len && key[(size_t)h[l]] < key[(size_t)h[best]]) best = l;
        if (l + 1 < len && key[(size_t)h[l + 1]] < key[(size_t)h[best]]) best = l + 1;
        if (best == i) return;
        double tmp = h[i];
        h[i] = h[best];
        h[best] = tmp;
        i = best;
    }
}

/* Generalized Cauchy point xc along P(x - t g) of the model with memory mem; fills act
 * (1 = fixed at a bound at xc) and c = W'(xc - x).  Returns the number of free variables. */
static size_t qn_cauchy(qn_ws *ws, const qn_mem *mem, const double *x, const double *lo,
                        const double *up)
{
    const size_t n = ws->n;
    const int k2 = 2 * mem->col;
    const double theta = mem->theta;
    double *d = ws->d, *xc = ws->xc, *act = ws->act, *brk = ws->brk, *heap = ws->heap;
    double *p = ws->p, *c = ws->c, *w = ws->w, *v = ws->v;
    const double *g = ws->g;
    size_t nheap = 0, nmoving = 0, nfree = 0;
    double dd = 0.0;

    for (int j = 0; j < k2; ++j) p[j] = c[j] = 0.0;
    for (size_t i = 0; i < n; ++i) {
        xc[i] = x[i];
        d[i] = 0.0;
        act[i] = 0.0;
        brk[i] = INFINITY;
        const double gi = g[i];
        if (lo[i] == up[i]) { act[i] = 1.0; continue; }
        if ((gi > 0.0 && x[i] <= lo[i]) || (gi < 0.0 && x[i] >= up[i]) ||
            (gi == 0.0 && (x[i] <= lo[i] || x[i] >= up[i]))) {
            act[i] = 1.0; /* at a bound, and the gradient pushes outward (or is zero) */
            continue;
        }
        ++nfree;
        if (gi == 0.0) continue;
        d[i] = -gi;
        dd += gi * gi;
        ++nmoving;
        if (gi < 0.0 && isfinite(up[i])) brk[i] = (up[i] - x[i]) / -gi;
        else if (gi > 0.0 && isfinite(lo[i])) brk[i] = (x[i] - lo[i]) / gi;
        if (isfinite(brk[i])) heap[nheap++] = (double)i;
        if (k2 > 0) {
            qn_wrow(ws, mem, i, w);
            for (int j = 0; j < k2; ++j) p[j] += w[j] * d[i];
        }
    }
    if (nmoving == 0) return nfree;

    double fp = -dd, fpp = theta * dd;
    if (k2 > 0) {
        qn_mv(ws, mem, p, v);
        fpp -= qn_dot((size_t)k2, p, v);
    }
    const double fpp0 = fpp > 0.0 ? fpp : theta * dd;
    if (!(fpp > DBL_EPSILON * fpp0)) fpp = DBL_EPSILON * fpp0;
    double dtmin = -fp / fpp, told = 0.0;

    for (size_t i = nheap / 2; i-- > 0;) qn_heap_down(heap, nheap, i, brk);
    while (nheap > 0) {
        const size_t b = (size_t)heap[0];
        heap[0] = heap[--nheap];
        qn_heap_down(heap, nheap, 0, brk);
        const double t = brk[b], dt = t - told;
        if (dtmin < dt) break;
        /* variable b reaches its bound at t: fix it and update the derivatives of the model
         * along the next segment (Byrd et al. 1995, Algorithm CP) */
        xc[b] = d[b] > 0.0 ? up[b] : lo[b];
        const double zb = xc[b] - x[b], gb = g[b];
        act[b] = 1.0;
        d[b] = 0.0;
        --nfree;
        --nmoving;
        for (int j = 0; j < k2; ++j) c[j] += dt * p[j];
        told = t;
        if (nmoving == 0) { dtmin = 0.0; break; }
        fp += dt * fpp + gb * gb + theta * gb * zb;
        fpp -= theta * gb * gb;
        if (k2 > 0) {
            qn_wrow(ws, mem, b, w);
            qn_mv(ws, mem, w, v);
            fp -= gb * qn_dot((size_t)k2, v, c);
            fpp -= 2.0 * gb * qn_dot((size_t)k2, v, p) + gb * gb * qn_dot((size_t)k2, v, w);
            for (int j = 0; j < k2; ++j) p[j] += gb * w[j];
        }
        if (!(fpp > DBL_EPSILON * fpp0)) fpp = DBL_EPSILON * fpp0;
        dtmin = -fp / fpp;
    }
    if (!(dtmin > 0.0)) dtmin = 0.0;
    const double tc = told + dtmin;
    for (size_t i = 0; i < n; ++i) {
        if (act[i] == 0.0 && d[i] != 0.0) xc[i] = qn_clip(x[i] + tc * d[i], lo[i], up[i]);
    }
    for (int j = 0; j < k2; ++j) c[j] += dtmin * p[j];
    return nfree;
}

/* --------------------------------------------------------------------------- subspace step */

/* Minimize the model over the free variables of xc (act == 0), starting at xc; on return
 * xc holds x_bar.  Returns 0, or -1 if the reduced system could not be factored (xc is then
 * left at the Cauchy point). */
static int qn_subspace(qn_ws *ws, const qn_mem *mem, const double *x, const double *lo,
                       const double *up)
{
    const size_t n = ws->n;
    const int m = ws->m, k = mem->col;
    const double theta = mem->theta;
    const double *g = ws->g, *act = ws->act;
    double *xc = ws->xc, *r = ws->r, *v = ws->v, *b = ws->b, *u = ws->u;

    /* reduced gradient of the model at xc: r = Z'(g + theta (xc - x) - W M c) */
    qn_mv(ws, mem, ws->c, v);
    for (int j = 0; j < 2 * k; ++j) b[j] = 0.0;
    for (size_t i = 0; i < n; ++i) {
        r[i] = 0.0;
        if (act[i] != 0.0) continue;
        double ri = g[i] + theta * (xc[i] - x[i]);
        for (int j = 0; j < k; ++j)
            ri -= qn_y(ws, mem, j)[i] * v[j] + theta * qn_s(ws, mem, j)[i] * v[k + j];
        r[i] = ri;
    }
    /* b = W'Z r; P = D + Y_F'Y_F/theta; Q = L - S_F'Y_F; R = theta S_A'S_A */
    for (int j = 0; j < k; ++j) {
        const double *sj = qn_s(ws, mem, j), *yj = qn_y(ws, mem, j);
        double b1 = 0.0, b2 = 0.0;
        for (size_t i = 0; i < n; ++i) {
            b1 += yj[i] * r[i];
            b2 += sj[i] * r[i];
        }
        b[j] = b1;
        b[k + j] = theta * b2;
        for (int l = 0; l < k; ++l) {
            const double *sl = qn_s(ws, mem, l), *yl = qn_y(ws, mem, l);
            double yy = 0.0, sy = 0.0, ss = 0.0;
            for (size_t i = 0; i < n; ++i) {
                if (act[i] == 0.0) {
                    yy += yj[i] * yl[i];
                    sy += sj[i] * yl[i];
                } else {
                    ss += sj[i] * sl[i];
                }
            }
            ws->P[j * m + l] = yy / theta + (j == l ? ws->SY[j * m + j] : 0.0);
            ws->Q[j * m + l] = (j > l ? ws->SY[j * m + l] : 0.0) - sy;
            ws->R[j * m + l] = theta * ss;
        }
    }
    if (qn_chol(k, ws->P, m) != 0) return -1;
    /* E = L_P^-1 Q' (column l of E from row l of Q); R += E'E */
    for (int l = 0; l < k; ++l) {
        for (int j = 0; j < k; ++j) u[j] = ws->Q[l * m + j];
        qn_trsv(k, ws->P, m, 0, u);
        for (int j = 0; j < k; ++j) ws->E[j * m + l] = u[j];
    }
    for (int j = 0; j < k; ++j) {
        for (int l = 0; l <= j; ++l) {
            double s = 0.0;
            for (int t = 0; t < k; ++t) s += ws->E[t * m + j] * ws->E[t * m + l];
            ws->R[j * m + l] += s;
        }
    }
    if (qn_chol(k, ws->R, m) != 0) return -1;
    /* x2 = Sc^-1 (b2 + Q P^-1 b1); x1 = P^-1 (Q'x2 - b1), with u = [x1, x2] */
    for (int j = 0; j < k; ++j) v[j] = b[j];
    qn_trsv(k, ws->P, m, 0, v);
    qn_trsv(k, ws->P, m, 1, v);
    for (int j = 0; j < k; ++j) {
        double s = b[k + j];
        for (int l = 0; l < k; ++l) s += ws->Q[j * m + l] * v[l];
        u[k + j] = s;
    }
    qn_trsv(k, ws->R, m, 0, u + k);
    qn_trsv(k, ws->R, m, 1, u + k);
    for (int j = 0; j < k; ++j) {
        double s = -b[j];
        for (int l = 0; l < k; ++l) s += ws->Q[l * m + j] * u[k + l];
        u[j] = s;
    }
    qn_trsv(k, ws->P, m, 0, u);
    qn_trsv(k, ws->P, m, 1, u);
    /* du = -r/theta - (Y_F x1 + theta S_F x2)/theta^2, stored in r */
    int finite = 1;
    for (size_t i = 0; i < n; ++i) {
        if (act[i] != 0.0) continue;
        double s = 0.0;
        for (int j = 0; j < k; ++j)
            s += qn_y(ws, mem, j)[i] * u[j] + theta * qn_s(ws, mem, j)[i] * u[k + j];
        r[i] = -r[i] / theta - s / (theta * theta);
        if (!isfinite(r[i])) finite = 0;
    }
    if (!finite) return -1;
    /* Projected subspace step if it points downhill (Morales & Nocedal 2011), else the
     * unprojected step truncated at the boundary (Byrd et al. 1995). */
    double slope = 0.0, alpha = 1.0;
    for (size_t i = 0; i < n; ++i) {
        if (act[i] != 0.0) {
            slope += g[i] * (xc[i] - x[i]);
            continue;
        }
        const double xi = qn_clip(xc[i] + r[i], lo[i], up[i]);
        slope += g[i] * (xi - x[i]);
        if (r[i] > 0.0 && isfinite(up[i])) {
            const double a = (up[i] - xc[i]) / r[i];
            if (a < alpha) alpha = a;
        } else if (r[i] < 0.0 && isfinite(lo[i])) {
            const double a = (lo[i] - xc[i]) / r[i];
            if (a < alpha) alpha = a;
        }
    }
    if (!(alpha > 0.0)) alpha = 0.0;
    const int project = slope < 0.0;
    for (size_t i = 0; i < n; ++i) {
        if (act[i] != 0.0) continue;
        xc[i] = qn_clip(project ? xc[i] + r[i] : xc[i] + alpha * r[i], lo[i], up[i]);
    }
    return 0;
}

/* --------------------------------------------------------------------------- evaluation */

typedef struct {
    as_qn_objective fun;
    void *ctx;
    size_t n;
    int n_fun, max_fun;
    double fbest;
    double *xbest;
} qn_eval_state;

enum { QN_EV_OK = 0, QN_EV_BAD = 1, QN_EV_BUDGET = 2, QN_EV_INTR = 3 };

/* Evaluate at xt; a failed or non-finite evaluation returns QN_EV_BAD with *f = +inf. */
static int qn_eval(qn_eval_state *es, const double *xt, double *f, double *gr)
{
    if (es->n_fun >= es->max_fun) return QN_EV_BUDGET;
    ++es->n_fun;
    *f = NAN;
    int st = es->fun(es->ctx, xt, f, gr);
    if (st == AS_EINTR) return QN_EV_INTR;
    int ok = st == AS_OK && isfinite(*f);
    for (size_t i = 0; ok && i < es->n; ++i) ok = isfinite(gr[i]);
    if (!ok) {
        *f = INFINITY;
        return QN_EV_BAD;
    }
    if (*f < es->fbest) {
        es->fbest = *f;
        memcpy(es->xbest, xt, es->n * sizeof *xt);
    }
    return QN_EV_OK;
}

/* --------------------------------------------------------------------------- line search */

enum { QN_LS_OK = 0, QN_LS_FAIL = 1, QN_LS_BUDGET = 2, QN_LS_INTR = 3, QN_LS_FLOOR = 4 };

/* Minimizer of the cubic interpolating (a, fa, da) and (b, fb, db); NAN if none. */
static double qn_cubic_min(double a, double fa, double da, double b, double fb, double db)
{
    const double d1 = da + db - 3.0 * (fa - fb) / (a - b);
    const double disc = d1 * d1 - da * db;
    if (!(disc >= 0.0) || !isfinite(disc)) return NAN;
    const double d2 = (b > a ? 1.0 : -1.0) * sqrt(disc);
    const double den = db - da + 2.0 * d2;
    if (den == 0.0) return NAN;
    return b - (b - a) * (db + d2 - d1) / den;
}

/* Minimizer of the quadratic with value fa and slope da at a, and value fb at b; NAN if none. */
static double qn_quad_min(double a, double fa, double da, double b, double fb)
{
    const double h = b - a, curv = fb - fa - da * h;
    if (!(curv > 0.0)) return NAN;
    return a - da * h * h / (2.0 * curv);
}

typedef struct {
    double a, f, dphi; /* step, value, slope; f = +inf for a failed evaluation */
} qn_pt;

/* Trial step for the zoom phase inside the bracket (lo, hi), kept away from its ends.
 * Behind nbad consecutive failed trials (hi not finite) the step shrinks by QN_BACKOFF^nbad,
 * so that a bad region very close to lo is left behind in a few trials. */
static double qn_zoom_trial(const qn_pt *lo, const qn_pt *hi, int nbad)
{
    const double width = hi->a - lo->a;
    if (!isfinite(hi->f)) return lo->a + pow(QN_BACKOFF, nbad < 1 ? 1 : nbad) * width;
    double a = qn_cubic_min(lo->a, lo->f, lo->dphi, hi->a, hi->f, hi->dphi);
    if (!isfinite(a)) a = qn_quad_min(lo->a, lo->f, lo->dphi, hi->a, hi->f);
    const double a_min = lo->a + 0.1 * width, a_max = hi->a - 0.1 * width;
    if (!isfinite(a)) return lo->a + 0.5 * width;
    if (width > 0.0) return qn_clip(a, a_min, a_max);
    return qn_clip(a, a_max, a_min);
}

/* Line search along x + a d, 0 < a <= a_max, for the strong Wolfe conditions
 * (Nocedal & Wright 2006, Algorithms 3.5 and 3.6).  On QN_LS_OK, ws->xa, ws->ga, *fa hold the
 * accepted point.  Points beyond the box are never evaluated (trial points are clipped). */
static int qn_line_search(qn_ws *ws, qn_eval_state *es, const double *x, double f0,
                          double dphi0, double a_init, double a_max, const double *lo,
                          const double *up, double *fa, int *saw_bad)
{
    *saw_bad = 0;
    const size_t n = ws->n;
    const double *d = ws->d;
    double *xt = ws->xt, *gt = ws->gt;
    qn_pt prev = {0.0, f0, dphi0}, lo_pt = {0.0, f0, dphi0}, hi_pt = {0.0, f0, dphi0};
    int have_acceptable = 0; /* a point with a > 0 satisfying sufficient decrease is in xa */
    int zoom = 0, nbad = 0;
    double a = a_init;

    for (int it = 0; it < QN_MAXLS; ++it) {
        if (zoom) {
            const double width = fabs(hi_pt.a - lo_pt.a);
            if (!(width > DBL_EPSILON * fmax(fabs(lo_pt.a), fabs(hi_pt.a)))) break;
            a = qn_zoom_trial(&lo_pt, &hi_pt, nbad);
            /* a decrease below the rounding level of f cannot be measured: stop */
            if (-a * dphi0 <= 16.0 * DBL_EPSILON * fabs(f0))
                return have_acceptable ? QN_LS_OK : QN_LS_FLOOR;
        }
        for (size_t i = 0; i < n; ++i) xt[i] = qn_clip(x[i] + a * d[i], lo[i], up[i]);
        double ft;
        const int ev = qn_eval(es, xt, &ft, gt);
        if (ev == QN_EV_BUDGET) return QN_LS_BUDGET;
        if (ev == QN_EV_INTR) return QN_LS_INTR;
        if (ev == QN_EV_BAD) *saw_bad = 1;
        nbad = ev == QN_EV_BAD ? nbad + 1 : 0;
        qn_pt cur = {a, ft, ev == QN_EV_OK ? qn_dot(n, gt, d) : NAN};
        const int armijo = ev == QN_EV_OK && ft <= f0 + QN_C1 * a * dphi0;
        if (!zoom) {
            if (!armijo || (it > 0 && ft >= prev.f)) {
                lo_pt = prev;
                hi_pt = cur;
                zoom = 1;
                continue;
            }
            memcpy(ws->xa, xt, n * sizeof *xt);
            memcpy(ws->ga, gt, n * sizeof *gt);
            *fa = ft;
            have_acceptable = 1;
            if (fabs(cur.dphi) <= -QN_C2 * dphi0) return QN_LS_OK;
            if (cur.dphi >= 0.0) {
                lo_pt = cur;
                hi_pt = prev;
                zoom = 1;
                continue;
            }
            if (a >= a_max) return QN_LS_OK; /* the box stops us; decrease is sufficient */
            /* extrapolate: cubic step, kept within [a + 1.1 (a - a_prev), a + 4 (a - a_prev)] */
            const double span = a - prev.a;
            double next = qn_cubic_min(prev.a, prev.f, prev.dphi, a, ft, cur.dphi);
            if (!isfinite(next)) next = a + 4.0 * span;
            next = qn_clip(next, a + 1.1 * span, a + 4.0 * span);
            prev = cur;
            a = fmin(next, a_max);
        } else {
            if (!armijo || ft >= lo_pt.f) {
                hi_pt = cur;
                continue;
            }
            memcpy(ws->xa, xt, n * sizeof *xt);
            memcpy(ws->ga, gt, n * sizeof *gt);
            *fa = ft;
            have_acceptable = 1;
            if (fabs(cur.dphi) <= -QN_C2 * dphi0) return QN_LS_OK;
            if (cur.dphi * (hi_pt.a - lo_pt.a) >= 0.0) hi_pt = lo_pt;
            lo_pt = cur;
        }
    }
    /* out of trials: accept the best point with sufficient decrease if there is one */
    return have_acceptable ? QN_LS_OK : QN_LS_FAIL;
}

/* --------------------------------------------------------------------------- driver */

/* inf-norm of the projected gradient (scipy's definition: the gradient component, limited by
 * the distance to the bound it points to). */
static double qn_pg_norm(size_t n, const double *x, const double *g, const double *lo,
                         const double *up)
{
    double mx = 0.0;
    for (size_t i = 0; i < n; ++i) {
        double gi = g[i];
        if (gi < 0.0) gi = fmax(x[i] - up[i], gi);
        else gi = fmin(x[i] - lo[i], gi);
        mx = fmax(mx, fabs(gi));
    }
    return mx;
}

static int qn_check_args(as_qn_objective fun, size_t n, const double *x, const double *lower,
                         const double *upper, const as_qn_options *opt, const double *work,
                         size_t lwork, const as_qn_result *res, as_error *err)
{
    if (fun == NULL) return as_error_set(err, AS_EINVAL, "fun must be an objective function, got NULL");
    if (res == NULL) return as_error_set(err, AS_EINVAL, "res must point to an as_qn_result, got NULL");
    if (n == 0) return as_error_set(err, AS_EINVAL, "n must be >= 1 (the number of variables), got 0");
    if (x == NULL) return as_error_set(err, AS_EINVAL, "x must hold the %zu start values, got NULL", n);
    if (opt->m < 1 || opt->m > 1000)
        return as_error_set(err, AS_EINVAL, "m (correction pairs) must be in [1, 1000], got %d; "
                            "10 is a good default", opt->m);
    if (opt->max_iter < 0)
        return as_error_set(err, AS_EINVAL, "max_iter must be >= 0, got %d", opt->max_iter);
    if (opt->max_fun < 1)
        return as_error_set(err, AS_EINVAL, "max_fun must be >= 1, got %d", opt->max_fun);
    if (!(opt->pgtol >= 0.0) || !isfinite(opt->pgtol))
        return as_error_set(err, AS_EINVAL, "pgtol must be finite and >= 0, got %g", opt->pgtol);
    if (!(opt->ftol >= 0.0) || !isfinite(opt->ftol))
        return as_error_set(err, AS_EINVAL, "ftol must be finite and >= 0, got %g", opt->ftol);
    const size_t need = as_qn_workspace_size(n, opt->m);
    if (need == SIZE_MAX)
        return as_error_set(err, AS_EINVAL, "n = %zu with m = %d needs a workspace too large to "
                            "address", n, opt->m);
    if (work == NULL || lwork < need)
        return as_error_set(err, AS_EINVAL, "work must hold as_qn_workspace_size(n, m) = %zu "
                            "doubles, got %zu%s; allocate it with that size", need, lwork,
                            work == NULL ? " (NULL)" : "");
    for (size_t i = 0; i < n; ++i) {
        const double lo = lower ? lower[i] : -INFINITY, up = upper ? upper[i] : INFINITY;
        if (isnan(lo) || lo == INFINITY)
            return as_error_set(err, AS_EINVAL, "lower[%zu] is %g; lower bounds must be finite "
                                "or -inf", i, lo);
        if (isnan(up) || up == -INFINITY)
            return as_error_set(err, AS_EINVAL, "upper[%zu] is %g; upper bounds must be finite "
                                "or +inf", i, up);
        if (lo > up)
            return as_error_set(err, AS_EINVAL, "lower[%zu] = %g > upper[%zu] = %g; swap the "
                                "bounds", i, lo, i, up);
        if (isnan(x[i]))
            return as_error_set(err, AS_EINVAL, "x[%zu] (start point) is NaN; give a finite start "
                                "inside the bounds", i);
    }
    return AS_OK;
}

int as_qn_minimize(as_qn_objective fun, void *ctx, size_t n, double *x, const double *lower,
                   const double *upper, const as_qn_options *opt, double *work, size_t lwork,
                   as_qn_result *res, as_error *err)
{
    as_qn_options defaults;
    if (opt == NULL) {
        as_qn_default_options(&defaults);
        opt = &defaults;
    }
    if (res != NULL) {
        res->f = INFINITY;
        res->n_iter = res->n_fun = 0;
        res->reason = AS_QN_NO_FINITE_START;
    }
    int st = qn_check_args(fun, n, x, lower, upper, opt, work, lwork, res, err);
    if (st != AS_OK) return st;

    qn_ws ws = {0};
    qn_layout(n, opt->m, work, &ws);
    double *lo = ws.lo, *up = ws.up, *g = ws.g;
    for (size_t i = 0; i < n; ++i) {
        lo[i] = lower ? lower[i] : -INFINITY;
        up[i] = upper ? upper[i] : INFINITY;
        x[i] = qn_clip(x[i], lo[i], up[i]);
        if (!isfinite(x[i]))
            return as_error_set(err, AS_EINVAL, "x[%zu] (start point) is %g and the bounds do "
                                "not limit it; give a finite start", i, x[i]);
    }
    memcpy(ws.xbest, x, n * sizeof *x);
    qn_eval_state es = {fun, ctx, n, 0, opt->max_fun, INFINITY, ws.xbest};
    qn_mem mem = {0, 0, 1.0};
    int status = AS_OK, reason = AS_QN_LINE_SEARCH_FAILED, iter = 0, small_step = 0, stalls = 0;
    double f = INFINITY, step_cap = INFINITY;

    const int ev0 = qn_eval(&es, x, &f, g);
    if (ev0 == QN_EV_INTR) {
        status = as_error_set(err, AS_EINTR, "the objective asked to stop at the start point");
        reason = AS_QN_NO_FINITE_START;
        goto done;
    }
    if (ev0 != QN_EV_OK) {
        reason = AS_QN_NO_FINITE_START;
        goto done;
    }
    if (qn_pg_norm(n, x, g, lo, up) <= opt->pgtol) {
        reason = AS_QN_CONVERGED_PGTOL;
        goto done;
    }
    for (;;) {
        if (iter >= opt->max_iter) {
            reason = AS_QN_MAX_ITER;
            break;
        }
        /* search direction towards x_bar: Cauchy point, then the subspace step (which keeps
         * the Cauchy point if its reduced system is singular) */
        const size_t nfree = qn_cauchy(&ws, &mem, x, lo, up);
        if (nfree > 0 && mem.col > 0) (void)qn_subspace(&ws, &mem, x, lo, up);
        double dphi0 = 0.0, dnorm = 0.0, a_max = INFINITY;
        for (size_t i = 0; i < n; ++i) {
            const double di = ws.xc[i] - x[i];
            ws.d[i] = di;
            dphi0 += g[i] * di;
            dnorm += di * di;
            if (di > 0.0 && isfinite(up[i])) a_max = fmin(a_max, (up[i] - x[i]) / di);
            else if (di < 0.0 && isfinite(lo[i])) a_max = fmin(a_max, (lo[i] - x[i]) / di);
        }
        dnorm = sqrt(dnorm);
        if (small_step) {
            /* The last reduction was below ftol.  Stop unless the model predicts that the
             * next step gains more than that (a stall on a nearly linear direction, e.g. a
             * length scale creeping to its bound, is not convergence); at most
             * QN_STALLS_MAX such overrides in a row. */
            const double pred = dphi0 < 0.0 ? -(dphi0 + 0.5 * qn_dbd(&ws, &mem)) : 0.0;
            if (pred <= opt->ftol * fmax(fabs(f), 1.0) || stalls >= QN_STALLS_MAX) {
                reason = AS_QN_CONVERGED_FTOL;
                break;
            }
            ++stalls;
        } else {
            stalls = 0;
        }
        if (!(dphi0 < 0.0)) { /* not downhill: retry from steepest descent, else give up */
            if (mem.col > 0) {
                mem.col = 0;
                mem.theta = 1.0;
                continue;
            }
            reason = qn_pg_norm(n, x, g, lo, up) <= opt->pgtol ? AS_QN_CONVERGED_PGTOL
                                                               : AS_QN_LINE_SEARCH_FAILED;
            break;
        }
        a_max = isfinite(a_max) ? fmax(a_max, 1.0) : QN_BIG;
        double a_init = 1.0;
        if (mem.col == 0) /* no curvature information: a step of unit length (as scipy) */
            a_init = fmin(iter == 0 ? a_max : 1.0, 1.0 / dnorm);
        /* after meeting an infinitely bad point, keep the first trial within twice the last
         * accepted step: the bad region is likely near (e.g. the optimum lies on its edge) */
        if (a_init * dnorm > step_cap) a_init = step_cap / dnorm;
        double fnew = f;
        int saw_bad = 0;
        const int ls = qn_line_search(&ws, &es, x, f, dphi0, a_init, a_max, lo, up, &fnew,
                                      &saw_bad);
        if (ls == QN_LS_BUDGET) {
            reason = AS_QN_MAX_FUN;
            break;
        }
        if (ls == QN_LS_INTR) {
            status = as_error_set(err, AS_EINTR, "the objective asked to stop after %d "
                                  "evaluations; x holds the best point found", es.n_fun);
            break;
        }
        if (ls == QN_LS_FLOOR) { /* f cannot decrease measurably along d: converged */
            reason = AS_QN_CONVERGED_FTOL;
            break;
        }
        if (ls == QN_LS_FAIL) {
            if (mem.col > 0) {
                mem.col = 0;
                mem.theta = 1.0;
                continue;
            }
            reason = AS_QN_LINE_SEARCH_FAILED;
            break;
        }
        double snorm = 0.0;
        for (size_t i = 0; i < n; ++i) {
            ws.xc[i] = ws.xa[i] - x[i]; /* s */
            ws.r[i] = ws.ga[i] - g[i];  /* y */
            snorm += ws.xc[i] * ws.xc[i];
        }
        step_cap = saw_bad ? 2.0 * sqrt(snorm) : (step_cap < INFINITY ? 4.0 * step_cap : INFINITY);
        memcpy(x, ws.xa, n * sizeof *x);
        memcpy(g, ws.ga, n * sizeof *g);
        const double fold = f;
        f = fnew;
        ++iter;
        if (qn_pg_norm(n, x, g, lo, up) <= opt->pgtol) {
            reason = AS_QN_CONVERGED_PGTOL;
            break;
        }
        small_step = fold - f <= opt->ftol * fmax(fmax(fabs(fold), fabs(f)), 1.0);
        if (qn_update(&ws, &mem, ws.xc, ws.r) < 0) {
            mem.col = 0;
            mem.theta = 1.0;
        }
    }
done:
    /* the lowest point seen, or the current iterate if it ties with it to rounding (it is the
     * point the convergence tests were made at) */
    if (ev0 == QN_EV_OK && f <= es.fbest + 2.0 * DBL_EPSILON * fabs(es.fbest)) {
        es.fbest = f;
    } else {
        memcpy(x, ws.xbest, n * sizeof *x);
    }
    res->f = es.fbest;
    res->n_iter = iter;
    res->n_fun = es.n_fun;
    res->reason = reason;
    return status;
}
