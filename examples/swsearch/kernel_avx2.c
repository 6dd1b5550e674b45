/* The kernels with AVX2: 32 lanes of 8 bits, 16 of 16 bits (kernel_impl.h). */
#include "kernel.h"

#include <immintrin.h>

#define SW_TARGET  __attribute__((target("avx2")))
#define SW_KERNELS sw_kernels_avx2
#define SW_ISA     SW_ISA_AVX2
#define VB         32
typedef __m256i V;
#define V_LOAD(p)        _mm256_load_si256((const __m256i *)(p))
#define V_LOADU(p)       _mm256_loadu_si256((const __m256i *)(p))
#define V_STOREU(p, v)   _mm256_storeu_si256((__m256i *)(p), (v))
#define V_ZERO()         _mm256_setzero_si256()
#define V_SET8(x)        _mm256_set1_epi8((char)(x))
#define V_SET16(x)       _mm256_set1_epi16((short)(x))
#define V_ANDNOT(a, b)   _mm256_andnot_si256((a), (b))
#define V_ADDS_U8(a, b)  _mm256_adds_epu8((a), (b))
#define V_SUBS_U8(a, b)  _mm256_subs_epu8((a), (b))
#define V_MAX_U8(a, b)   _mm256_max_epu8((a), (b))
#define V_ADDS_I16(a, b) _mm256_adds_epi16((a), (b))
#define V_SUBS_I16(a, b) _mm256_subs_epi16((a), (b))
#define V_MAX_I16(a, b)  _mm256_max_epi16((a), (b))
#define V_MASK16(p)      _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(p)))

/* Table lookups of 32 entries with PSHUFB, which indexes 16: codes 0-15 index the row's first
 * half; adding 0x70 (saturating) sets bit 7, which makes PSHUFB give 0, exactly for codes 16-31,
 * and flipping bit 7 then selects those for the second half. */
SW_TARGET static void profile8(V *prof, const struct sw_tables *t, const uint8_t *cols)
{
    V lo_idx[SW_GROUP], hi_idx[SW_GROUP];
    for (unsigned c = 0; c < SW_GROUP; c++) {
        lo_idx[c] = _mm256_adds_epu8(V_LOADU(cols + VB * c), V_SET8(0x70));
        hi_idx[c] = _mm256_xor_si256(lo_idx[c], V_SET8(0x80));
    }
    for (unsigned a = 0; a < t->size; a++) {
        V lo = _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)t->biased[a]));
        V hi = _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)(t->biased[a] + 16)));
        for (unsigned c = 0; c < SW_GROUP; c++)
            prof[a * SW_GROUP + c] = _mm256_or_si256(_mm256_shuffle_epi8(lo, lo_idx[c]),
                                                     _mm256_shuffle_epi8(hi, hi_idx[c]));
    }
}

SW_TARGET static void profile16(V *prof, const struct sw_tables *t, const uint8_t *cols)
{
    const unsigned lanes = VB / 2;
    __m128i lo_idx[SW_GROUP], hi_idx[SW_GROUP];
    for (unsigned c = 0; c < SW_GROUP; c++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(cols + lanes * c));
        lo_idx[c] = _mm_adds_epu8(x, _mm_set1_epi8(0x70));
        hi_idx[c] = _mm_xor_si128(lo_idx[c], _mm_set1_epi8((char)0x80));
    }
    V bias = V_SET16(t->bias);
    for (unsigned a = 0; a < t->size; a++) {
        __m128i lo = _mm_load_si128((const __m128i *)t->biased[a]);
        __m128i hi = _mm_load_si128((const __m128i *)(t->biased[a] + 16));
        for (unsigned c = 0; c < SW_GROUP; c++) {
            __m128i s =
                _mm_or_si128(_mm_shuffle_epi8(lo, lo_idx[c]), _mm_shuffle_epi8(hi, hi_idx[c]));
            prof[a * SW_GROUP + c] = _mm256_sub_epi16(_mm256_cvtepu8_epi16(s), bias);
        }
    }
}

#include "kernel_impl.h"
