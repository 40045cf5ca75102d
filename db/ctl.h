/* mcx-ctl subcommands: each takes the arguments after its name and returns the exit code
 * (0 ok, 1 operation failed, 2 usage error). */
#ifndef MCX_CTL_H
#define MCX_CTL_H

/* `mcx-ctl milenage ...`: prints every Milenage output for the given inputs. */
int ctl_milenage(int argc, char **argv);
/* `mcx-ctl auts ...`: decodes an AUTS into SQN_MS and checks MAC-S. */
int ctl_auts(int argc, char **argv);
/* `mcx-ctl --db URI subscriber ...`: provisioning of subscribers. */
int ctl_subscriber(const char *db_uri, int argc, char **argv);
/* `mcx-ctl --db URI binding ...`: provisioning of migration bindings. */
int ctl_binding(const char *db_uri, int argc, char **argv);

#endif
