#include "http/checks.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void http_framing_add(http_framing *f, const char *name, const char *value)
{
    if (!name || !value)
        return;
    if (!strcasecmp(name, "Content-Length")) {
        if (f->n_length++ == 0)
            f->first_length = value;
        else if (strcmp(f->first_length, value) != 0)
            f->lengths_differ = 1;
    } else if (!strcasecmp(name, "Transfer-Encoding")) {
        f->n_te++;
        f->chunked = 1;
    }
}

const char *http_framing_problem(const http_framing *f)
{
    if (f->lengths_differ)
        return "two different Content-Length headers";
    if (f->n_length && f->chunked)
        return "Content-Length together with Transfer-Encoding";
    if (f->n_te > 1)
        return "more than one Transfer-Encoding header";
    return NULL;
}
