/*
 * Distillery's native kernels: single-precision GEMM, fused dense, and 2-D convolution with
 * both backprops (im2col + GEMM), computed by the system BLAS directly on the memory of the
 * TensorFlow.js wasm backend. Every function takes the wasm heap (an ArrayBuffer, or a typed
 * array over it) and byte offsets into it, so no tensor is ever copied between JS and C.
 *
 * BLAS runs single-threaded: Distillery parallelises across worker threads, one BLAS thread each.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>

#if defined(DISTILLERY_ACCELERATE)
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

#if defined(DISTILLERY_OPENBLAS)
extern void openblas_set_num_threads(int);
extern char *openblas_get_corename(void);
#endif

/* Scratch for im2col matrices, one per thread (a Node-API env is one thread). */
typedef struct {
  float *data;
  size_t capacity;
} Scratch;

static float *scratch_get(Scratch *s, size_t elements) {
  if (s == NULL) return NULL;
  if (s->capacity < elements) {
    free(s->data);
    s->data = (float *)malloc(elements * sizeof(float));
    s->capacity = s->data == NULL ? 0 : elements;
  }
  return s->data;
}

static void scratch_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Scratch *s = (Scratch *)data;
  free(s->data);
  free(s);
}

/* Rows of an im2col chunk: bounded so the scratch matrix stays under ~16 MiB. */
static const size_t SCRATCH_ELEMENTS = 4u << 20;

#define MAX_ARGS 24

static int fail(napi_env env, const char *message) {
  napi_throw_error(env, "E_NATIVE", message);
  return 0;
}

/* The heap's base address and size, from an ArrayBuffer, SharedArrayBuffer view or typed array. */
static int heap_of(napi_env env, napi_value value, uint8_t **base, size_t *bytes) {
  bool is_buffer = false;
  void *data = NULL;
  napi_is_arraybuffer(env, value, &is_buffer);
  if (is_buffer) {
    if (napi_get_arraybuffer_info(env, value, &data, bytes) != napi_ok) return fail(env, "heap: unreadable ArrayBuffer");
    *base = (uint8_t *)data;
    return 1;
  }
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (!is_typed) return fail(env, "heap: expected an ArrayBuffer or a typed array over the wasm memory");
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  napi_value buffer;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset) != napi_ok) {
    return fail(env, "heap: unreadable typed array");
  }
  /* data points at the view's first element; step back to the buffer's start. */
  *base = (uint8_t *)data - offset;
  size_t buffer_bytes = 0;
  void *ignored = NULL;
  if (napi_get_arraybuffer_info(env, buffer, &ignored, &buffer_bytes) == napi_ok && buffer_bytes > 0) *bytes = buffer_bytes;
  else *bytes = offset + length * (type == napi_float32_array ? 4 : 1);
  return 1;
}

typedef struct {
  uint8_t *base;
  size_t bytes;
  double numbers[MAX_ARGS];
  size_t count;
} Call;

/* Reads (heap, n0, n1, ...): every argument after the heap is a number. */
static int read_call(napi_env env, napi_callback_info info, size_t expected, Call *call) {
  napi_value argv[MAX_ARGS + 1];
  size_t argc = MAX_ARGS + 1;
  if (expected > MAX_ARGS) return fail(env, "too many arguments for read_call");
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != expected + 1) return fail(env, "wrong number of arguments");
  if (!heap_of(env, argv[0], &call->base, &call->bytes)) return 0;
  for (size_t i = 0; i < expected; i++) {
    if (napi_get_value_double(env, argv[i + 1], &call->numbers[i]) != napi_ok) return fail(env, "expected a number");
  }
  call->count = expected;
  return 1;
}

/* A float array of `elements` at byte `offset`, or NULL (after throwing) when out of bounds. */
static float *at(napi_env env, const Call *call, double offset, double elements) {
  if (offset < 0 || elements < 0 || fmod(offset, 4.0) != 0 || offset + 4.0 * elements > (double)call->bytes) {
    fail(env, "tensor outside the wasm heap");
    return NULL;
  }
  return (float *)(call->base + (size_t)offset);
}

/* Activation codes shared with native-kernels/activation.ts. */
enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_ELU = 3, ACT_SIGMOID = 4, ACT_LEAKY = 5 };

static void bias_activate(float *c, size_t rows, size_t cols, const float *bias, int activation, float alpha) {
  for (size_t r = 0; r < rows; r++) {
    float *row = c + r * cols;
    if (bias != NULL) for (size_t j = 0; j < cols; j++) row[j] += bias[j];
    switch (activation) {
      case ACT_RELU: for (size_t j = 0; j < cols; j++) row[j] = row[j] > 0 ? row[j] : 0; break;
      case ACT_RELU6: for (size_t j = 0; j < cols; j++) row[j] = row[j] < 0 ? 0 : (row[j] > 6 ? 6 : row[j]); break;
      case ACT_ELU: for (size_t j = 0; j < cols; j++) row[j] = row[j] > 0 ? row[j] : expm1f(row[j]); break;
      case ACT_SIGMOID: for (size_t j = 0; j < cols; j++) row[j] = 1.0f / (1.0f + expf(-row[j])); break;
      case ACT_LEAKY: for (size_t j = 0; j < cols; j++) row[j] = row[j] < 0 ? alpha * row[j] : row[j]; break;
      default: break;
    }
  }
}

