// The AVX2 + FMA micro-kernel of PollenNN's GEMM. Swift compiles a module for one instruction set
// (baseline x86-64: SSE2) and has no per-function target attributes, so the kernel that needs AVX2
// and FMA is written in C with `target` attributes and chosen at run time.
#include "pollen_gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

bool pollen_gemm_has_avx2_fma(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

__attribute__((target("avx2,fma"))) static inline void merge(__m256 acc, float *c, float beta) {
  if (beta == 0.0f) {
    _mm256_storeu_ps(c, acc);
  } else if (beta == 1.0f) {
    _mm256_storeu_ps(c, _mm256_add_ps(_mm256_loadu_ps(c), acc));
  } else {
    _mm256_storeu_ps(c, _mm256_fmadd_ps(_mm256_loadu_ps(c), _mm256_set1_ps(beta), acc));
  }
}

// 12 accumulators, 2 B vectors and 1 broadcast: 15 of the 16 ymm registers.
__attribute__((target("avx2,fma"))) void pollen_gemm_tile_6x16_avx2(ptrdiff_t kc, const float *a, const float *b,
                                                                    float *c, ptrdiff_t ldc, float beta) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (ptrdiff_t p = 0; p < kc; p++) {
    __m256 b0 = _mm256_loadu_ps(b);
    __m256 b1 = _mm256_loadu_ps(b + 8);
    __m256 s = _mm256_broadcast_ss(a);
    c00 = _mm256_fmadd_ps(s, b0, c00);
    c01 = _mm256_fmadd_ps(s, b1, c01);
    s = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(s, b0, c10);
    c11 = _mm256_fmadd_ps(s, b1, c11);
    s = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(s, b0, c20);
    c21 = _mm256_fmadd_ps(s, b1, c21);
    s = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(s, b0, c30);
    c31 = _mm256_fmadd_ps(s, b1, c31);
    s = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(s, b0, c40);
    c41 = _mm256_fmadd_ps(s, b1, c41);
    s = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(s, b0, c50);
    c51 = _mm256_fmadd_ps(s, b1, c51);
    a += 6;
    b += 16;
  }
  merge(c00, c, beta);
  merge(c01, c + 8, beta);
  merge(c10, c + ldc, beta);
  merge(c11, c + ldc + 8, beta);
  merge(c20, c + 2 * ldc, beta);
  merge(c21, c + 2 * ldc + 8, beta);
  merge(c30, c + 3 * ldc, beta);
  merge(c31, c + 3 * ldc + 8, beta);
  merge(c40, c + 4 * ldc, beta);
  merge(c41, c + 4 * ldc + 8, beta);
  merge(c50, c + 5 * ldc, beta);
  merge(c51, c + 5 * ldc + 8, beta);
}

#else

bool pollen_gemm_has_avx2_fma(void) { return false; }

void pollen_gemm_tile_6x16_avx2(ptrdiff_t kc, const float *a, const float *b, float *c, ptrdiff_t ldc, float beta) {
  (void)kc, (void)a, (void)b, (void)c, (void)ldc, (void)beta;
  __builtin_trap();
}

#endif
