#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "core/tariff_import.h"
int cmd_tariff(int argc, char **argv)
{
    import_stats st;
    if (argc > 1 && strcmp(argv[1], "import") == 0)
        return tariff_import(cli_opt(argc, argv, "--from"), cli_opt(argc, argv, "--procedures"), cli_opt(argc, argv, "--out"), &st, stdout) ? 1 : 0;
    return 2;
}
int cmd_quote(int argc, char **argv) { (void)argc; (void)argv; return 1; }