/*
 * gemm(heap, batch, m, n, k, transA, transB, aOffset, aStride, bOffset, bStride, cOffset,
 *      biasOffset, activation, alpha)
 * C[i] = act(op(A[i]) · op(B[i]) + bias) for i < batch, row-major; strides in elements (0 broadcasts);
 * biasOffset < 0 means no bias (bias has n elements).
 */
static napi_value gemm(napi_env env, napi_callback_info info) {
  Call call;
  if (!read_call(env, info, 14, &call)) return NULL;
  const double *v = call.numbers;
  const int batch = (int)v[0], m = (int)v[1], n = (int)v[2], k = (int)v[3];
  const int trans_a = v[4] != 0, trans_b = v[5] != 0;
  const double a_stride = v[7], b_stride = v[9];
  float *a = at(env, &call, v[6], a_stride * (batch - 1) + (double)m * k);
  float *b = at(env, &call, v[8], b_stride * (batch - 1) + (double)k * n);
  float *c = at(env, &call, v[10], (double)batch * m * n);
  if (a == NULL || b == NULL || c == NULL) return NULL;
  const float *bias = NULL;
  if (v[11] >= 0 && (bias = at(env, &call, v[11], n)) == NULL) return NULL;
  const int activation = (int)v[12];
  const float alpha = (float)v[13];
  for (int i = 0; i < batch; i++) {
    float *ci = c + (size_t)i * m * n;
    if (m > 0 && n > 0 && k == 0) memset(ci, 0, sizeof(float) * (size_t)m * n);
    else if (m > 0 && n > 0) {
      cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k, 1.0f,
                  a + (size_t)(a_stride * i), trans_a ? m : k, b + (size_t)(b_stride * i), trans_b ? k : n, 0.0f, ci, n);
    }
    if (bias != NULL || activation != ACT_LINEAR) bias_activate(ci, (size_t)m, (size_t)n, bias, activation, alpha);
  }
  return NULL;
}

/* Shape facts of an NHWC convolution, as conv-geometry.ts computes them. */
typedef struct {
  int batch, in_h, in_w, in_c, out_h, out_w, out_c, f_h, f_w, stride_h, stride_w, pad_top, pad_left;
} Geometry;

static void read_geometry(const double *v, Geometry *g) {
  g->batch = (int)v[0]; g->in_h = (int)v[1]; g->in_w = (int)v[2]; g->in_c = (int)v[3];
  g->out_h = (int)v[4]; g->out_w = (int)v[5]; g->out_c = (int)v[6];
  g->f_h = (int)v[7]; g->f_w = (int)v[8]; g->stride_h = (int)v[9]; g->stride_w = (int)v[10];
  g->pad_top = (int)v[11]; g->pad_left = (int)v[12];
}

/* A 1x1, stride-1, unpadded conv needs no im2col: x already is the [positions, channels] matrix. */
static int is_pointwise(const Geometry *g) {
  return g->f_h == 1 && g->f_w == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_top == 0 && g->pad_left == 0 &&
         g->out_h == g->in_h && g->out_w == g->in_w;
}

/* Row r of examples [b0, b1): the receptive field of one output position, laid out (kh, kw, c). */
static void im2col(const Geometry *g, const float *x, int b0, int b1, float *cols) {
  const size_t c = (size_t)g->in_c, row_width = (size_t)g->f_h * g->f_w * c;
  size_t row = 0;
  for (int b = b0; b < b1; b++) {
    const float *xb = x + (size_t)b * g->in_h * g->in_w * c;
    for (int oh = 0; oh < g->out_h; oh++) {
      for (int ow = 0; ow < g->out_w; ow++, row++) {
        float *dst = cols + row * row_width;
        for (int kh = 0; kh < g->f_h; kh++) {
          const int ih = oh * g->stride_h - g->pad_top + kh;
          for (int kw = 0; kw < g->f_w; kw++, dst += c) {
            const int iw = ow * g->stride_w - g->pad_left + kw;
            if (ih < 0 || ih >= g->in_h || iw < 0 || iw >= g->in_w) {
              for (size_t ch = 0; ch < c; ch++) dst[ch] = 0;
            } else {
              const float *src = xb + ((size_t)ih * g->in_w + iw) * c;
              for (size_t ch = 0; ch < c; ch++) dst[ch] = src[ch];
            }
          }
        }
      }
    }
  }
}

/* The adjoint of im2col: adds each row back onto the input positions it was read from. */
static void col2im_add(const Geometry *g, const float *cols, int b0, int b1, float *dx) {
  const size_t c = (size_t)g->in_c, row_width = (size_t)g->f_h * g->f_w * c;
  size_t row = 0;
  for (int b = b0; b < b1; b++) {
    float *dxb = dx + (size_t)b * g->in_h * g->in_w * c;
    for (int oh = 0; oh < g->out_h; oh++) {
      for (int ow = 0; ow < g->out_w; ow++, row++) {
        const float *src = cols + row * row_width;
        for (int kh = 0; kh < g->f_h; kh++) {
          const int ih = oh * g->stride_h - g->pad_top + kh;
          for (int kw = 0; kw < g->f_w; kw++, src += c) {
            const int iw = ow * g->stride_w - g->pad_left + kw;
            if (ih < 0 || ih >= g->in_h || iw < 0 || iw >= g->in_w) continue;
            float *dst = dxb + ((size_t)ih * g->in_w + iw) * c;
            for (size_t ch = 0; ch < c; ch++) dst[ch] += src[ch];
          }
        }
      }
    }
  }
}

