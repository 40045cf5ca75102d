/* mcx-ctl binding: placeholder until the store lands (replaced in issue 3). */
#include <stdio.h>

#include "ctl.h"

int ctl_binding(const char *db_uri, int argc, char **argv)
{
    (void)db_uri;
    (void)argc;
    (void)argv;
    fprintf(stderr, "mcx-ctl: binding is not implemented yet\n");
    return 2;
}
