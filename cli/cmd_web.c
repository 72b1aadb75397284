/* cmd_web.c -- `canbao web`: serves the township workbench (cb_api.h) until
 * stopped, with its lead book loaded from Redis and kept current from
 * canbao.lead.v1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_api.h"
#include "cb_commands.h"
#include "cb_http.h"
#include "cb_leadfeed.h"
#include "cb_log.h"

static const struct option web_opts[] = {
    {"listen", required_argument, NULL, 'l'},
    {"session-idle", required_argument, NULL, 'i'},
    {"no-follow", no_argument, NULL, 'F'},
    {"secure-cookie", no_argument, NULL, 'S'},
    {"origin", required_argument, NULL, 'O'},
    {"conns-per-address", required_argument, NULL, 'C'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_web = {
    .name = "web",
    .synopsis = "",
    .summary = "Serves the township workbench over HTTP.",
    .description =
        "The page (embedded in the program) and its JSON API\n"
        "(docs/COMMANDS.md): the county's progress, each township's\n"
        "lead list with decisions and CSV export, alerts, the audit log.\n"
        "Accounts come from canbao user.  Leads are loaded from Redis and\n"
        "kept current from canbao.lead.v1 (--no-follow: loaded once).\n"
        "Serve it behind a TLS proxy anywhere but on one machine.\n"
        "Config keys: web.listen, web.session_idle, web.secure_cookie,\n"
        "web.origin, web.conns_per_address.",
    .options_help =
        "  -l, --listen HOST:PORT        default 127.0.0.1:8080 (port 0: any "
        "free)\n"
        "      --session-idle SECONDS    sessions end after this long unused "
        "(default\n"
        "                                1800)\n"
        "      --no-follow               do not follow the lead topic\n"
        "      --secure-cookie           the session cookie is sent over "
        "HTTPS only\n"
        "                                (behind a TLS proxy)\n"
        "      --origin URL              the page's origin as browsers see "
        "it\n"
        "                                (https://host[:port]); default "
        "http:// (https://\n"
        "                                with --secure-cookie) and the Host "
        "header\n"
        "      --conns-per-address N     connections one client address may "
        "hold\n"
        "                                (default 32; 0: any, behind a "
        "proxy)\n",
    .shortopts = "l:",
    .longopts = web_opts,
    .min_args = 0,
    .max_args = 0,
};

typedef struct web_args {
    const char *listen;
    long idle_s;
    int no_follow;
    int secure_cookie;
    const char *origin;
    long per_address; /* -1: not given */
} web_args;

static int on_opt(void *opaque, int opt, const char *arg, char *errstr,
                  size_t errstr_size)
{
    web_args *a = opaque;

    switch (opt) {
    case 'l':
        a->listen = arg;
        return 0;
    case 'i':
        return cb_cli_parse_int(arg, "--session-idle", 60, 86400, &a->idle_s,
                                errstr, errstr_size);
    case 'F':
        a->no_follow = 1;
        return 0;
    case 'S':
        a->secure_cookie = 1;
        return 0;
    case 'O':
        a->origin = arg;
        return 0;
    case 'C':
        return cb_cli_parse_int(arg, "--conns-per-address", 0, 10000,
                                &a->per_address, errstr, errstr_size);
    }
    return -1;
}

static int following(void *opaque)
{
    return cb_leadfeed_live(opaque);
}