static int examples_per_chunk(const Geometry *g, size_t row_width) {
  const size_t positions = (size_t)g->out_h * g->out_w;
  size_t per = SCRATCH_ELEMENTS / (positions * row_width > 0 ? positions * row_width : 1);
  if (per < 1) per = 1;
  if (per > (size_t)g->batch) per = (size_t)g->batch;
  return (int)per;
}

static Scratch *thread_scratch(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return (Scratch *)data;
}

/* The [rows, K] im2col matrix of examples [b0, b1), or x itself for a pointwise conv. */
static const float *columns(napi_env env, const Geometry *g, const float *x, int b0, int b1, size_t row_width) {
  if (is_pointwise(g)) return x + (size_t)b0 * g->in_h * g->in_w * g->in_c;
  const size_t rows = (size_t)(b1 - b0) * g->out_h * g->out_w;
  float *cols = scratch_get(thread_scratch(env), rows * row_width);
  if (cols == NULL) {
    fail(env, "out of memory for the im2col scratch");
    return NULL;
  }
  im2col(g, x, b0, b1, cols);
  return cols;
}

#define GEOMETRY_ARGS 13

/* conv2d(heap, ...geometry, xOffset, filterOffset, yOffset, biasOffset, activation, alpha) */
static napi_value conv2d(napi_env env, napi_callback_info info) {
  Call call;
  if (!read_call(env, info, GEOMETRY_ARGS + 6, &call)) return NULL;
  Geometry g;
  read_geometry(call.numbers, &g);
  const double *v = call.numbers + GEOMETRY_ARGS;
  const size_t row_width = (size_t)g.f_h * g.f_w * g.in_c, positions = (size_t)g.out_h * g.out_w;
  const float *x = at(env, &call, v[0], (double)g.batch * g.in_h * g.in_w * g.in_c);
  const float *w = at(env, &call, v[1], (double)row_width * g.out_c);
  float *y = at(env, &call, v[2], (double)g.batch * positions * g.out_c);
  if (x == NULL || w == NULL || y == NULL) return NULL;
  const float *bias = NULL;
  if (v[3] >= 0 && (bias = at(env, &call, v[3], g.out_c)) == NULL) return NULL;
  const int per = examples_per_chunk(&g, row_width);
  for (int b0 = 0; b0 < g.batch; b0 += per) {
    const int b1 = b0 + per < g.batch ? b0 + per : g.batch;
    const int rows = (int)((size_t)(b1 - b0) * positions);
    const float *cols = columns(env, &g, x, b0, b1, row_width);
    if (cols == NULL) return NULL;
    float *yc = y + (size_t)b0 * positions * g.out_c;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, g.out_c, (int)row_width, 1.0f, cols, (int)row_width, w,
                g.out_c, 0.0f, yc, g.out_c);
    if (bias != NULL || (int)v[4] != ACT_LINEAR) bias_activate(yc, (size_t)rows, (size_t)g.out_c, bias, (int)v[4], (float)v[5]);
  }
  return NULL;
}

/* conv2dBackpropFilter(heap, ...geometry, xOffset, dyOffset, dwOffset): dW[K, O] = Σ colsᵀ · dy */
static napi_value conv2d_backprop_filter(napi_env env, napi_callback_info info) {
  Call call;
  if (!read_call(env, info, GEOMETRY_ARGS + 3, &call)) return NULL;
  Geometry g;
  read_geometry(call.numbers, &g);
  const double *v = call.numbers + GEOMETRY_ARGS;
  const size_t row_width = (size_t)g.f_h * g.f_w * g.in_c, positions = (size_t)g.out_h * g.out_w;
  const float *x = at(env, &call, v[0], (double)g.batch * g.in_h * g.in_w * g.in_c);
  const float *dy = at(env, &call, v[1], (double)g.batch * positions * g.out_c);
  float *dw = at(env, &call, v[2], (double)row_width * g.out_c);
  if (x == NULL || dy == NULL || dw == NULL) return NULL;
  if (g.batch == 0 || positions == 0) memset(dw, 0, sizeof(float) * row_width * g.out_c);
  const int per = examples_per_chunk(&g, row_width);
  for (int b0 = 0; b0 < g.batch; b0 += per) {
    const int b1 = b0 + per < g.batch ? b0 + per : g.batch;
    const int rows = (int)((size_t)(b1 - b0) * positions);
    const float *cols = columns(env, &g, x, b0, b1, row_width);
    if (cols == NULL) return NULL;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)row_width, g.out_c, rows, 1.0f, cols, (int)row_width,
                dy + (size_t)b0 * positions * g.out_c, g.out_c, b0 == 0 ? 0.0f : 1.0f, dw, g.out_c);
  }
  return NULL;
}

