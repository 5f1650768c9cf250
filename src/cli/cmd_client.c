/* Commands that talk to a running server: declare (IDA then IDC) and show. */
#include <jansson.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "util/rand.h"

/* an Idempotency-Key; without randomness two keys could collide and a retry be mistaken for
 * another request, so the command stops */
static void new_key(char out[33])
{
    if (rand_hex(out, 16) != 0) {
        fprintf(stderr, "declare: the random number generator failed\n");
        exit(1);
    }
}

static void print_errors(const char *what, int status, const char *body)
{
    json_t *j = json_loads(body, 0, NULL);
    fprintf(stderr, "%s failed: HTTP %d\n", what, status);
    json_t *errs = json_object_get(j, "errors"), *e;
    size_t i;
    if (json_is_array(errs))
        json_array_foreach(errs, i, e)
        {
            fprintf(stderr, "  %s %s: %s\n", json_string_value(json_object_get(e, "code")),
                    json_string_value(json_object_get(e, "path")),
                    json_string_value(json_object_get(e, "message")));
        }
    else
        fprintf(stderr, "  %s\n", body);
    json_decref(j);
}

int cmd_declare(int argc, char **argv)
{
    const char *server = cli_opt(argc, argv, "--server"), *token = cli_opt(argc, argv, "--token");
    const char *file = argc > 1 ? argv[argc - 1] : NULL;
    if (!server || !token || !file || file[0] == '-') {
        fprintf(stderr, "usage: ecustoms declare --server URL --token TOKEN FILE.json\n");
        return 2;
    }
    json_error_t je;
    json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        fprintf(stderr, "%s:%d:%d: %s\n", file, je.line, je.column, je.text);
        return 1;
    }
    char *body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    client *c = client_new(server, token);
    char key[33], path[128];
    new_key(key);
    int st = client_call(c, "POST", "/api/v1/declarations", body, key);
    free(body);
    if (st != 201) {
        print_errors("declaration (IDA)", st, client_body(c));
        client_free(c);
        return 1;
    }
    json_t *r = json_loads(client_body(c), 0, NULL);
    snprintf(path, sizeof path, "/api/v1/declarations/%s/register",
             json_string_value(json_object_get(r, "id")));
    json_decref(r);
    new_key(key);
    st = client_call(c, "POST", path, NULL, key);
    if (st != 200) {
        print_errors("registration (IDC)", st, client_body(c));
        client_free(c);
        return 1;
    }
    r = json_loads(client_body(c), 0, NULL);
    printf("%s %s\n", json_string_value(json_object_get(r, "number")),
           json_string_value(json_object_get(r, "channel")));
    json_decref(r);
    client_free(c);
    return 0;
}

int cmd_show(int argc, char **argv)
{
    const char *server = cli_opt(argc, argv, "--server"), *token = cli_opt(argc, argv, "--token");
    const char *number = argc > 1 ? argv[argc - 1] : NULL;
    char path[128];
    if (!server || !token || !number || number[0] == '-' || strlen(number) > 40) {
        fprintf(stderr, "usage: ecustoms show --server URL --token TOKEN NUMBER\n");
        return 2;
    }
    client *c = client_new(server, token);
    snprintf(path, sizeof path, "/api/v1/declarations/%s", number);
    int st = client_call(c, "GET", path, NULL, NULL);
    if (st != 200) {
        print_errors("show", st, client_body(c));
        client_free(c);
        return 1;
    }
    json_t *r = json_loads(client_body(c), 0, NULL);
    char *pretty = json_dumps(r, JSON_INDENT(2));
    printf("%s\n", pretty);
    free(pretty);
    json_decref(r);
    client_free(c);
    return 0;
}
