/* Subcommands of the single `ecustoms` binary. Each returns a process exit status
 * (0 ok, 1 failure, 2 usage error) and prints its own diagnostics to stderr. */
#ifndef ECUSTOMS_CLI_H
#define ECUSTOMS_CLI_H

#include <jansson.h>

int cmd_db(int argc, char **argv);         /* db init --db FILE [--demo] | db migrate | db seed */
int cmd_db_migrate(int argc, char **argv); /* db migrate --db FILE (cmd_db.c) */
int cmd_db_seed(int argc, char **argv);    /* db seed --db FILE --declarations N (cmd_db.c) */
int cmd_serve(int argc, char **argv);      /* serve --db FILE --listen HOST:PORT */
int cmd_party(int argc, char **argv);      /* party add ... */
int cmd_token(int argc, char **argv);      /* token create ... */
int cmd_agency(int argc, char **argv);     /* agency bind --db FILE --party CODE --agency CODE */
int cmd_declare(int argc, char **argv);    /* declare --server URL --token T FILE.json */
int cmd_show(int argc, char **argv);       /* show --server URL --token T NUMBER */
int cmd_tariff(int argc, char **argv);     /* tariff show|search|import */
int cmd_quote(int argc, char **argv);      /* quote FILE.json */
int cmd_load(int argc, char **argv);       /* load --server URL --token T --rate N --duration S */
int cmd_invalidate(int argc, char **argv); /* invalidate --db FILE: the 15-day rule, for cron */
int cmd_audit(int argc, char **argv);      /* audit verify --db FILE */
int cmd_mandate(int argc, char **argv);    /* mandate grant|revoke --db FILE (cmd_mandate.c) */
int cmd_routes(int argc, char **argv);     /* routes: the HTTP route table (cmd_routes.c) */
int cmd_barcode(int argc, char **argv);    /* barcode verify --public-key PEM PAYLOAD */
int cmd_key(int argc, char **argv);        /* key generate --out FILE */
/* A new P-256 QR signing key in a new file of mode 0600; 0 or 1 (message on stderr). */
int cli_key_generate(const char *path);
int cmd_risk(int argc, char **argv); /* risk train|models|activate|import-history|evaluate */
int cmd_post_clearance(int argc,
                       char **argv);   /* audit candidates|open|cases|findings|assess --db FILE */
int cmd_office(int argc, char **argv); /* office add|list --db FILE: Vietnam's customs offices */

int cmd_user(int argc, char **argv); /* user add --db FILE --party CODE --username U ... */
/* cmd_user.c: tokens issued to a person, revocation, expiry of machine tokens, demo people */
int cli_token_for_user(int argc, char **argv);
int cli_token_revoke(int argc, char **argv);
long long cli_expiry_at(const char *expires_in); /* now + N[s|m|h|d], or -1 */
int cli_demo_people(void *store);

/* Small shared option helper: returns the value following `name` in argv, or NULL. */
const char *cli_opt(int argc, char **argv, const char *name);
/* 1 if the flag `name` is present in argv. */
int cli_flag(int argc, char **argv, const char *name);
/* A service reply's errors on stderr, one "code path: message" a line. */
void cli_print_errors(json_t *body);
/* The data directory: $ECUSTOMS_DATA, else the one compiled in. */
const char *cli_data_dir(void);

#endif
