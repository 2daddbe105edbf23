#ifndef POLLEN_GEMM_H
#define POLLEN_GEMM_H

#include <stdbool.h>
#include <stddef.h>

/// Whether this CPU runs pollen_gemm_tile_6x16_avx2 (x86-64 with AVX2 and FMA).
bool pollen_gemm_has_avx2_fma(void);

/// C[0..<6, 0..<16] = A·B + beta·C for packed panels: `a` holds kc steps of 6 values (one per row
/// of C), `b` holds kc steps of 16 values (one per column of C); C's rows are `ldc` apart.
/// Uses AVX2 fused multiply-add; call only when pollen_gemm_has_avx2_fma() is true.
void pollen_gemm_tile_6x16_avx2(ptrdiff_t kc, const float *a, const float *b, float *c, ptrdiff_t ldc,
                                float beta);

#endif
