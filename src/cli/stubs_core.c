/* Placeholder for commands of the clearance core, replaced as they land. */
#include <stdio.h>

#include "cli/cli.h"

#define STUB(fn)                                      \
    int fn(int argc, char **argv)                     \
    {                                                 \
        (void)argc;                                   \
        (void)argv;                                   \
        fprintf(stderr, #fn ": not built yet\n");     \
        return 1;                                     \
    }
STUB(cmd_db)
STUB(cmd_serve)
STUB(cmd_party)
STUB(cmd_token)
STUB(cmd_declare)
STUB(cmd_show)
STUB(cmd_load)
STUB(cmd_invalidate)
