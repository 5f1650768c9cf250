/* e-Payment administration: `ecustoms party key` registers a bank's ECDSA P-256 public key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "store/store.h"
#include "store/store_payments.h"
#include "util/file.h"
#include "util/sig.h"

int cmd_party_key(int argc, char **argv);

typedef struct key_ctx {
    const char *party;
    const char *pem;
    int found, not_bank;
} key_ctx;

static int key_job(db_conn *c, void *ctx)
{
    key_ctx *x = ctx;
    party p;
    x->found = store_party_get(c, x->party, &p);
    if (x->found != 1)
        return x->found < 0 ? x->found : 1;
    if (strcmp(p.kind, "bank") != 0) {
        x->not_bank = 1;
        return 1;
    }
    return store_bank_key_put(c, x->party, x->pem, (int64_t)time(NULL));
}

int cmd_party_key(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db"), *pc = cli_opt(argc, argv, "--party"),
               *pk = cli_opt(argc, argv, "--public-key");
    if (!db || !pc || !pk) {
        fprintf(stderr, "usage: ecustoms party key --db FILE --party CODE --public-key PEM_FILE|PEM\n");
        return 2;
    }
    char *pem = strncmp(pk, "-----BEGIN", 10) == 0 ? strdup(pk) : file_read_all(pk, NULL);
    if (!pem) {
        fprintf(stderr, "--public-key: cannot read %s\n", pk);
        return 2;
    }
    EVP_PKEY *k = sig_parse_p256_pem(pem);
    if (!k) {
        fprintf(stderr, "--public-key: not a PEM EC public key on P-256 (prime256v1)\n");
        free(pem);
        return 2;
    }
    EVP_PKEY_free(k);
    store *st;
    if (store_open(db, &st) != 0) {
        free(pem);
        return 1;
    }
    key_ctx x = {.party = pc, .pem = pem};
    int rc = store_write(st, key_job, &x);
    store_close(st);
    free(pem);
    if (x.found == 0) {
        fprintf(stderr, "no party with tax code %s (add it with `ecustoms party add ... --bank`)\n", pc);
        return 1;
    }
    if (x.not_bank) {
        fprintf(stderr, "party %s is not a bank (add it with `ecustoms party add ... --bank`)\n", pc);
        return 1;
    }
    if (rc != 0) {
        fprintf(stderr, "cannot store the key\n");
        return 1;
    }
    printf("%s\n", pc);
    return 0;
}
