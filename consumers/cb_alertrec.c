/* cb_alertrec.c -- the packed alert (cb_alertrec.h): written by the step
 * that raises or grows an alert, read back by the next step, by the alert
 * commands, the workbench and the matcher's alert topic. */
#include <stdio.h>
#include <string.h>

#include "cb_alertrec.h"

int cb_alertrec_encode(const cb_alertrec *a, cb_buf *out)
{
    cb_pack w;

    out->len = 0;
    cb_pack_init(&w, out);
    cb_pack_int(&w, a->kind, 1);
    cb_pack_str(&w, a->subject_id.s, a->subject_id.len, 1);
    cb_pack_int(&w, a->township, 6);
    cb_pack_str(&w, a->period.s, a->period.len, 1);
    cb_pack_int(&w, a->amount, 6);
    cb_pack_str(&w, a->evidence ? a->evidence : "", a->evidence_len, 2);
    cb_pack_bytes(&w, &a->raised, sizeof(a->raised));
    return w.failed ? -1 : 0;
}

int cb_alertrec_decode(const char *v, size_t len, cb_alertrec *a)
{
    cb_unpack r;
    const char *raised;

    cb_unpack_init(&r, v, len);
    a->kind = (int)cb_unpack_uint(&r, 1);
    cb_unpack_str(&r, 1, &a->subject_id);
    a->township = cb_unpack_int(&r, 6);
    cb_unpack_str(&r, 1, &a->period);
    a->amount = cb_unpack_int(&r, 6);
    a->evidence_len = (size_t)cb_unpack_uint(&r, 2);
    a->evidence = cb_unpack_bytes(&r, a->evidence_len);
    raised = cb_unpack_bytes(&r, sizeof(a->raised));
    if (r.failed)
        return -1;
    memcpy(&a->raised, raised, sizeof(a->raised));
    return 0;
}

int cb_alertrec_to_alert(const cb_alertrec *a, const char *id_digits,
                         cb_alert *out)
{
    cb_record_clear(CB_KIND_ALERT, out);
    snprintf(out->alert_id, sizeof(out->alert_id), "A%.16s", id_digits);
    out->kind = a->kind;
    if (cb_str_to_text(&a->subject_id, out->subject_id,
                       sizeof(out->subject_id)) != 0 ||
        cb_str_to_text(&a->period, out->period, sizeof(out->period)) != 0)
        return -1;
    cb_code_to_text(a->township, out->township_code,
                    sizeof(out->township_code));
    out->amount_at_risk_fen = a->amount;
    out->evidence.ptr = a->evidence;
    out->evidence.len = a->evidence_len;
    out->raised_at = (int64_t)a->raised;
    return 0;
}
