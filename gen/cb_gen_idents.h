/* cb_gen_idents.h -- persons' numbers as offices get them wrong, and
 * persons who are hard to tell apart, in the generated county
 * (docs/RULES.md 9.3).  The defects:
 *
 *  - a typing slip in a person's 18-digit number (a wrong check
 *    character, one digit substituted, two adjacent characters swapped):
 *    now and then a household, death, assistance or business row is sent
 *    once more by another clerk with the number mistyped, a number
 *    `canbao produce` refuses (id_check, id_birth_date or id_charset),
 *    every other field valid.  Never applied; a probable_typo item when
 *    the name finds one person;
 *  - injected: slips that find two persons of the name one slip away
 *    (ambiguous: nothing) and slips whose name is nobody's (nothing);
 *  - injected: namesakes, of another birth date or sex, or of the same of
 *    both where at most one holds an active pension (nothing);
 *  - one person under two numbers: a second registered person of the same
 *    name, sex and birth date, both drawing (or paying into) a basic
 *    pension, mostly in the same months (duplicate_identity with an
 *    amount at risk), some in none (amount 0).
 *
 * Everything draws from a PRNG of its own seeded from the run's seed;
 * the persons made for the cases take their numbers and names as others
 * do.  With the defects off (cb_gen_opts.no_defects or
 * CANBAO_GEN_DEFECTS=0) none of this is written.  The rates are in
 * cb_gen_idents.c and manifest.json.  Internal to gen/. */
#ifndef CB_GEN_IDENTS_H
#define CB_GEN_IDENTS_H

#include <stdint.h>
#include <stdio.h>

#include "cb_gen_int.h"

/* The state for a run of seed; defects 0 or 1.  NULL when memory runs
 * out. */
cb_gen_idents *cb_gen_idents_new(uint64_t seed, int defects);

/* Frees; NULL is fine. */
void cb_gen_idents_free(cb_gen_idents *idents);

/* After a good row of file was written: now and then its copy with a
 * slip in the person's number (household, death, assistance person_id,
 * business legal_rep_id).  Returns 0, or -1 with g->err. */
int cb_gen_idents_after(cb_gen_ctx *g, int file, const cb_record *rec);

/* The injected cases: per_kind of each slip and namesake variant, and
 * pairs of numbers of one person, at least per_kind per variant and about
 * the rate's share of `people`.  Nothing with the defects off.  Returns
 * 0, or -1 with g->err. */
int cb_gen_idents_cases(cb_gen_ctx *g, int per_kind, int64_t people);

/* Writes the manifest's "ident_defects" object (indented for its place):
 * whether on, the rates, and the rows refused per file. */
void cb_gen_idents_manifest(const cb_gen_ctx *g, FILE *f);

#endif
