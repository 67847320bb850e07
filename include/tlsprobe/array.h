/* Growable arrays: one rule for how every array in tlsprobe grows.
 * Owns nothing; the caller keeps the array, its count and its capacity.
 *
 * Must not: allocate past the caller's maximum, or free what it did not grow.
 */
#ifndef TLSPROBE_ARRAY_H
#define TLSPROBE_ARRAY_H

#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Reallocate arr (of *cap elements of size elem) to double its capacity,
 * starting at first and never beyond max (0: no limit). Returns the new array
 * and updates *cap, or NULL (arr untouched, still owned by the caller) when it
 * is already at max or memory runs out. */
static inline void *tp_array_grow(void *arr, size_t elem, size_t *cap, size_t first, size_t max)
{
    size_t nc = *cap ? *cap * 2 : first;
    if (max && nc > max)
        nc = max;
    if (nc <= *cap || nc > SIZE_MAX / elem)
        return NULL;
    void *p = realloc(arr, nc * elem);
    if (p)
        *cap = nc;
    return p;
}

/* Make room for element n of the array whose pointer is at arrp (a T **, of
 * *cap elements of size elem): true when it fits or was grown, false (array
 * untouched) when full or out of memory. Use TP_ARRAY_RESERVE. */
static inline bool tp_array_reserve_(void *arrp, size_t elem, size_t n, size_t *cap, size_t first, size_t max)
{
    void *old, *p;
    if (n < *cap)
        return true;
    memcpy(&old, arrp, sizeof old);
    if (!(p = tp_array_grow(old, elem, cap, first, max)))
        return false;
    memcpy(arrp, &p, sizeof p);
    return true;
}
#define TP_ARRAY_RESERVE(arr, n, cap, first, max) tp_array_reserve_(&(arr), sizeof *(arr), (n), &(cap), (first), (max))

/* Byte buffers: grow buf (of *cap bytes) to hold need bytes, doubling from
 * first, capped at max. Returns the buffer (and updates *cap), or NULL (buf
 * untouched) when need exceeds max or memory runs out. */
static inline uint8_t *tp_buf_grow(uint8_t *buf, size_t *cap, size_t need, size_t first, size_t max)
{
    if (need <= *cap)
        return buf;
    if (need > max)
        return NULL;
    size_t nc = *cap ? *cap : first;
    while (nc < need)
        nc *= 2;
    if (nc > max)
        nc = max;
    uint8_t *p = realloc(buf, nc);
    if (p)
        *cap = nc;
    return p;
}

#endif