/* conv2dBackpropInput(heap, ...geometry, dyOffset, filterOffset, dxOffset): dx = col2im(dy · Wᵀ) */
static napi_value conv2d_backprop_input(napi_env env, napi_callback_info info) {
  Call call;
  if (!read_call(env, info, GEOMETRY_ARGS + 3, &call)) return NULL;
  Geometry g;
  read_geometry(call.numbers, &g);
  const double *v = call.numbers + GEOMETRY_ARGS;
  const size_t row_width = (size_t)g.f_h * g.f_w * g.in_c, positions = (size_t)g.out_h * g.out_w;
  const float *dy = at(env, &call, v[0], (double)g.batch * positions * g.out_c);
  const float *w = at(env, &call, v[1], (double)row_width * g.out_c);
  float *dx = at(env, &call, v[2], (double)g.batch * g.in_h * g.in_w * g.in_c);
  if (dy == NULL || w == NULL || dx == NULL) return NULL;
  const int pointwise = is_pointwise(&g);
  if (!pointwise) memset(dx, 0, sizeof(float) * (size_t)g.batch * g.in_h * g.in_w * g.in_c);
  const int per = examples_per_chunk(&g, row_width);
  for (int b0 = 0; b0 < g.batch; b0 += per) {
    const int b1 = b0 + per < g.batch ? b0 + per : g.batch;
    const int rows = (int)((size_t)(b1 - b0) * positions);
    float *dcols = pointwise ? dx + (size_t)b0 * positions * g.in_c : scratch_get(thread_scratch(env), (size_t)rows * row_width);
    if (dcols == NULL) return fail(env, "out of memory for the col2im scratch"), NULL;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, (int)row_width, g.out_c, 1.0f,
                dy + (size_t)b0 * positions * g.out_c, g.out_c, w, g.out_c, 0.0f, dcols, (int)row_width);
    if (!pointwise) col2im_add(&g, dcols, b0, b1, dx);
  }
  return NULL;
}

/*
 * adamUpdate(heap, n, valueOffset, mOffset, vOffset, gradientOffset, outValue, outM, outV,
 *            beta1, oneMinusBeta1, beta2, oneMinusBeta2, oneMinusAccBeta1, oneMinusAccBeta2, epsilon, minusLr)
 * One Adam step, float op for float op in tfjs' AdamOptimizer order (built with
 * -ffp-contract=off, so no fused multiply-add changes a rounding): the same bits as its ops.
 */
/* The outputs are fresh tensors, never the inputs: restrict lets the loop vectorise (7 pointers are past GCC's alias checks). */
static void adam_loop(size_t n, const float *restrict value, const float *restrict m, const float *restrict s, const float *restrict g,
                      float *restrict out_value, float *restrict out_m, float *restrict out_s, float beta1, float c1, float beta2, float c2,
                      float omb1, float omb2, float eps, float minus_lr) {
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float m1 = m[i] * beta1 + gi * c1;
    const float g2 = gi * gi;
    const float s1 = s[i] * beta2 + g2 * c2;
    const float mh = m1 / omb1;
    const float sh = s1 / omb2;
    const float denominator = sqrtf(sh) + eps;
    const float step = (mh / denominator) * minus_lr;
    out_m[i] = m1;
    out_s[i] = s1;
    out_value[i] = step + value[i];
  }
}

static napi_value adam_update(napi_env env, napi_callback_info info) {
  Call call;
  if (!read_call(env, info, 16, &call)) return NULL;
  const double *v = call.numbers;
  const double n = v[0];
  const float *value = at(env, &call, v[1], n), *m = at(env, &call, v[2], n), *s = at(env, &call, v[3], n), *g = at(env, &call, v[4], n);
  float *out_value = at(env, &call, v[5], n), *out_m = at(env, &call, v[6], n), *out_s = at(env, &call, v[7], n);
  if (!value || !m || !s || !g || !out_value || !out_m || !out_s) return NULL;
  const float beta1 = (float)v[8], c1 = (float)v[9], beta2 = (float)v[10], c2 = (float)v[11];
  const float omb1 = (float)v[12], omb2 = (float)v[13], eps = (float)v[14], minus_lr = (float)v[15];
  adam_loop((size_t)n, value, m, s, g, out_value, out_m, out_s, beta1, c1, beta2, c2, omb1, omb2, eps, minus_lr);
  return NULL;
}

/*
 * Windows that tile the input (stride = window, no padding: the usual 2×2 pool): each input pixel
 * is in at most one window, so dx is written once — dy at the window's first maximum, 0 at the
 * others — with no scatter, and only the pixels no window covers are zeroed.
 */
static void max_pool_grad_tiled(int batch, int in_h, int in_w, int c, int out_h, int out_w, int f_h, int f_w,
                                const float *x, const float *dy, float *dx, float *restrict best, int32_t *restrict where) {
  const int covered = out_h * f_h == in_h && out_w * f_w == in_w;
  if (!covered) memset(dx, 0, sizeof(float) * (size_t)batch * in_h * in_w * c);
  for (int b = 0; b < batch; b++) {
    const float *xb = x + (size_t)b * in_h * in_w * c;
    float *dxb = dx + (size_t)b * in_h * in_w * c;
    for (int oh = 0; oh < out_h; oh++) {
      for (int ow = 0; ow < out_w; ow++) {
        const size_t corner = ((size_t)(oh * f_h) * in_w + (size_t)(ow * f_w)) * c;
        for (int ch = 0; ch < c; ch++) {
          best[ch] = xb[corner + ch];
          where[ch] = 0;
        }
        for (int k = 1; k < f_h * f_w; k++) {
          const float *restrict p = xb + corner + ((size_t)(k / f_w) * in_w + (size_t)(k % f_w)) * c;
          /* strict >: the first maximum, rows then columns, as the general scan. Masks, not
             branches or ?: on the int, so GCC vectorises both loops. */
          for (int ch = 0; ch < c; ch++) {
            const float v = p[ch], m = best[ch];
            const int32_t greater = -(int32_t)(v > m);
            where[ch] = (k & greater) | (where[ch] & ~greater);
            best[ch] = v > m ? v : m;
          }
        }
        const float *restrict g = dy + (((size_t)b * out_h + oh) * out_w + ow) * c;
        for (int k = 0; k < f_h * f_w; k++) {
          float *restrict q = dxb + corner + ((size_t)(k / f_w) * in_w + (size_t)(k % f_w)) * c;
          /* dy's bits where this pixel is the maximum, +0 elsewhere (a mask, not dy·0: ±∞ and NaN stay put) */
          for (int ch = 0; ch < c; ch++) {
            uint32_t bits;
            memcpy(&bits, &g[ch], sizeof bits);
            bits &= (uint32_t) - (int32_t)(where[ch] == k);
            memcpy(&q[ch], &bits, sizeof bits);
          }
        }
      }
    }
  }
}

