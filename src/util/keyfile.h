/* Private keys in files readable only by the service (never in the database: a copy of the
 * database, a backup or a read-only replica must not be able to sign). */
#ifndef ECUSTOMS_UTIL_KEYFILE_H
#define ECUSTOMS_UTIL_KEYFILE_H

#include <openssl/evp.h>
#include <stddef.h>

/* Writes k as unencrypted PKCS#8 PEM to a NEW file of mode 0600 (never overwrites: EEXIST is
 * returned as -2 so a racing creator's key is used instead). 0, -1 (err says why) or -2. */
int keyfile_create(const char *path, EVP_PKEY *k, char *err, size_t n);
/* Reads a private key from path; refuses a file that is not regular or that group or others can
 * read or write (mode & 077), like ssh does. NULL with err set. */
EVP_PKEY *keyfile_load(const char *path, char *err, size_t n);

#endif
