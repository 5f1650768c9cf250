/* ecustoms barcode verify: checks a scanned 2-D declaration barcode offline, with only the
 * customs public key (GET /api/v1/barcodes/public-key) — no connection to the system needed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "service/manifests.h"
#include "service/barcodes.h"
#include "util/file.h"
#include "util/sig.h"

int cmd_barcode(int argc, char **argv)
{
    const char *keyfile = cli_opt(argc, argv, "--public-key");
    const char *payload = argc > 2 ? argv[argc - 1] : NULL;
    if (argc < 3 || strcmp(argv[1], "verify") != 0 || !keyfile || !payload || payload == keyfile) {
        fprintf(stderr, "usage: ecustoms barcode verify --public-key PEM_FILE PAYLOAD\n");
        return 2;
    }
    char *pem = file_read_all(keyfile, NULL);
    EVP_PKEY *k = pem ? sig_parse_p256_pem(pem) : NULL;
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