/*
 * maxPoolGrad(heap, batch, inH, inW, channels, outH, outW, strideH, strideW, filterH, filterW,
 *             padTop, padLeft, xOffset, dyOffset, dxOffset)
 * Each dy value goes to the first maximum of its window (rows, then columns, as tfjs scans them).
 */
static napi_value max_pool_grad(napi_env env, napi_callback_info info) {
  Call call;
  if (!read_call(env, info, 15, &call)) return NULL;
  const double *v = call.numbers;
  const int batch = (int)v[0], in_h = (int)v[1], in_w = (int)v[2], c = (int)v[3], out_h = (int)v[4], out_w = (int)v[5];
  const int stride_h = (int)v[6], stride_w = (int)v[7], f_h = (int)v[8], f_w = (int)v[9], pad_top = (int)v[10], pad_left = (int)v[11];
  const double in_size = (double)batch * in_h * in_w * c;
  const float *x = at(env, &call, v[12], in_size);
  const float *dy = at(env, &call, v[13], (double)batch * out_h * out_w * c);
  float *dx = at(env, &call, v[14], in_size);
  if (x == NULL || dy == NULL || dx == NULL) return NULL;
  /* Channels innermost: one window scan keeps the running maximum of every channel at once. */
  float *best = (float *)malloc(sizeof(float) * (size_t)(c > 0 ? c : 1));
  int32_t *where = (int32_t *)malloc(sizeof(int32_t) * (size_t)(c > 0 ? c : 1));
  if (best == NULL || where == NULL) {
    free(best);
    free(where);
    return fail(env, "out of memory for max-pool backprop"), NULL;
  }
  if (stride_h == f_h && stride_w == f_w && pad_top == 0 && pad_left == 0 && out_h * f_h <= in_h && out_w * f_w <= in_w) {
    max_pool_grad_tiled(batch, in_h, in_w, c, out_h, out_w, f_h, f_w, x, dy, dx, best, where);
    free(best);
    free(where);
    return NULL;
  }
  memset(dx, 0, sizeof(float) * (size_t)in_size);
  for (int b = 0; b < batch; b++) {
    const float *xb = x + (size_t)b * in_h * in_w * c;
    float *dxb = dx + (size_t)b * in_h * in_w * c;
    for (int oh = 0; oh < out_h; oh++) {
      for (int ow = 0; ow < out_w; ow++) {
        int first = 1;
        for (int kh = 0; kh < f_h; kh++) {
          const int ih = oh * stride_h - pad_top + kh;
          if (ih < 0 || ih >= in_h) continue;
          for (int kw = 0; kw < f_w; kw++) {
            const int iw = ow * stride_w - pad_left + kw;
            if (iw < 0 || iw >= in_w) continue;
            const int base = (ih * in_w + iw) * c;
            const float *p = xb + base;
            if (first) {
              for (int ch = 0; ch < c; ch++) {
                best[ch] = p[ch];
                where[ch] = base + ch;
              }
              first = 0;
              continue;
            }
            /* Branch-free, so it vectorises; strict > keeps the first maximum. */
            for (int ch = 0; ch < c; ch++) {
              const int greater = p[ch] > best[ch];
              best[ch] = greater ? p[ch] : best[ch];
              where[ch] = greater ? base + ch : where[ch];
            }
          }
        }
        if (first) continue;
        const float *dyp = dy + (((size_t)b * out_h + oh) * out_w + ow) * c;
        for (int ch = 0; ch < c; ch++) dxb[where[ch]] += dyp[ch];
      }
    }
  }
  free(best);
  free(where);
  return NULL;
}

/* columnSums(heap, rows, cols, xOffset, outOffset): out[j] = Σ_i x[i, j], accumulated in double. */
static napi_value column_sums(napi_env env, napi_callback_info info) {
  Call call;
  if (!read_call(env, info, 4, &call)) return NULL;
  const double *v = call.numbers;
  const size_t rows = (size_t)v[0], cols = (size_t)v[1];
  const float *x = at(env, &call, v[2], (double)rows * cols);
  float *out = at(env, &call, v[3], (double)cols);
  if (x == NULL || out == NULL) return NULL;
  double stack[256];
  double *acc = cols <= 256 ? stack : (double *)calloc(cols, sizeof(double));
  if (acc == NULL) return fail(env, "out of memory for column sums"), NULL;
  for (size_t j = 0; j < cols; j++) acc[j] = 0;
  for (size_t i = 0; i < rows; i++) {
    const float *row = x + i * cols;
    for (size_t j = 0; j < cols; j++) acc[j] += row[j];
  }
  for (size_t j = 0; j < cols; j++) out[j] = (float)acc[j];
  if (acc != stack) free(acc);
  return NULL;
}

