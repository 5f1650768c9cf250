/* Placeholder until the tariff/tax work lands (branch `tax`); replaced by cmd_tariff.c. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_tariff(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "tariff: not built yet\n");
    return 1;
}

int cmd_quote(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "quote: not built yet\n");
    return 1;
}