int cb_cmd_web(int argc, char **argv)
{
    web_args a = {NULL, 0, 0, 0, NULL, -1};
    cb_http_limits limits = {0, 0, 0};
    cb_api *api = NULL;
    cb_leadfeed *feed = NULL;
    cb_http_server *http = NULL;
    cb_cli cli;
    char err[512], host[256];
    int rc, port;

    rc = cb_cli_parse(&cli, &cb_spec_web, argc, argv, on_opt, &a);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    if (a.listen == NULL)
        a.listen = cb_config_get_or(&cli.cfg, "web.listen", "127.0.0.1:8080");
    if (a.origin == NULL)
        a.origin = cb_config_get(&cli.cfg, "web.origin");
    if (a.per_address < 0 && cb_config_get(&cli.cfg, "web.conns_per_address") &&
        cb_cli_parse_int(cb_config_get(&cli.cfg, "web.conns_per_address"),
                         "web.conns_per_address", 0, 10000, &a.per_address,
                         err, sizeof(err)) != 0) {
        rc = cb_cli_usage_error(&cb_spec_web, "%s", err);
        goto out;
    }
    if (a.idle_s == 0 &&
        cb_cli_parse_int(cb_config_get_or(&cli.cfg, "web.session_idle",
                                          "1800"),
                         "web.session_idle", 60, 86400, &a.idle_s, err,
                         sizeof(err)) != 0) {
        rc = cb_cli_usage_error(&cb_spec_web, "%s", err);
        goto out;
    }
    if (a.secure_cookie &&
        cb_config_set(&cli.cfg, "web.secure_cookie", "1", CB_CONF_ARGS, err,
                      sizeof(err)) != 0) {
        rc = cb_cli_fail(&cb_spec_web, "%s", err);
        goto out;
    }
    {
        const char *sc = cb_config_get_or(&cli.cfg, "web.secure_cookie", "0");
        if (strcmp(sc, "0") != 0 && strcmp(sc, "1") != 0) {
            rc = cb_cli_usage_error(&cb_spec_web, "web.secure_cookie is 0 "
                                    "or 1, not '%s'", sc);
            goto out;
        }
    }
    if (cb_http_split_listen(a.listen, host, sizeof(host), &port) != 0) {
        rc = cb_cli_usage_error(&cb_spec_web, "--listen is HOST:PORT, not "
                                "'%s'", a.listen);
        goto out;
    }
    cb_cli_catch_stop_signals();
    if ((api = cb_api_new(&cli.cfg, (int)a.idle_s, err, sizeof(err))) ==
        NULL) {
        rc = cb_cli_fail(&cb_spec_web, "%s", err);
        goto out;
    }
    if (a.origin != NULL && cb_api_set_origin(api, a.origin) != 0) {
        rc = cb_cli_usage_error(&cb_spec_web, "--origin is http:// or "
                                "https:// and a host[:port], not '%s'",
                                a.origin);
        goto out;
    }
    if (a.per_address >= 0)
        limits.per_address = a.per_address == 0 ? -1 : (int)a.per_address;
    /* the book first from Redis, so the page has leads at once; the feed
     * loads it again once it knows where the topic ends */
    if (cb_api_reload(api, err, sizeof(err)) != 0) {
        rc = cb_cli_fail(&cb_spec_web, "cannot load the leads: %s", err);
        goto out;
    }
    if (!a.no_follow) {
        feed = cb_leadfeed_start(&cli.cfg, cb_api_book(api), cb_api_reload,
                                 api, err, sizeof(err));
        if (feed == NULL) {
            rc = cb_cli_fail(&cb_spec_web, "%s", err);
            goto out;
        }
        cb_api_set_following(api, following, feed);
    }
    http = cb_http_start_limited(host, port, &limits, cb_api_handle, api,
                                 err, sizeof(err));
    if (http == NULL) {
        rc = cb_cli_fail(&cb_spec_web, "%s", err);
        goto out;
    }
    /* the address on stdout, for scripts that asked for port 0 */
    printf("web: serving http://%s:%d/ (%zu leads)\n", host,
           cb_http_port(http), cb_leadbook_count(cb_api_book(api)));
    fflush(stdout);
    while (!cb_cli_stop_requested())
        usleep(200 * 1000);
    cb_info("web: stopping");
    rc = CB_EXIT_OK;
out:
    if (api != NULL)
        cb_api_shutdown(api);
    cb_http_stop(http);
    cb_leadfeed_stop(feed);
    cb_api_free(api);
    cb_cli_term(&cli);
    return rc;
}
