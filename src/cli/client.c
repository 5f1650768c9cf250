#include "cli/client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct client {
    CURL *h;
    char base[256];
    char auth[300];
    char *buf;
    size_t len, cap;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    client *c = ud;
    size_t add = size * n;
    if (c->len + add + 1 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8192;
        while (cap < c->len + add + 1)
            cap *= 2;
        char *nb = realloc(c->buf, cap);
        if (!nb)
            return 0;
        c->buf = nb;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, p, add);
    c->len += add;
    c->buf[c->len] = 0;
    return add;
}

static const char *source_address;

void client_set_source_address(const char *ip) { source_address = ip; }

client *client_new(const char *base_url, const char *token)
{
    client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->h = curl_easy_init();
    snprintf(c->base, sizeof c->base, "%s", base_url);
    size_t n = strlen(c->base);
    while (n && c->base[n - 1] == '/')
        c->base[--n] = 0;
    snprintf(c->auth, sizeof c->auth, "Authorization: Bearer %s", token ? token : "");
    return c;
}

void client_free(client *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->h);
    free(c->buf);
    free(c);
}

int client_call(client *c, const char *method, const char *path, const char *body, const char *idem)
{
    char url[512], idem_h[200];
    struct curl_slist *hdr = NULL;
    long status = -1;
    snprintf(url, sizeof url, "%s%s", c->base, path);
    c->len = 0;
    if (c->buf)
        c->buf[0] = 0;
    curl_easy_reset(c->h);
    curl_easy_setopt(c->h, CURLOPT_URL, url);
    curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT, 60L);
    if (source_address)
        curl_easy_setopt(c->h, CURLOPT_INTERFACE, source_address);
    hdr = curl_slist_append(hdr, c->auth);
    hdr = curl_slist_append(hdr, "Expect:");
    if (body) {
        hdr = curl_slist_append(hdr, "Content-Type: application/json");
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    if (idem) {
        snprintf(idem_h, sizeof idem_h, "Idempotency-Key: %s", idem);
        hdr = curl_slist_append(hdr, idem_h);
    }
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hdr);
    if (curl_easy_perform(c->h) == CURLE_OK)
        curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    return (int)status;
}

const char *client_body(const client *c) { return c->buf ? c->buf : ""; }
