/* cb_api.h -- the workbench's routes: the page, its JSON API
 * (docs/COMMANDS.md, "The JSON API"), the live list and the metrics, served by
 * cb_http.h.
 *
 * Who may do what:
 *   - every /api route but POST /api/session needs a session (401);
 *   - a township account sees and changes only its own township's leads,
 *     review items, alerts, figures and audit entries (403 for another
 *     township's list, 404 for another's lead or review item); the county
 *     sees everything;
 *   - a change (POST, DELETE) needs the session's X-CSRF-Token and a JSON
 *     body; a change or a sign-in from another origin (scheme, host and
 *     port) is refused;
 *   - sign-ins are limited per name and per address (cb_auth.h), and each
 *     failed one is in the audit log with the name, address and time;
 *   - a lead or review item of another township is answered as one that
 *     does not exist (404), so that their ids cannot be probed;
 *   - a live stream ends once its session has ended or expired;
 *   - ID numbers and persons' names are masked everywhere but one lead's
 *     or one review item's own page, and each such view goes into the
 *     audit log (cb_audit.h), as does every decision, verdict, sign-in
 *     and export.
 *
 * Leads are read from the lead book (cb_leadbook.h), which the caller
 * keeps current (cb_leadfeed.h, with cb_api_reload); everything else
 * (review items included) from Redis, through connections of a small pool.  Thread-safe. */
#ifndef CB_API_H
#define CB_API_H

#include <stddef.h>

#include "cb_config.h"
#include "cb_http.h"
#include "cb_leadbook.h"

typedef struct cb_api cb_api;

/* cfg (kept by pointer: it must outlive the api) says where Redis is, the
 * partitions and the clock ("now"); sessions expire after idle_s seconds
 * without use.  Connects to Redis once to check it.  NULL with errstr. */
cb_api *cb_api_new(const cb_config *cfg, int idle_s, char *errstr,
                   size_t errstr_size);

/* Ends the live streams and frees.  The server must be stopped first. */
void cb_api_free(cb_api *a);

/* The lead book the api reads. */
cb_leadbook *cb_api_book(cb_api *a);

/* Puts every lead of the lead store in the book (a cb_leadfeed_reload_fn:
 * opaque is the api).  Returns 0, or -1 with errstr. */
int cb_api_reload(void *a, char *errstr, size_t errstr_size);

/* Asks the live streams to end (before the server stops). */
void cb_api_shutdown(cb_api *a);

/* The page's origin ("https://canbao.example.org", no path) that a
 * change's Origin must equal; without it, http:// (https:// with
 * web.secure_cookie) and the Host header.  Returns 0, or -1 when origin
 * is not one. */
int cb_api_set_origin(cb_api *a, const char *origin);

/* Whether the lead book follows the lead topic, for /healthz and
 * /metrics (set by the caller; 0 until it is). */
void cb_api_set_following(cb_api *a, int (*following)(void *), void *opaque);

/* The cb_http_handler: opaque is the api. */
void cb_api_handle(const cb_http_req *req, cb_http_resp *resp, void *opaque);

/* The codes a refusal's reason is chosen from (the causes of
 * non-enrollment the seeds name), each with its label; NULL-terminated. */
typedef struct cb_refusal_reason {
    const char *code, *label;
} cb_refusal_reason;
extern const cb_refusal_reason cb_refusal_reasons[];

#endif
