/* cb_gen_legacy.c -- which rows write a person's number in the legacy
 * 15-digit form (docs/RULES.md 9.1).
 *
 * Offices that registered a person before 1999 still send the old number
 * now and then.  A row of a person born 1900-1999 writes the 15-digit
 * form with probability opts->legacy_pct percent.  The choice is a hash
 * of the seed, the file and the row's number in it, not a draw from the
 * generator's PRNG: the county (people, rows, dates, event ids) and its
 * ground truth are the same whatever the rate, only the text of some
 * numbers differs. */
#include <stdio.h>
#include <string.h>

#include "cb_gen_int.h"

/* splitmix64's finaliser: a well-mixed 64-bit hash of x. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Does the row about to be written to file (its next event number) write
 * the legacy form? */
static int legacy_row(const cb_gen_ctx *g, int file)
{
    uint64_t h;

    if (g->opts->legacy_pct <= 0)
        return 0;
    h = mix64(g->opts->seed ^ mix64(((uint64_t)file << 56) ^
                                    (g->next_eid[file] + 1)));
    return h % 100 < (uint64_t)g->opts->legacy_pct;
}

void cb_gen_id_as_written(const cb_gen_ctx *g, int file, const gen_person *p,
                          char out[CB_ID_SIZE])
{
    /* born 1900-1999: the century is 19, and the legacy form drops it and
     * the check character */
    if (memcmp(p->id + 6, "19", 2) == 0 && legacy_row(g, file)) {
        memcpy(out, p->id, 6);
        memcpy(out + 6, p->id + 8, 9);
        out[15] = '\0';
        return;
    }
    snprintf(out, CB_ID_SIZE, "%s", p->id);
}