/*
 * The two logit losses of a distillation step, each as one forward and one backward kernel
 * over a [rows, classes] matrix (tiny: dispatch, not arithmetic, is their cost). Each follows
 * the graph of tfjs ops it replaces term by term, in double, rounded once to float32:
 *   ce = mean_i −Σ_c t_ic · logsoftmax(z_i)_c, t the one-hot of label y_i (a label outside
 *        [0, classes) gives an all-zero row, as tf.oneHot does);
 *   kd = T² · mean_i Σ_c p_ic (log p_ic − log q_ic), p = softmax(t/T), q = softmax(s/T).
 * Non-finite logits give NaN where the op graph does (a NaN, +∞ or a row of −∞; 0 · −∞ too).
 */
static void log_softmax_row(const float *z, int classes, double scale, double *out) {
  double max = -INFINITY;
  for (int c = 0; c < classes; c++) {
    out[c] = (double)z[c] * scale;
    if (out[c] > max) max = out[c];
  }
  double sum = 0;
  for (int c = 0; c < classes; c++) sum += exp(out[c] - max);
  const double lse = max + log(sum);
  for (int c = 0; c < classes; c++) out[c] = out[c] - lse;
}

#define MAX_LOSS_CLASSES 4096

/* The [rows, classes] of a loss kernel's first two numbers; throws when classes is outside [1, MAX_LOSS_CLASSES]. */
static int loss_shape(napi_env env, const double *v, int *rows, int *classes) {
  *rows = (int)v[0];
  *classes = (int)v[1];
  if (*rows < 1 || *classes < 1 || *classes > MAX_LOSS_CLASSES) return fail(env, "loss kernel: rows < 1, or classes outside [1, 4096]");
  return 1;
}

/* xentLoss(heap, rows, classes, logitsOffset, labelsOffset, outOffset): the ce scalar. */
static napi_value xent_loss(napi_env env, napi_callback_info info) {
  Call call;
  if (!read_call(env, info, 5, &call)) return NULL;
  const double *v = call.numbers;
  int rows, classes;
  if (!loss_shape(env, v, &rows, &classes)) return NULL;
  const float *z = at(env, &call, v[2], (double)rows * classes);
  const int32_t *labels = (const int32_t *)at(env, &call, v[3], rows);
  float *out = at(env, &call, v[4], 1);
  if (z == NULL || labels == NULL || out == NULL) return NULL;
  double ls[MAX_LOSS_CLASSES], total = 0;
  for (int i = 0; i < rows; i++) {
    log_softmax_row(z + (size_t)i * classes, classes, 1.0, ls);
    double row = 0;
    for (int c = 0; c < classes; c++) row += (c == labels[i] ? 1.0 : 0.0) * ls[c];
    total -= row;
  }
  out[0] = (float)(total / rows);
  return NULL;
}

/* xentGrad(heap, rows, classes, dyOffset, logitsOffset, labelsOffset, outOffset): dce/dz = dy/n · (softmax·Σt − t). */
static napi_value xent_grad(napi_env env, napi_callback_info info) {
  Call call;
  if (!read_call(env, info, 6, &call)) return NULL;
  const double *v = call.numbers;
  int rows, classes;
  if (!loss_shape(env, v, &rows, &classes)) return NULL;
  const float *dy = at(env, &call, v[2], 1);
  const float *z = at(env, &call, v[3], (double)rows * classes);
  const int32_t *labels = (const int32_t *)at(env, &call, v[4], rows);
  float *dz = at(env, &call, v[5], (double)rows * classes);
  if (dy == NULL || z == NULL || labels == NULL || dz == NULL) return NULL;
  const double g = (double)dy[0] / rows;
  double ls[MAX_LOSS_CLASSES];
  for (int i = 0; i < rows; i++) {
    log_softmax_row(z + (size_t)i * classes, classes, 1.0, ls);
    const double mass = labels[i] >= 0 && labels[i] < classes ? 1.0 : 0.0;
    for (int c = 0; c < classes; c++) dz[(size_t)i * classes + c] = (float)(g * (exp(ls[c]) * mass - (c == labels[i] ? 1.0 : 0.0)));
  }
  return NULL;
}

/* kdLoss(heap, rows, classes, temperature, studentOffset, teacherOffset, outOffset): the kd scalar. */
static napi_value kd_loss(napi_env env, napi_callback_info info) {
  Call call;
  if (!read_call(env, info, 6, &call)) return NULL;
  const double *v = call.numbers;
  int rows, classes;
  if (!loss_shape(env, v, &rows, &classes)) return NULL;
  const double t = v[2];
  const float *s = at(env, &call, v[3], (double)rows * classes);
  const float *te = at(env, &call, v[4], (double)rows * classes);
  float *out = at(env, &call, v[5], 1);
  if (s == NULL || te == NULL || out == NULL) return NULL;
  double lq[MAX_LOSS_CLASSES], lp[MAX_LOSS_CLASSES], total = 0;
  for (int i = 0; i < rows; i++) {
    log_softmax_row(s + (size_t)i * classes, classes, 1.0 / t, lq);
    log_softmax_row(te + (size_t)i * classes, classes, 1.0 / t, lp);
    for (int c = 0; c < classes; c++) total += exp(lp[c]) * (lp[c] - lq[c]);
  }
  out[0] = (float)(total / rows * t * t);
  return NULL;
}

