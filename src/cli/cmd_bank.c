/* e-Payment administration: `ecustoms party key` registers a bank's ECDSA P-256 public key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "service/admin.h"
#include "util/file.h"
#include "util/ecdsa.h"

int cmd_party_key(int argc, char **argv);

int cmd_party_key(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db"), *pc = cli_opt(argc, argv, "--party"),
               *pk = cli_opt(argc, argv, "--public-key");
    if (!db || !pc || !pk) {
        fprintf(stderr,
                "usage: ecustoms party key --db FILE --party CODE --public-key PEM_FILE|PEM\n");
        return 2;
    }
    char *pem = strncmp(pk, "-----BEGIN", 10) == 0 ? strdup(pk) : file_read_all(pk, NULL);
    if (!pem) {
        fprintf(stderr, "--public-key: cannot read %s\n", pk);
        return 2;
    }
    EVP_PKEY *k = ecdsa_parse_p256_pem(pem);
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
    svc_req admin = svc_admin_cli();
    svc_code rc = svc_admin_bank_key_put(st, &admin, pc, pem);
    store_close(st);
    free(pem);
    if (rc == SVC_NOT_FOUND) {
        fprintf(stderr, "no party with tax code %s (add it with `ecustoms party add ... --bank`)\n",
                pc);
        return 1;
    }
    if (rc == SVC_CONFLICT) {
        fprintf(stderr, "party %s is not a bank (add it with `ecustoms party add ... --bank`)\n",
                pc);
        return 1;
    }
    if (rc != SVC_OK) {
        fprintf(stderr, "cannot store the key\n");
        return 1;
    }
    printf("%s\n", pc);
    return 0;
}
