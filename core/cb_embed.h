/* cb_embed.h -- files compiled into the program (schemas, web pages), so
 * that an installed canbao needs nothing beside itself.  The tables are
 * generated at build time by cmake/embed.cmake; each ends with a NULL name. */
#ifndef CB_EMBED_H
#define CB_EMBED_H

#include <stddef.h>

typedef struct cb_embedded_file {
    const char *name; /* the file's base name, "household.avsc" */
    const char *data; /* its bytes, followed by a NUL */
    size_t size;      /* without that NUL */
} cb_embedded_file;

/* The schemas of the schemas/ folder (every .avsc file). */
extern const cb_embedded_file cb_schema_files[];

/* Earlier versions of the schemas (schemas/history/, named
 * "<kind>-<version>.avsc"), which the codec knows as writers. */
extern const cb_embedded_file cb_schema_history_files[];

/* The data files of the data/ folder that the program carries
 * ("townships-funing.csv"). */
extern const cb_embedded_file cb_data_files[];

/* The file of a table with this name, or NULL. */
const cb_embedded_file *cb_embed_find(const cb_embedded_file *table,
                                      const char *name);

#endif
