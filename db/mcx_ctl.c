/* mcx-ctl: provisioning and debugging tool (subscribers, bindings, Milenage, AUTS). */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mcx-ctl COMMAND [OPTIONS]\n"
                 "  milenage --k HEX (--op HEX | --opc HEX) --rand HEX --sqn HEX --amf HEX\n"
                 "  auts --k HEX (--op HEX | --opc HEX) --rand HEX --auts HEX|BASE64\n"
                 "  --db URI subscriber add|update|remove|show|list|import|export ...\n"
                 "  --db URI binding add|remove|show|list|import|export ...\n"
                 "  --help | --version\n");
}

int main(int argc, char **argv)
{
    const char *db_uri = NULL;
    int arg = 1;
    while (arg < argc && strcmp(argv[arg], "--db") == 0) {
        if (arg + 1 >= argc) {
            fprintf(stderr,
                    "mcx-ctl: --db needs a URI (sqlite:PATH, a file path or mongodb://...)\n");
            return 2;
        }
        db_uri = argv[arg + 1];
        arg += 2;
    }
    if (arg >= argc) {
        usage(stderr);
        return 2;
    }
    const char *command = argv[arg];
    int sub_argc = argc - arg - 1;
    char **sub_argv = argv + arg + 1;
    if (strcmp(command, "--help") == 0 || strcmp(command, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(command, "--version") == 0) {
        printf("mcx-ctl %s\n", MCX_VERSION);
        return 0;
    }
    if (strcmp(command, "milenage") == 0)
        return ctl_milenage(sub_argc, sub_argv);
    if (strcmp(command, "auts") == 0)
        return ctl_auts(sub_argc, sub_argv);
    if (strcmp(command, "subscriber") == 0 || strcmp(command, "binding") == 0) {
        if (!db_uri) {
            fprintf(stderr, "mcx-ctl: %s needs --db URI before the command\n", command);
            return 2;
        }
        return command[0] == 's' ? ctl_subscriber(db_uri, sub_argc, sub_argv)
                                 : ctl_binding(db_uri, sub_argc, sub_argv);
    }
    fprintf(stderr, "mcx-ctl: unknown command '%s' (try --help)\n", command);
    return 2;
}
