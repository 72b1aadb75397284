/* cb_eidforms.h -- a store's table of event-id forms.  An event id like
 * "hh-000123456" is a prefix ("hh-") and a count of trailing digits (9):
 * its form.  A county's feeds use a handful of forms, and a state that
 * spells an id's prefix and count whole pays five or six bytes an id for
 * them; with the table, a packed id names its form by its index in one
 * byte (cb_pack_eid).
 *
 * The table is what the store keeps in Redis (CB_KEY_EIDFORMS, a list of
 * "<digits>:<prefix>" entries, at most CB_EIDFORMS_MAX): an index, once
 * written, means the same form for ever.  This module is the table in
 * memory, without Redis: whoever owns it (cb_store) fills it from the
 * list and may give it a miss hook, called when an encoder asks for a
 * form the table lacks (to record the form in the list, then reload) or
 * a decoder for an index it lacks (to reload: another writer added it).
 * Two writers that record one form at once both push it; an encoder uses
 * its first index, and every index decodes.
 *
 * A table is used by one thread at a time (the hook may change it). */
#ifndef CB_EIDFORMS_H
#define CB_EIDFORMS_H

#include <stddef.h>

#define CB_KEY_EIDFORMS "cb:{plan}:eidforms"
#define CB_EIDFORMS_MAX 255     /* indexes 0..254: one byte */
#define CB_EIDFORMS_PREFIX_MAX 32 /* a longer prefix gets no index */
#define CB_EIDFORMS_ENTRY_SIZE 40 /* an entry's text with its NUL */

typedef struct cb_eidforms cb_eidforms;

/* The hook: with entry (a form the table lacks, as its list entry) it
 * may record it and reload the table; with entry NULL (an index the
 * table lacks) it may reload.  It reports nothing: the caller looks
 * again and packs the id whole, or refuses the bytes, when still
 * missing. */
typedef void cb_eidforms_miss_fn(cb_eidforms *t, const char *entry,
                                 void *opaque);

/* An empty table, or NULL out of memory; cb_eidforms_free frees it. */
cb_eidforms *cb_eidforms_new(void);
void cb_eidforms_free(cb_eidforms *t);

/* Sets the hook (fn NULL: none, the default). */
void cb_eidforms_on_miss(cb_eidforms *t, cb_eidforms_miss_fn *fn,
                         void *opaque);

/* Replaces the table's forms with the list's n entries (entry i is index
 * i).  An entry that is not "<1-18 digits>:<prefix>" keeps its index and
 * names no form.  Entries past CB_EIDFORMS_MAX are ignored. */
void cb_eidforms_set(cb_eidforms *t, const char *const *entries,
                    const size_t *lens, size_t n);

/* Appends one form in memory (a table without a store: tests and tools).
 * Returns its index, or -1 when the table is full or the form is not
 * one an index can name. */
int cb_eidforms_add(cb_eidforms *t, const char *prefix, size_t plen,
                    unsigned digits);

/* The index of a form: its first, or -1 when the table has none after
 * asking the hook (asked once for a form, until the next
 * cb_eidforms_set). */
int cb_eidforms_code(cb_eidforms *t, const char *prefix, size_t plen,
                     unsigned digits);

/* The form of index code into *prefix (into the table: valid until it
 * changes), *plen and *digits.  Returns 0, or -1 when the table has none
 * after asking the hook. */
int cb_eidforms_form(cb_eidforms *t, unsigned code, const char **prefix,
                     size_t *plen, unsigned *digits);

/* The count of indexes the table has. */
size_t cb_eidforms_count(const cb_eidforms *t);

/* A form's list entry into out (CB_EIDFORMS_ENTRY_SIZE bytes).  Returns
 * 0, or -1 when no index can name it (digits not 1..18, a prefix longer
 * than CB_EIDFORMS_PREFIX_MAX or with a digit or a NUL in it). */
int cb_eidforms_entry(const char *prefix, size_t plen, unsigned digits,
                      char out[CB_EIDFORMS_ENTRY_SIZE]);

#endif
