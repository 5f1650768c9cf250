/* ecustoms barcode verify: checks a scanned 2-D declaration barcode offline, with only the
 * customs public key (GET /api/v1/barcodes/public-key) — no connection to the system needed. */
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "service/barcodes.h"
#include "service/manifests.h"
#include "service/barcodes.h"
#include "util/file.h"
#include "util/keyfile.h"
#include "util/ecdsa.h"

int cmd_barcode(int argc, char **argv)
{
    const char *keyfile = cli_opt(argc, argv, "--public-key");
    const char *payload = argc > 2 ? argv[argc - 1] : NULL;
    if (argc < 3 || strcmp(argv[1], "verify") != 0 || !keyfile || !payload || payload == keyfile) {
        fprintf(stderr, "usage: ecustoms barcode verify --public-key PEM_FILE PAYLOAD\n");
        return 2;
    }
    char *pem = file_read_all(keyfile, NULL);
    EVP_PKEY *k = pem ? ecdsa_parse_p256_pem(pem) : NULL;
    free(pem);
    if (!k) {
        fprintf(stderr, "%s: not an ECDSA P-256 public key in PEM\n", keyfile);
        return 2;
    }
    barcode_payload *bp = calloc(1, sizeof *bp);
    char why[160] = "";
    int rc = bp ? barcode_payload_verify(k, payload, bp, why, sizeof why) : -1;
    EVP_PKEY_free(k);
    if (rc != 0) {
        fprintf(stderr, "invalid: %s\n", why[0] ? why : "out of memory");
        free(bp);
        return 1;
    }
    printf("declaration %s\nstatus at issue %s\nenterprise %s\ncontainers %s\nissued at %s\n",
           bp->number, bp->status, bp->enterprise, bp->containers, bp->issued_at);
    printf("%s\n", bp->signature_valid ? "signature: valid (signed by customs)"
                                       : "signature: INVALID (forged or altered)");
    rc = bp->signature_valid ? 0 : 1;
    free(bp);
    return rc;
}

/* ---- key generate ------------------------------------------------------------------------- */

int cli_key_generate(const char *path)
{
    char err[300];
    EVP_PKEY *k = EVP_EC_gen("P-256");
    int rc = k ? keyfile_create(path, k, err, sizeof err) : -1;
    EVP_PKEY_free(k);
    if (rc != 0) {
        fprintf(stderr, "key generate: %s\n", k ? err : "cannot generate a P-256 key");
        return 1;
    }
    return 0;
}

/* ecustoms key generate --out FILE: the QR signing key for `serve --signing-key FILE`, in a file
 * of mode 0600 owned by whoever runs this (run it as the service's user). Never overwrites. */
int cmd_key(int argc, char **argv)
{
    const char *out = cli_opt(argc, argv, "--out");
    if (argc < 2 || strcmp(argv[1], "generate") != 0 || !out) {
        fprintf(stderr, "usage: ecustoms key generate --out FILE\n");
        return 2;
    }
    if (cli_key_generate(out) != 0)
        return 1;
    printf("QR signing key written to %s (mode 0600)\n", out);
    return 0;
}
