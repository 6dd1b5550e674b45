/* The kernels with SSE4.1 (and SSSE3's PSHUFB): 16 lanes of 8 bits, 8 of 16 bits
 * (kernel_impl.h). */
#include "kernel.h"

#include <immintrin.h>

#define SW_TARGET  __attribute__((target("sse4.1")))
#define SW_KERNELS sw_kernels_sse41
#define SW_ISA     SW_ISA_SSE41
#define VB         16
typedef __m128i V;
#define V_LOAD(p)        _mm_load_si128((const __m128i *)(p))
#define V_LOADU(p)       _mm_loadu_si128((const __m128i *)(p))
#define V_STOREU(p, v)   _mm_storeu_si128((__m128i *)(p), (v))
#define V_ZERO()         _mm_setzero_si128()
#define V_SET8(x)        _mm_set1_epi8((char)(x))
#define V_SET16(x)       _mm_set1_epi16((short)(x))
#define V_ANDNOT(a, b)   _mm_andnot_si128((a), (b))
#define V_ADDS_U8(a, b)  _mm_adds_epu8((a), (b))
#define V_SUBS_U8(a, b)  _mm_subs_epu8((a), (b))
#define V_MAX_U8(a, b)   _mm_max_epu8((a), (b))
#define V_ADDS_I16(a, b) _mm_adds_epi16((a), (b))
#define V_SUBS_I16(a, b) _mm_subs_epi16((a), (b))
#define V_MAX_I16(a, b)  _mm_max_epi16((a), (b))
#define V_MASK16(p)      _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(p)))

/* 32-entry lookups with PSHUFB, as in kernel_avx2.c. */
SW_TARGET static V lookup(const uint8_t *row, V lo_idx, V hi_idx)
{
    V lo = _mm_load_si128((const __m128i *)row), hi = _mm_load_si128((const __m128i *)(row + 16));
    return _mm_or_si128(_mm_shuffle_epi8(lo, lo_idx), _mm_shuffle_epi8(hi, hi_idx));
}

SW_TARGET static void profile8(V *prof, const struct sw_tables *t, const uint8_t *cols)
{
    V lo_idx[SW_GROUP], hi_idx[SW_GROUP];
    for (unsigned c = 0; c < SW_GROUP; c++) {
        lo_idx[c] = _mm_adds_epu8(V_LOADU(cols + VB * c), V_SET8(0x70));
        hi_idx[c] = _mm_xor_si128(lo_idx[c], V_SET8(0x80));
    }
    for (unsigned a = 0; a < t->size; a++)
        for (unsigned c = 0; c < SW_GROUP; c++)
            prof[a * SW_GROUP + c] = lookup(t->biased[a], lo_idx[c], hi_idx[c]);
}

SW_TARGET static void profile16(V *prof, const struct sw_tables *t, const uint8_t *cols)
{
    const unsigned lanes = VB / 2;
    V lo_idx[SW_GROUP], hi_idx[SW_GROUP];
    for (unsigned c = 0; c < SW_GROUP; c++) {
        lo_idx[c] =
            _mm_adds_epu8(_mm_loadl_epi64((const __m128i *)(cols + lanes * c)), V_SET8(0x70));
        hi_idx[c] = _mm_xor_si128(lo_idx[c], V_SET8(0x80));
    }
    V bias = V_SET16(t->bias);
    for (unsigned a = 0; a < t->size; a++)
        for (unsigned c = 0; c < SW_GROUP; c++)
            prof[a * SW_GROUP + c] =
                _mm_sub_epi16(_mm_cvtepu8_epi16(lookup(t->biased[a], lo_idx[c], hi_idx[c])), bias);
}

#include "kernel_impl.h"
