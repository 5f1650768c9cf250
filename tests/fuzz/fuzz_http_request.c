/* The request checks made before routing (http/checks.c, util/utf8.c): a raw request head is
 * split the way a proxy would (request line, headers), the URL percent-decoded by
 * libmicrohttpd's own MHD_http_unescape, and the properties the server relies on are checked:
 * the framing verdict is a pure function of the header multiset's Content-Length/Transfer-
 * Encoding values, and utf8_repair always leaves well-formed UTF-8 no longer than before. */
#include "fuzz_common.h"

#include <microhttpd.h>
#include <stdio.h>
#include <strings.h>

#include "http/checks.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = 0;
    http_framing f = {0};
    int n_cl = 0, n_te = 0, cl_differ = 0;
    const char *first_cl = NULL;
    char *save = NULL, *line = strtok_r(buf, "\r\n", &save);
    char *url = NULL;
    if (line) {
        char *sp = strchr(line, ' ');
        if (sp) {
            url = sp + 1;
            char *sp2 = strchr(url, ' ');
            if (sp2)
                *sp2 = 0;
        }
        while ((line = strtok_r(NULL, "\r\n", &save))) {
            char *colon = strchr(line, ':');
            if (!colon)
                continue;
            *colon = 0;
            char *v = colon + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            http_framing_add(&f, line, v);
            if (!strcasecmp(line, "Content-Length")) {
                if (n_cl++ == 0)
                    first_cl = v;
                else if (strcmp(first_cl, v) != 0)
                    cl_differ = 1;
            } else if (!strcasecmp(line, "Transfer-Encoding"))
                n_te++;
        }
    }
    const char *why = http_framing_problem(&f);
    int expect_refused = cl_differ || (n_cl && n_te) || n_te > 1;
    if ((why != NULL) != expect_refused) {
        fprintf(stderr, "framing verdict %s, expected %s\n", why ? why : "ok",
                expect_refused ? "refused" : "ok");
        abort();
    }
    if (url) {
        size_t before = strlen(url);
        MHD_http_unescape(url);
        size_t mid = strlen(url);
        utf8_repair(url);
        if (mid > before || strlen(url) > mid || !utf8_valid(url, strlen(url)))
            abort();
    }
    free(buf);
    return 0;
}