/*
 * kdGrad(heap, rows, classes, temperature, wrtTeacher, dyOffset, studentOffset, teacherOffset, outOffset):
 * with g = dy·T²/n, d/ds = g/T · (q·Σp − p); d/dt = g/T · (d − p·Σd), d = p·(log p − log q + 1).
 */
static napi_value kd_grad(napi_env env, napi_callback_info info) {
  Call call;
  if (!read_call(env, info, 8, &call)) return NULL;
  const double *v = call.numbers;
  int rows, classes;
  if (!loss_shape(env, v, &rows, &classes)) return NULL;
  const double t = v[2];
  const int wrt_teacher = v[3] != 0;
  const float *dy = at(env, &call, v[4], 1);
  const float *s = at(env, &call, v[5], (double)rows * classes);
  const float *te = at(env, &call, v[6], (double)rows * classes);
  float *dx = at(env, &call, v[7], (double)rows * classes);
  if (dy == NULL || s == NULL || te == NULL || dx == NULL) return NULL;
  const double g = (double)dy[0] * t * t / rows / t;
  double lq[MAX_LOSS_CLASSES], lp[MAX_LOSS_CLASSES];
  for (int i = 0; i < rows; i++) {
    log_softmax_row(s + (size_t)i * classes, classes, 1.0 / t, lq);
    log_softmax_row(te + (size_t)i * classes, classes, 1.0 / t, lp);
    float *row = dx + (size_t)i * classes;
    if (!wrt_teacher) {
      double mass = 0;
      for (int c = 0; c < classes; c++) mass += exp(lp[c]);
      for (int c = 0; c < classes; c++) row[c] = (float)(g * (exp(lq[c]) * mass - exp(lp[c])));
    } else {
      double sum = 0;
      for (int c = 0; c < classes; c++) sum += exp(lp[c]) * (lp[c] - lq[c] + 1);
      for (int c = 0; c < classes; c++) {
        const double p = exp(lp[c]);
        row[c] = (float)(g * (p * (lp[c] - lq[c] + 1) - p * sum));
      }
    }
  }
  return NULL;
}

/*
 * Batch normalisation in training mode over a [rows, channels] matrix (channels innermost: every
 * leading axis is reduced), as one forward and one backward kernel. As tfjs ops (moments, batchNorm
 * and their gradients) it was ~40 full passes over the activation a step, a third of a CNN
 * teacher's step; here it is three passes forward and two backward. Sums in double.
 */

/* Per-channel double accumulators: on the stack for up to 1024 channels. */
#define BN_STACK_CHANNELS 1024

/*
 * batchNormTrain(heap, rows, channels, epsilon, xOffset, scaleOffset, offsetOffset,
 *                yOffset, meanOffset, varianceOffset)
 * mean = Σx/rows, variance = Σ(x − mean)²/rows (biased, as tf.moments), y = (x − mean)·γ/√(variance + ε) + β.
 */
static napi_value batch_norm_train(napi_env env, napi_callback_info info) {
  Call call;
  if (!read_call(env, info, 9, &call)) return NULL;
  const double *v = call.numbers;
  const size_t rows = (size_t)v[0], channels = (size_t)v[1];
  const float epsilon = (float)v[2];
  const double size = (double)rows * channels;
  const float *x = at(env, &call, v[3], size);
  const float *gamma = at(env, &call, v[4], (double)channels), *beta = at(env, &call, v[5], (double)channels);
  float *y = at(env, &call, v[6], size), *mean = at(env, &call, v[7], (double)channels), *variance = at(env, &call, v[8], (double)channels);
  if (x == NULL || gamma == NULL || beta == NULL || y == NULL || mean == NULL || variance == NULL) return NULL;
  if (channels > BN_STACK_CHANNELS) return fail(env, "batchNormTrain: more than 1024 channels"), NULL;
  if (rows == 0) return fail(env, "batchNormTrain: no rows"), NULL;
  double acc[BN_STACK_CHANNELS];
  float scale[BN_STACK_CHANNELS], shift[BN_STACK_CHANNELS];
  for (size_t c = 0; c < channels; c++) acc[c] = 0;
  for (size_t i = 0; i < rows; i++) {
    const float *row = x + i * channels;
    for (size_t c = 0; c < channels; c++) acc[c] += row[c];
  }
  for (size_t c = 0; c < channels; c++) {
    mean[c] = (float)(acc[c] / (double)rows);
    acc[c] = 0;
  }
  for (size_t i = 0; i < rows; i++) {
    const float *row = x + i * channels;
    for (size_t c = 0; c < channels; c++) {
      const float d = row[c] - mean[c];
      acc[c] += (double)(d * d);
    }
  }
  for (size_t c = 0; c < channels; c++) {
    variance[c] = (float)(acc[c] / (double)rows);
    const double inv = 1.0 / sqrt((double)variance[c] + (double)epsilon);
    scale[c] = (float)((double)gamma[c] * inv);
    shift[c] = beta[c];
  }
  for (size_t i = 0; i < rows; i++) {
    const float *row = x + i * channels;
    float *out = y + i * channels;
    for (size_t c = 0; c < channels; c++) out[c] = (row[c] - mean[c]) * scale[c] + shift[c];
  }
  return NULL;
}

/*
 * batchNormTrainGrad(heap, rows, channels, epsilon, dyOffset, xOffset, scaleOffset, meanOffset,
 *                    varianceOffset, dxOffset, dScaleOffset, dOffsetOffset)
 * The gradients of y with respect to x, γ and β, with x̂ = (x − mean)/√(variance + ε) (the batch
 * statistics feed only the moving averages, so nothing flows back through them on their own):
 *   dβ = Σdy, dγ = Σdy·x̂, dx = γ/σ·(dy − dβ/n − x̂·dγ/n).
 */
