/* mcx-ctl milenage / auts: placeholder until the AKA library lands (replaced in issue 2). */
#include <stdio.h>

#include "ctl.h"

int ctl_milenage(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "mcx-ctl: milenage is not implemented yet\n");
    return 2;
}

int ctl_auts(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "mcx-ctl: auts is not implemented yet\n");
    return 2;
}
