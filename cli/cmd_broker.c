/* cmd_broker.c -- `canbao broker`: the embedded Kafka broker in the
 * foreground, until SIGINT or SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cb_broker.h"
#include "cb_commands.h"
#include "cb_kafka.h"
#include "cb_log.h"

static const struct option broker_opts[] = {
    {"partitions", required_argument, NULL, 'p'},
    {"nodes", required_argument, NULL, 'n'},
    {"bootstrap-file", required_argument, NULL, 'B'},
    {"control", required_argument, NULL, 'C'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_broker = {
    .name = "broker",
    .synopsis = "",
    .summary = "Runs the embedded Kafka broker in the foreground.",
    .description =
        "librdkafka's mock cluster, speaking the Kafka protocol on loopback,\n"
        "with canbao's topics created.  Its first line on stdout is\n"
        "bootstrap=HOST:PORT.  Messages live in memory only, and each\n"
        "partition keeps about 5 MB before the oldest are dropped: for\n"
        "development, demos and tests, not production.",
    .options_help =
        "  -p, --partitions N            partitions of each topic (default 16, "
        "or\n"
        "                                'partitions' in the config file)\n"
        "  -n, --nodes N                 brokers in the cluster (default 1)\n"
        "  -B, --bootstrap-file F        also write bootstrap=HOST:PORT to F\n"
        "  -C, --control FIFO            read fault-injection commands from "
        "FIFO\n"
        "                                (created if absent), one per line:\n"
        "                                down [ID], up [ID], rtt MS [ID],\n"
        "                                error API ERR [COUNT], clear API\n",
    .shortopts = "p:n:B:C:",
    .longopts = broker_opts,
    .min_args = 0,
    .max_args = 0,
};

typedef struct broker_args {
    long partitions; /* -1: not given */
    long nodes;
    const char *bootstrap_file;
    const char *control;
} broker_args;

static int on_opt(void *opaque, int opt, const char *arg, char *errstr,
                  size_t errstr_size)
{
    broker_args *a = opaque;

    switch (opt) {
    case 'p':
        return cb_cli_parse_int(arg, "--partitions", 1, 256, &a->partitions,
                                errstr, errstr_size);
    case 'n':
        return cb_cli_parse_int(arg, "--nodes", 1, 9, &a->nodes, errstr,
                                errstr_size);
    case 'B':
        a->bootstrap_file = arg;
        return 0;
    case 'C':
        a->control = arg;
        return 0;
    }
    return -1;
}

/* Writes the bootstrap line to a file by way of a temporary file and a
 * rename, so that a reader never sees half a line. */
static int write_bootstrap_file(const char *path, const char *line)
{
    char tmp[4096];
    FILE *fp;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
                         (long)getpid()) >= sizeof(tmp))
        return -1;
    fp = fopen(tmp, "w");
    if (fp == NULL)
        return -1;
    if (fprintf(fp, "%s\n", line) < 0 || fclose(fp) != 0) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Opens the control FIFO for reading without blocking on a writer: opened
 * read-write, it never reports end of file when a writer closes. */
static int open_control(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        if (mkfifo(path, 0600) != 0)
            return -1;
    } else if (!S_ISFIFO(st.st_mode)) {
        errno = EINVAL;
        return -1;
    }
    return open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
}

/* Runs every complete line in buf; keeps the incomplete tail. */
static void run_control_lines(cb_broker *broker, char *buf, size_t *len)
{
    char *start = buf, *nl;

    while ((nl = memchr(start, '\n', *len - (size_t)(start - buf))) != NULL) {
        char reply[256];
        *nl = '\0';
        if (*start != '\0') {
            if (cb_broker_control(broker, start, reply, sizeof(reply)) == 0)
                printf("control: ok: %s\n", reply);
            else
                printf("control: error: %s\n", reply);
            fflush(stdout);
        }
        start = nl + 1;
    }
    *len -= (size_t)(start - buf);
    memmove(buf, start, *len);
}

int cb_cmd_broker(int argc, char **argv)
{
    broker_args a = {-1, 1, NULL, NULL};
    cb_cli cli;
    cb_broker *broker = NULL;
    char err[512], line[512], ctl[1024];
    size_t ctl_len = 0;
    int rc, fd = -1;

    rc = cb_cli_parse(&cli, &cb_spec_broker, argc, argv, on_opt, &a);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    if (a.partitions < 0) {
        const char *p = cb_config_get(&cli.cfg, "partitions");
        a.partitions = CB_TOPIC_PARTITIONS;
        if (p != NULL &&
            cb_cli_parse_int(p, "partitions", 1, 256, &a.partitions, err,
                             sizeof(err)) != 0) {
            cb_cli_term(&cli);
            return cb_cli_usage_error(&cb_spec_broker, "%s", err);
        }
    }

    cb_cli_catch_stop_signals();

    broker = cb_broker_new((int)a.nodes, (int)a.partitions, err, sizeof(err));
    if (broker == NULL) {
        rc = cb_cli_fail(&cb_spec_broker, "%s", err);
        goto out;
    }
    snprintf(line, sizeof(line), "bootstrap=%s", cb_broker_bootstraps(broker));
    printf("%s\n", line);
    fflush(stdout);
    if (a.bootstrap_file != NULL &&
        write_bootstrap_file(a.bootstrap_file, line) != 0) {
        rc = cb_cli_fail(&cb_spec_broker, "cannot write %s: %s",
                         a.bootstrap_file, strerror(errno));
        goto out;
    }
    if (a.control != NULL) {
        fd = open_control(a.control);
        if (fd < 0) {
            rc = cb_cli_fail(&cb_spec_broker,
                             "cannot open control FIFO %s: "
                             "%s",
                             a.control, strerror(errno));
            goto out;
        }
    }
    cb_info("embedded broker: %ld node(s), %ld partitions per topic; "
            "in memory only, about 5 MB kept per partition",
            a.nodes, a.partitions);

    while (!cb_cli_stop_requested()) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int n = poll(&pfd, fd >= 0 ? 1 : 0, 200);
        if (n > 0 && (pfd.revents & POLLIN)) {
            ssize_t r = read(fd, ctl + ctl_len, sizeof(ctl) - 1 - ctl_len);
            if (r > 0) {
                ctl_len += (size_t)r;
                run_control_lines(broker, ctl, &ctl_len);
                if (ctl_len == sizeof(ctl) - 1) /* a line too long */
                    ctl_len = 0;
            }
        }
    }
    cb_info("embedded broker: stopping");
    rc = CB_EXIT_OK;
out:
    if (fd >= 0)
        close(fd);
    if (a.bootstrap_file != NULL && broker != NULL)
        unlink(a.bootstrap_file); /* clients must not find a dead address */
    cb_broker_free(broker);
    cb_cli_term(&cli);
    return rc;
}
