/* cb_gen_names.h -- persons' names in the generated county as offices
 * write them (docs/RULES.md 9.2, 9.3).  Some people have a minority name
 * with a middle dot (买买提·吐尔逊) or a Latin one (MARIA SANTOS).  And,
 * the defects: assistance rows, legal representatives' names and death
 * notices now and then type the name differently (spaces, an ideographic
 * space, full-width letters, another separator: the same name, which
 * raises nothing); assistance rows and legal representatives now and then
 * give another name for the number (name_mismatch); and a death is now
 * and then reported once more on a living person's number, with the dead
 * person's name (death_unconfirmed: that person stays alive).  Injected
 * cases make sure a small county has each.
 *
 * Everything here draws from a PRNG of its own, seeded from the run's
 * seed, so that a name costs the county's other draws nothing.  With the
 * defects off (cb_gen_opts.no_defects, or CANBAO_GEN_DEFECTS=0) every row
 * names the person as the register does; the minority and Latin names
 * remain.  The rates are in cb_gen_names.c and in manifest.json.
 * Internal to gen/. */
#ifndef CB_GEN_NAMES_H
#define CB_GEN_NAMES_H

#include <stdint.h>
#include <stdio.h>

#include "cb_gen_int.h"

/* The names' state for a run of seed; defects 0 or 1.  NULL when memory
 * runs out. */
cb_gen_names *cb_gen_names_new(uint64_t seed, int defects);

/* Frees; NULL is fine. */
void cb_gen_names_free(cb_gen_names *names);

/* Now and then gives a person just made (cb_gen_person) a minority name or
 * a Latin one instead of the name drawn. */
void cb_gen_names_person(cb_gen_ctx *g, gen_person *p);

/* Writes into out (size bytes) the name a row of file (CB_GEN_DEATH,
 * CB_GEN_ASSISTANCE, CB_GEN_BUSINESS's legal_rep_name) gives for a person
 * whose register name is name: that name, or now and then the same typed
 * differently or (assistance and business rows) another. */
void cb_gen_names_row(cb_gen_ctx *g, int file, const char *name, char *out,
                      size_t size);

/* Remembers a person of the register who lives here through T: a number a
 * mistyped death notice may carry. */
void cb_gen_names_living(cb_gen_ctx *g, const gen_person *p);

/* After the notices of p's death on day d: now and then one more, from
 * civil affairs, with p's name and a remembered living person's number.
 * Returns 0, or -1 with g->err. */
int cb_gen_names_wrong_death(cb_gen_ctx *g, const gen_person *p, int32_t d);

/* The injected cases: per_kind each of an assistance row and a legal
 * representative with another name, a living person's number on a death
 * notice with another name, and a death whose notices type the name
 * differently.  Nothing with the defects off.  Returns 0, or -1 with
 * g->err. */
int cb_gen_names_cases(cb_gen_ctx *g, int per_kind);

/* Writes the manifest's "name_defects" object (indented for its place):
 * whether the defects are on, the rates, the draws made and what they
 * gave, and the rows of each defect in the files. */
void cb_gen_names_manifest(const cb_gen_ctx *g, FILE *f);

#endif
