/* canbao.c -- main: finds the subcommand and hands it argv, git style. */
#include <stdio.h>
#include <string.h>

#include "cb_commands.h"
#include "cb_log.h"

#ifndef CANBAO_VERSION
#define CANBAO_VERSION "0.1.0"
#endif

typedef struct command {
    const cb_cli_spec *spec;
    int (*run)(int argc, char **argv);
} command;

#define CMD(name)                                                              \
    {                                                                          \
        &cb_spec_##name, cb_cmd_##name                                         \
    }

/* In the order of the contract, then the operator's tools. */
static const command commands[] = {
    CMD(broker),  CMD(produce), CMD(load),   CMD(targets), CMD(match),
    CMD(leads),   CMD(lead),    CMD(alerts), CMD(reviews), CMD(review),
    CMD(report),  CMD(web),     CMD(user),   CMD(gen),     CMD(tail),
    CMD(avro),    CMD(idkey),
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_help(FILE *fp)
{
    fprintf(fp,
            "Usage: canbao COMMAND [OPTIONS] [ARGS]\n\n"
            "canbao finds the people and employers missing from basic social\n"
            "insurance, and the claims that should not be paid, from "
            "government\nfeeds on Kafka and enrollment state in Redis.\n\n"
            "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(fp, "  %-9s %s\n", commands[i].spec->name,
                commands[i].spec->summary);
    fprintf(fp, "\n'canbao COMMAND --help' tells more of each.  Every "
                "command takes -b/--brokers,\n-r/--redis, -c/--config and "
                "-X key=value (see any command's --help).\n"
                "Exit status: 0 success, 1 runtime failure, 2 bad usage.\n");
}

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].spec->name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    const command *cmd;

    cb_log_setup("canbao", CB_LOG_INFO);
    if (argc < 2) {
        print_help(stderr);
        return CB_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        print_help(stdout);
        return CB_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("canbao %s\n", CANBAO_VERSION);
        return CB_EXIT_OK;
    }
    if (strcmp(argv[1], "help") == 0 && argc == 3) {
        cmd = find_command(argv[2]);
        if (cmd == NULL)
            goto unknown;
        cb_cli_print_help(cmd->spec);
        return CB_EXIT_OK;
    }
    cmd = find_command(argv[1]);
    if (cmd == NULL)
        goto unknown;
    return cmd->run(argc - 1, argv + 1);

unknown:
    fprintf(stderr, "canbao: unknown command '%s'\nTry 'canbao --help'.\n",
            argv[argc == 3 && strcmp(argv[1], "help") == 0 ? 2 : 1]);
    return CB_EXIT_USAGE;
}
