#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int slots_alloc(strmap *m, size_t n)
{
    strmap_slot *s = malloc(n * sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++)
        s[i].index = -1;
    m->slots = s;
    m->n_slots = n;
    return 0;
}

int strmap_init(strmap *m, size_t expected)
{
    memset(m, 0, sizeof *m);
    size_t n = 64;
    while (n < expected * 2)
        n <<= 1;
    return slots_alloc(m, n);
}

void strmap_free(strmap *m)
{
    free(m->slots);
    free(m->arena);
    memset(m, 0, sizeof *m);
}

static size_t probe(const strmap *m, uint64_t h, const char *key, size_t len)
{
    size_t mask = m->n_slots - 1, i = (size_t)h & mask;
    for (;;) {
        const strmap_slot *s = &m->slots[i];
        if (s->index < 0 ||
            (s->hash == h && s->key_len == len && memcmp(m->arena + s->key_off, key, len) == 0))
            return i;
        i = (i + 1) & mask;
    }
}

int32_t strmap_find(const strmap *m, const char *key, size_t len)
{
    if (!m->slots)
        return -1;
    return m->slots[probe(m, fnv1a(key, len), key, len)].index;
}

static int grow(strmap *m)
{
    strmap old = *m;
    if (slots_alloc(m, old.n_slots * 2) != 0) {
        *m = old;
        return -1;
    }
    for (size_t i = 0; i < old.n_slots; i++) {
        if (old.slots[i].index < 0)
            continue;
        size_t mask = m->n_slots - 1, j = (size_t)old.slots[i].hash & mask;
        while (m->slots[j].index >= 0)
            j = (j + 1) & mask;
        m->slots[j] = old.slots[i];
    }
    free(old.slots);
    return 0;
}

int32_t strmap_intern(strmap *m, const char *key, size_t len, int *created)
{
    *created = 0;
    if (!m->slots || len > UINT32_MAX || m->count >= INT32_MAX)
        return -1;
    uint64_t h = fnv1a(key, len);
    size_t i = probe(m, h, key, len);
    if (m->slots[i].index >= 0)
        return m->slots[i].index;
    if (m->arena_len + len > m->arena_cap) {
        size_t cap = m->arena_cap ? m->arena_cap * 2 : 4096;
        while (cap < m->arena_len + len)
            cap *= 2;
        if (cap > UINT32_MAX)
            return -1;
        char *a = realloc(m->arena, cap);
        if (!a)
            return -1;
        m->arena = a;
        m->arena_cap = cap;
    }
    if ((m->count + 1) * 10 > m->n_slots * 7) { /* keep the load under 70 % */
        if (grow(m) != 0)
            return -1;
        i = probe(m, h, key, len);
    }
    memcpy(m->arena + m->arena_len, key, len);
    m->slots[i] = (strmap_slot){.hash = h,
                                .key_off = (uint32_t)m->arena_len,
                                .key_len = (uint32_t)len,
                                .index = (int32_t)m->count};
    m->arena_len += len;
    *created = 1;
    return (int32_t)m->count++;
}
