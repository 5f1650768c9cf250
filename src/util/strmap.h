/* String interning map: each distinct key gets a dense index 0, 1, 2, ... in insertion order, so
 * callers keep their per-key data in a plain array indexed by it (core/risk_features.c keeps the
 * history statistics of every importer, HS code, ... this way). Open addressing, FNV-1a, keys
 * copied into one growing arena; no per-key allocation. Not thread-safe: callers lock. */
#ifndef ECUSTOMS_UTIL_STRMAP_H
#define ECUSTOMS_UTIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct strmap_slot {
    uint64_t hash;
    uint32_t key_off; /* offset of the key in the arena */
    uint32_t key_len;
    int32_t index; /* -1 = empty slot */
} strmap_slot;

typedef struct strmap {
    strmap_slot *slots;
    size_t n_slots; /* power of two */
    size_t count;
    char *arena;
    size_t arena_len, arena_cap;
} strmap;

int strmap_init(strmap *m, size_t expected);
void strmap_free(strmap *m);

/* The index of key, or -1 if absent. */
int32_t strmap_find(const strmap *m, const char *key, size_t len);

/* The index of key, adding it (index = previous count) when absent; *created tells which.
 * -1 when memory runs out (the map is unchanged). */
int32_t strmap_intern(strmap *m, const char *key, size_t len, int *created);

#endif
