/* ecustoms: one binary, many subcommands (docs/architecture.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/db.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *usage;
} commands[] = {
    {"db", cmd_db,
     "db init --db FILE [--demo] [--signing-key FILE] | db migrate --db FILE | db seed --db FILE "
     "--declarations N [--seed S] [--append]"},
    {"serve", cmd_serve,
     "serve --db FILE --listen 127.0.0.1:PORT [--max-connections N] [--max-connections-per-address "
     "N] [--request-timeout S] [--tls-cert PEM --tls-key PEM] [--allow-plain-http-tokens] "
     "[--signing-key FILE]"},
    {"party", cmd_party,
     "party add --db FILE --tax-code CODE --name NAME [--status S] [--aeo] [--compliance 1..4] "
     "[--overdue-debt-days N] [--bank] | party key --db FILE --party CODE --public-key PEM"},
    {"agency", cmd_agency, "agency bind --db FILE --party CODE --agency MOIT|MIC|MOF|GOV|..."},
    {"token", cmd_token,
     "token create --db FILE --party CODE --role ROLE [--expires-in N[s|m|h|d]] | token create "
     "--db FILE --user USERNAME [--role ROLE] [--expires-in 90d] | token revoke --db FILE TOKEN"},
    {"user", cmd_user,
     "user add --db FILE --party CODE --username U --name NAME --role ROLE[,ROLE] [--office CODE] "
     "[--password-file F] (else stdin)"},
    {"declare", cmd_declare, "declare --server URL --token TOKEN FILE.json"},
    {"show", cmd_show, "show --server URL --token TOKEN NUMBER"},
    {"tariff", cmd_tariff,
     "tariff show HS8 [--origin CC] [--date YYYY-MM-DD] [--json] | tariff search TEXT | tariff "
     "import ..."},
    {"quote", cmd_quote, "quote FILE.json [--date YYYY-MM-DD]"},
    {"load", cmd_load,
     "load --server URL --token TOKEN --rate N --duration S [--items-min A --items-max B] "
     "[--source-address IP]"},
    {"invalidate", cmd_invalidate, "invalidate --db FILE [--date YYYY-MM-DD]"},
    {"audit", cmd_audit,
     "audit verify --db FILE | audit candidates --db FILE [--limit N] | audit open --db FILE "
     "--declaration NUMBER --reason TEXT | audit cases --db FILE [--status S] | audit findings "
     "--db FILE --case ID --findings TEXT [--violation --additional-tax VND] | audit assess --db "
     "FILE --case ID"},
    {"office", cmd_office,
     "office add --db FILE --code CODE --name NAME [--province P] [--closed] | office list --db "
     "FILE"},
    {"routes", cmd_routes, "routes (the HTTP route table: method, pattern, access)"},
    {"mandate", cmd_mandate,
     "mandate grant|revoke --db FILE --enterprise TAX_CODE --declarant TAX_CODE [--from D] [--to "
     "D]"},
    {"key", cmd_key, "key generate --out FILE"},
    {"barcode", cmd_barcode, "barcode verify --public-key PEM_FILE PAYLOAD"},
    {"risk", cmd_risk,
     "risk train --db FILE [--no-activate] | risk models --db FILE [--json] | risk activate --db "
     "FILE VERSION | risk import-history --db FILE --csv FILE[,FILE] [--no-outcomes] | risk "
     "evaluate --train FILE[,FILE] --test FILE [--json]"},
};

const char *cli_opt(int argc, char **argv, const char *name)
{
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

int cli_flag(int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

void cli_print_errors(json_t *body)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(body, "errors"), i, e)
        fprintf(stderr, "%s %s: %s\n", json_string_value(json_object_get(e, "code")),
                json_string_value(json_object_get(e, "path")),
                json_string_value(json_object_get(e, "message")));
}

const char *cli_data_dir(void)
{
    const char *d = getenv("ECUSTOMS_DATA");
    return d && *d ? d : ECUSTOMS_DATA_DIR;
}

static void usage(void)
{
    fprintf(stderr, "usage: ecustoms COMMAND ...\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(stderr, "  ecustoms %s\n", commands[i].usage);
    fprintf(stderr,
            "A --db is a SQLite file path or a postgresql://USER@HOST:PORT[,HOST:PORT...]/DB URI;\n"
            "with PostgreSQL every command also takes --state-dir DIR (or $ECUSTOMS_STATE_DIR):\n"
            "the folder of the database's audit key, audit log and QR signing key.\n");
}

static int is_help(const char *a) { return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0; }

int main(int argc, char **argv)
{
    if (argc < 2 || is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        usage();
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("ecustoms %s\n", ECUSTOMS_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        /* `ecustoms COMMAND ... --help` answers for every command here, before the command
         * could take "--help" for an argument (a file to open, a value) */
        for (int k = 2; k < argc; k++)
            if (is_help(argv[k])) {
                printf("usage: ecustoms %s\n", commands[i].usage);
                return 0;
            }
        /* where a PostgreSQL database's audit key, audit log and signing key live (store/db.h):
         * one option for every command that takes --db */
        const char *state = cli_opt(argc, argv, "--state-dir");
        if (state)
            db_state_dir_set(state);
        return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "ecustoms: unknown command '%s'\n", argv[1]);
    usage();
    return 2;
}
