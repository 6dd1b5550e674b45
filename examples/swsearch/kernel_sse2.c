/* The kernels with SSE2 only, which every x86-64 CPU has: 16 lanes of 8 bits, 8 of 16 bits
 * (kernel_impl.h). SSE2 has no byte shuffle, so the profiles are filled one lane at a time. */
#include "kernel.h"

#include <emmintrin.h>

#define SW_TARGET  __attribute__((target("sse2")))
#define SW_KERNELS sw_kernels_sse2
#define SW_ISA     SW_ISA_SSE2
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
#define V_MASK16(p)                                                                                \
    _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(p)), _mm_loadl_epi64((const __m128i *)(p)))

SW_TARGET static void profile8(V *prof, const struct sw_tables *t, const uint8_t *cols)
{
    for (unsigned a = 0; a < t->size; a++)
        for (unsigned c = 0; c < SW_GROUP; c++) {
            uint8_t *out = (uint8_t *)&prof[a * SW_GROUP + c];
            for (unsigned l = 0; l < VB; l++)
                out[l] = t->biased[a][cols[VB * c + l]];
        }
}

SW_TARGET static void profile16(V *prof, const struct sw_tables *t, const uint8_t *cols)
{
    const unsigned lanes = VB / 2;
    for (unsigned a = 0; a < t->size; a++)
        for (unsigned c = 0; c < SW_GROUP; c++) {
            int16_t *out = (int16_t *)&prof[a * SW_GROUP + c];
            for (unsigned l = 0; l < lanes; l++)
                out[l] = (int16_t)(t->biased[a][cols[lanes * c + l]] - t->bias);
        }
}

#include "kernel_impl.h"
