/* cb_embed.c -- lookup in the tables of embedded files. */
#include <string.h>

#include "cb_embed.h"

const cb_embedded_file *cb_embed_find(const cb_embedded_file *table,
                                      const char *name)
{
    for (; table->name != NULL; table++)
        if (strcmp(table->name, name) == 0)
            return table;
    return NULL;
}
