/* mlp.h -- a multi-layer perceptron classifier: forward pass, cross-entropy gradient by
 * back-propagation with BLAS GEMM, and minibatch Adam training.
 *
 * Layout.  A network has n_layers weight layers; sizes[0] is the number of features,
 * sizes[n_layers] the number of outputs.  One output means a binary classifier (logistic output,
 * binary cross-entropy); k >= 2 outputs a k-class softmax with categorical cross-entropy.
 * Hidden layers use tanh or relu.  The parameters are one flat array, layer after layer:
 * W_l (sizes[l] x sizes[l+1], row-major) then b_l (sizes[l+1]).  Data X are row-major
 * (n x sizes[0]); outputs are the raw scores (logits) n x sizes[n_layers].
 *
 * Training follows the usual minibatch recipe (as in scikit-learn's MLPClassifier, so that the
 * two are comparable): each epoch shuffles the rows (Philox stream (seed, 0)), the batch loss is
 * the mean cross-entropy plus 0.5 * alpha * ||W||^2 / batch, parameters move by Adam
 * (Kingma & Ba, arXiv:1412.6980) with bias-corrected step lr * sqrt(1 - b2^t) / (1 - b1^t),
 * and training stops after max_iter epochs or when the monitored loss has not improved by tol
 * for more than n_iter_no_change epochs.  With validation data the monitored figure is the
 * validation log-loss and the best parameters seen are restored at the end.
 *
 * Assumptions the binding enforces: arrays are float64, C-contiguous, of the stated sizes, and
 * finite; labels are integers in [0, n_classes).  Memory is owned by the caller; the sizes of
 * the workspaces are given by the *_work_size functions.  No global state apart from the
 * OpenBLAS thread count, which is set for the call and restored.
 */
#ifndef AS_MLP_H
#define AS_MLP_H

#include <stddef.h>
#include <stdint.h>

#include "as_common.h"

#define AS_MLP_MAX_LAYERS 16

enum { AS_MLP_TANH = 0, AS_MLP_RELU = 1 };

typedef struct {
    size_t n_layers;                      /* weight layers = hidden layers + 1, 1..MAX */
    size_t sizes[AS_MLP_MAX_LAYERS + 1];  /* sizes[0] features ... sizes[n_layers] outputs */
    int activation;                       /* AS_MLP_TANH or AS_MLP_RELU (hidden layers)    */
} as_mlp;

typedef struct {
    size_t batch_size;        /* rows per minibatch (>= 1; capped at n)          */
    size_t max_iter;          /* epochs                                           */
    double learning_rate;     /* Adam step (> 0)                                  */
    double beta1, beta2;      /* Adam moment decays, in [0, 1)                    */
    double epsilon;           /* Adam denominator guard (> 0)                     */
    double alpha;             /* L2 penalty on the weights (>= 0)                 */
    double tol;               /* improvement needed to reset the patience counter */
    size_t n_iter_no_change;  /* patience in epochs                               */
    int shuffle;              /* shuffle rows every epoch                         */
    uint64_t seed;            /* Philox seed for the shuffles                     */
    int n_threads;            /* OpenBLAS threads during the call (<= 0: 1)       */
    int single_precision;     /* 1: minibatch forward/backward in float32 (weights,
                               * Adam state, losses and validation stay float64)  */
} as_mlp_train_config;

/* Fill a config with scikit-learn's defaults (batch 200, 200 epochs, lr 1e-3, ...). */
void as_mlp_train_config_default(as_mlp_train_config *cfg);

/* NULL if the network description is valid, else a message naming the bad field. */
const char *as_mlp_check(const as_mlp *net);

/* NULL if the training configuration is valid, else a message. */
const char *as_mlp_check_config(const as_mlp_train_config *cfg);

/* Number of parameters (weights and biases). */
size_t as_mlp_n_params(const as_mlp *net);

/* Glorot-uniform initialization (Glorot & Bengio 2010): every weight and bias of layer l uniform
 * in +-sqrt(6 / (fan_in + fan_out)), drawn from Philox stream (seed, 1). */
void as_mlp_init_params(const as_mlp *net, uint64_t seed, double *params);

/* Doubles of workspace for as_mlp_forward with `chunk` rows at a time. */
size_t as_mlp_forward_work_size(const as_mlp *net, size_t chunk);

/* Raw scores out (n x n_outputs) of X (n x n_features), computed `chunk` rows at a time
 * with `work` of as_mlp_forward_work_size(net, chunk) doubles. */
int as_mlp_forward(const as_mlp *net, const double *params, const double *X, size_t n,
                   size_t chunk, double *out, double *work, as_error *err);

/* Mean cross-entropy of labels y (n) given raw scores (n x n_outputs); weights w may be NULL
 * (the weighted mean is sum w_i l_i / sum w_i). */
double as_mlp_log_loss(const as_mlp *net, const double *scores, const double *y,
                       const double *w, size_t n);

/* Doubles of workspace for as_mlp_loss_grad on `rows` rows. */
size_t as_mlp_grad_work_size(const as_mlp *net, size_t rows);

/* Loss of one minibatch (mean weighted cross-entropy + 0.5 alpha ||W||^2 / rows) and its
 * gradient with respect to params (n_params) by back-propagation; w may be NULL. */
double as_mlp_loss_grad(const as_mlp *net, const double *params, const double *X,
                        const double *y, const double *w, size_t rows, double alpha,
                        double *grad, double *work);

/* As as_mlp_loss_grad with the forward/backward pass in float32 (the arithmetic of training
 * with single_precision = 1); the loss is accumulated in float64.  work holds
 * as_mlp_grad_work_size_f(net, rows) doubles. */
size_t as_mlp_grad_work_size_f(const as_mlp *net, size_t rows);
double as_mlp_loss_grad_f(const as_mlp *net, const double *params, const double *X,
                          const double *y, const double *w, size_t rows, double alpha,
                          double *grad, double *work);

/* Doubles of workspace for as_mlp_fit. */
size_t as_mlp_fit_work_size(const as_mlp *net, const as_mlp_train_config *cfg, size_t n);

/* Train in place from params (already initialized).
 *   X (n x n_features), y (n) class labels as doubles, w (n) sample weights or NULL (they
 *   multiply each row's loss; pass weights with mean 1 to keep the scale of alpha);
 *   Xv (n_val x n_features), yv (n_val): validation data for early stopping (n_val = 0: none);
 *   loss_curve (max_iter): mean training loss per epoch (penalty included);
 *   val_curve (max_iter) or NULL: validation log-loss per epoch;
 *   perm (n): index workspace; work: as_mlp_fit_work_size doubles.
 * *n_iter receives the number of completed epochs.  Stops with AS_EINTR when intr fires (polled
 * every 64 minibatches), leaving in params the weights reached (the best so far with validation
 * data).  AS_ENUMERIC when the loss becomes NaN or infinite (lower learning_rate). */
int as_mlp_fit(const as_mlp *net, const as_mlp_train_config *cfg, const double *X,
               const double *y, const double *w, size_t n, const double *Xv, const double *yv,
               size_t n_val, double *params, double *loss_curve, double *val_curve,
               size_t *n_iter, size_t *perm, double *work, const as_interrupt *intr,
               as_error *err);

#endif /* AS_MLP_H */
