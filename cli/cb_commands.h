/* cb_commands.h -- the subcommands of canbao, each in its own cli/cmd_*.c
 * over the libraries it drives, listed here for main(). */
#ifndef CB_COMMANDS_H
#define CB_COMMANDS_H

#include "cb_cli.h"

#define CB_COMMAND(name)                                                       \
    extern const cb_cli_spec cb_spec_##name;                                   \
    int cb_cmd_##name(int argc, char **argv)

CB_COMMAND(broker);
CB_COMMAND(produce);
CB_COMMAND(load);
CB_COMMAND(targets);
CB_COMMAND(match);
CB_COMMAND(leads);
CB_COMMAND(lead);
CB_COMMAND(alerts);
CB_COMMAND(reviews);
CB_COMMAND(review);
CB_COMMAND(report);
CB_COMMAND(web);
CB_COMMAND(user);
CB_COMMAND(gen);
CB_COMMAND(tail);
CB_COMMAND(avro);
CB_COMMAND(idkey);

#endif