static napi_value batch_norm_train_grad(napi_env env, napi_callback_info info) {
  Call call;
  if (!read_call(env, info, 11, &call)) return NULL;
  const double *v = call.numbers;
  const size_t rows = (size_t)v[0], channels = (size_t)v[1];
  const float epsilon = (float)v[2];
  const double size = (double)rows * channels, ch = (double)channels;
  const float *dy = at(env, &call, v[3], size), *x = at(env, &call, v[4], size);
  const float *gamma = at(env, &call, v[5], ch), *mean = at(env, &call, v[6], ch), *variance = at(env, &call, v[7], ch);
  float *dx = at(env, &call, v[8], size), *d_gamma = at(env, &call, v[9], ch), *d_beta = at(env, &call, v[10], ch);
  if (dy == NULL || x == NULL || gamma == NULL || mean == NULL || variance == NULL || dx == NULL || d_gamma == NULL || d_beta == NULL) return NULL;
  if (channels > BN_STACK_CHANNELS) return fail(env, "batchNormTrainGrad: more than 1024 channels"), NULL;
  if (rows == 0) return fail(env, "batchNormTrainGrad: no rows"), NULL;
  double sum_dy[BN_STACK_CHANNELS], sum_dy_d[BN_STACK_CHANNELS];
  float k_dy[BN_STACK_CHANNELS], k_d[BN_STACK_CHANNELS], k_0[BN_STACK_CHANNELS];
  for (size_t c = 0; c < channels; c++) sum_dy[c] = sum_dy_d[c] = 0;
  for (size_t i = 0; i < rows; i++) {
    const float *g = dy + i * channels, *row = x + i * channels;
    for (size_t c = 0; c < channels; c++) {
      sum_dy[c] += g[c];
      sum_dy_d[c] += (double)g[c] * (double)(row[c] - mean[c]);
    }
  }
  const double n = (double)rows;
  for (size_t c = 0; c < channels; c++) {
    const double inv = 1.0 / sqrt((double)variance[c] + (double)epsilon);
    const double gm = (double)gamma[c];
    d_beta[c] = (float)sum_dy[c];
    d_gamma[c] = (float)(sum_dy_d[c] * inv);
    /* dx = k_dy·dy + k_d·(x − mean) + k_0 */
    k_dy[c] = (float)(gm * inv);
    k_d[c] = (float)(-gm * inv * inv * inv * sum_dy_d[c] / n);
    k_0[c] = (float)(-gm * inv * sum_dy[c] / n);
  }
  for (size_t i = 0; i < rows; i++) {
    const float *g = dy + i * channels, *row = x + i * channels;
    float *out = dx + i * channels;
    for (size_t c = 0; c < channels; c++) out[c] = k_dy[c] * g[c] + k_d[c] * (row[c] - mean[c]) + k_0[c];
  }
  return NULL;
}

/* info() → { blas, core }: which BLAS this addon was built against, and the kernel it picked. */
static napi_value describe(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result, blas, core;
  napi_create_object(env, &result);
#if defined(DISTILLERY_OPENBLAS)
  napi_create_string_utf8(env, "openblas", NAPI_AUTO_LENGTH, &blas);
  napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &core);
#elif defined(DISTILLERY_ACCELERATE)
  napi_create_string_utf8(env, "accelerate", NAPI_AUTO_LENGTH, &blas);
  napi_create_string_utf8(env, "", NAPI_AUTO_LENGTH, &core);
#else
  napi_create_string_utf8(env, "cblas", NAPI_AUTO_LENGTH, &blas);
  napi_create_string_utf8(env, "", NAPI_AUTO_LENGTH, &core);
#endif
  napi_set_named_property(env, result, "blas", blas);
  napi_set_named_property(env, result, "core", core);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
#if defined(DISTILLERY_OPENBLAS)
  openblas_set_num_threads(1);
#endif
  Scratch *scratch = (Scratch *)calloc(1, sizeof(Scratch));
  if (scratch != NULL) napi_set_instance_data(env, scratch, scratch_free, NULL);
  napi_property_descriptor properties[] = {
      {"gemm", NULL, gemm, NULL, NULL, NULL, napi_default, NULL},
      {"conv2d", NULL, conv2d, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackpropFilter", NULL, conv2d_backprop_filter, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackpropInput", NULL, conv2d_backprop_input, NULL, NULL, NULL, napi_default, NULL},
      {"maxPoolGrad", NULL, max_pool_grad, NULL, NULL, NULL, napi_default, NULL},
      {"columnSums", NULL, column_sums, NULL, NULL, NULL, napi_default, NULL},
      {"adamUpdate", NULL, adam_update, NULL, NULL, NULL, napi_default, NULL},
      {"xentLoss", NULL, xent_loss, NULL, NULL, NULL, napi_default, NULL},
      {"xentGrad", NULL, xent_grad, NULL, NULL, NULL, napi_default, NULL},
      {"kdLoss", NULL, kd_loss, NULL, NULL, NULL, napi_default, NULL},
      {"kdGrad", NULL, kd_grad, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormTrain", NULL, batch_norm_train, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormTrainGrad", NULL, batch_norm_train_grad, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, describe, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
