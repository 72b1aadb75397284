/* cb_record.h -- the records canbao moves: five feeds in; leads, alerts and
 * dead letters out.
 *
 * Each kind of record is one plain C struct with fixed-size buffers (so a
 * record can live on the stack and be copied with memcpy), described by a
 * table of fields.  The CSV and JSON readers, the validators, the Avro codec
 * and the JSON writer are each written once over these tables instead of once
 * per feed; the Avro schemas in schemas/ are checked against the tables when
 * the codec starts, so the two cannot drift apart silently.
 *
 * Absent optional values are marked in the struct itself:
 *   string ""            enum -1              bool -1
 *   date CB_DATE_NONE    time CB_TIME_NONE    long CB_LONG_NONE
 *   span .ptr == NULL
 * cb_record_clear() sets every field of a record to absent. */
#ifndef CB_RECORD_H
#define CB_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "cb_time.h"

/* ---------------------------------------------------------------- kinds */

typedef enum cb_kind {
    CB_KIND_BUSINESS = 0, /* market regulation: enterprises */
    CB_KIND_HOUSEHOLD,    /* public security: household register */
    CB_KIND_DEATH,        /* death notices */
    CB_KIND_ENROLLMENT,   /* insurance agency: enrollment and benefits */
    CB_KIND_ASSISTANCE,   /* hardship rosters */
    CB_KIND_LEAD,         /* out: an uninsured person or employer */
    CB_KIND_ALERT,        /* out: a duplicate claim */
    CB_KIND_DEADLETTER,   /* out: a record refused at the door */
    CB_KIND_COUNT
} cb_kind;

#define CB_FEED_COUNT 5 /* kinds 0..4 are the input feeds */

/* ------------------------------------------------------ sizes of buffers */

#define CB_EVENT_ID_SIZE    65  /* up to 64 bytes */
#define CB_ID_SIZE          19  /* resident ID or USCC: 18 characters */
#define CB_CODE_SIZE        13  /* township or region code: up to 12 digits */
#define CB_PERSON_NAME_SIZE 96  /* a person's name, UTF-8 */
#define CB_ORG_NAME_SIZE    256 /* an enterprise's name, UTF-8 */
#define CB_PERIOD_SIZE      8   /* "YYYY-MM", "YYYY" or "" */
#define CB_LEAD_ID_SIZE     33
#define CB_SHORT_SIZE       64  /* file names, reasons and such: 63 bytes */
#define CB_PATH_SIZE        256

#define CB_LONG_NONE INT64_MIN

/* A view of bytes owned by someone else (see the owner's contract). */
typedef struct cb_span {
    const char *ptr; /* NULL when absent */
    size_t len;
} cb_span;

/* --------------------------------------------------------------- enums */
/* Each enum's order is the order of its Avro symbols; never reorder. */

typedef enum { CB_BIZ_ENTERPRISE, CB_BIZ_INDIVIDUAL, CB_BIZ_COOPERATIVE,
               CB_BIZ_BRANCH } cb_business_kind;
typedef enum { CB_BIZ_ESTABLISHED, CB_BIZ_CHANGED,
               CB_BIZ_DEREGISTERED } cb_business_action;
typedef enum { CB_SEX_M, CB_SEX_F } cb_sex;
typedef enum { CB_HH_RESIDENT, CB_HH_BIRTH, CB_HH_MOVE_IN, CB_HH_MOVE_OUT,
               CB_HH_ADDRESS_CHANGE } cb_household_action;
typedef enum { CB_DEATH_POLICE, CB_DEATH_CIVIL,
               CB_DEATH_HEALTH } cb_death_source;
typedef enum { CB_SCHEME_EMPLOYEE_PENSION, CB_SCHEME_RESIDENT_PENSION,
               CB_SCHEME_EMPLOYEE_MEDICAL, CB_SCHEME_RESIDENT_MEDICAL,
               CB_SCHEME_UNEMPLOYMENT, CB_SCHEME_WORK_INJURY } cb_scheme;
typedef enum { CB_ENR_ENROLL, CB_ENR_STOP, CB_ENR_CONTRIBUTE, CB_ENR_BENEFIT,
               CB_ENR_REGISTER_EMPLOYER } cb_enrollment_action;
typedef enum { CB_PAID_SELF, CB_PAID_EMPLOYER,
               CB_PAID_GOVERNMENT } cb_paid_by;
typedef enum { CB_ID_MINIMUM_LIVING, CB_ID_EXTREME_POVERTY,
               CB_ID_RELAPSE_MONITORING, CB_ID_LIFTED_OUT,
               CB_ID_SEVERE_DISABILITY } cb_identity;
typedef enum { CB_SUBJECT_PERSON, CB_SUBJECT_EMPLOYER } cb_subject_kind;
/* Lead reasons in the contract's order of precedence: when several hold,
 * the lowest value is the lead's reason. */
typedef enum { CB_REASON_ASSISTED_NOT_ENROLLED, CB_REASON_ELDERLY_NO_PENSION,
               CB_REASON_BUSINESS_OWNER_UNINSURED,
               CB_REASON_WORKING_AGE_UNINSURED,
               CB_REASON_EMPLOYER_UNREGISTERED } cb_lead_reason;
typedef enum { CB_PRIORITY_HIGH, CB_PRIORITY_NORMAL } cb_priority;
typedef enum { CB_STATUS_OPEN, CB_STATUS_CONTACTED, CB_STATUS_REFUSED,
               CB_STATUS_CLOSED } cb_lead_status;
typedef enum { CB_CLOSED_ENROLLED, CB_CLOSED_DECEASED, CB_CLOSED_MOVED_OUT,
               CB_CLOSED_DEREGISTERED, CB_CLOSED_INVALID } cb_closed_reason;
typedef enum { CB_ALERT_PAID_AFTER_DEATH, CB_ALERT_DUAL_PENSION_ENROLLMENT,
               CB_ALERT_DUAL_PENSION_BENEFIT, CB_ALERT_DUPLICATE_SUBSIDY,
               CB_ALERT_ACTIVE_AFTER_DEATH } cb_alert_kind;

/* How many values the enums that outputs count by have. */
#define CB_LEAD_REASON_COUNT (CB_REASON_EMPLOYER_UNREGISTERED + 1)
#define CB_LEAD_STATUS_COUNT (CB_STATUS_CLOSED + 1)
#define CB_ALERT_KIND_COUNT (CB_ALERT_ACTIVE_AFTER_DEATH + 1)

/* A township team's decision on a lead (docs/RULES.md section 7): the
 * first two set an open lead's status, the last two close it.  No record
 * carries it as a field: it travels in an op and is stored by lead id,
 * numbered as here; its symbols are those of `canbao lead` and the
 * workbench.  A decision's reason is at most CB_DECISION_WHY_MAX bytes. */
typedef enum { CB_DECISION_CONTACTED, CB_DECISION_REFUSED,
               CB_DECISION_ENROLLED, CB_DECISION_INVALID,
               CB_DECISION_COUNT } cb_decision;

#define CB_DECISION_WHY_MAX 1000

/* A review item's kind and status (docs/RULES.md section 9.3), and a
 * reviewer's decision on one: confirm, reject, or (probable_typo only)
 * correct, which leave the item confirmed, rejected or corrected.  Like a
 * team's decision, no feed record carries them; their symbols are those
 * of `canbao reviews`, `canbao review`, the workbench and the CSV. */
typedef enum { CB_REVIEW_NAME_MISMATCH, CB_REVIEW_DEATH_UNCONFIRMED,
               CB_REVIEW_PROBABLE_TYPO, CB_REVIEW_DUPLICATE_IDENTITY,
               CB_REVIEW_KIND_COUNT } cb_review_kind;
typedef enum { CB_REVIEW_OPEN, CB_REVIEW_CONFIRMED, CB_REVIEW_REJECTED,
               CB_REVIEW_CORRECTED, CB_REVIEW_STATUS_COUNT } cb_review_status;
typedef enum { CB_VERDICT_CONFIRM, CB_VERDICT_REJECT, CB_VERDICT_CORRECT,
               CB_VERDICT_COUNT } cb_review_verdict;

/* ------------------------------------------------------------- records */

typedef struct cb_business {
    char event_id[CB_EVENT_ID_SIZE];
    char uscc[CB_ID_SIZE];
    char name[CB_ORG_NAME_SIZE];
    int kind;               /* cb_business_kind */
    int action;             /* cb_business_action */
    int32_t established_on; /* days */
    char township_code[CB_CODE_SIZE];
    char legal_rep_id[CB_ID_SIZE];  /* optional */
    char legal_rep_name[CB_PERSON_NAME_SIZE]; /* optional */
    int64_t occurred_at;
} cb_business;

typedef struct cb_household {
    char event_id[CB_EVENT_ID_SIZE];
    char person_id[CB_ID_SIZE];
    char name[CB_PERSON_NAME_SIZE];
    int sex;            /* cb_sex */
    int32_t birth_date; /* days */
    int action;         /* cb_household_action */
    char township_code[CB_CODE_SIZE];
    int student;        /* optional: 0, 1, or -1 when absent */
    int64_t occurred_at;
} cb_household;

typedef struct cb_death {
    char event_id[CB_EVENT_ID_SIZE];
    char person_id[CB_ID_SIZE];
    char name[CB_PERSON_NAME_SIZE]; /* optional */
    int32_t date_of_death;
    int source; /* cb_death_source */
    char township_code[CB_CODE_SIZE]; /* optional */
    int64_t occurred_at;
} cb_death;

/* One change from the insurance agency.  Which optional fields an action
 * needs (a person or an employer, a period, an amount) is checked by the
 * feed validator, not by the table. */
typedef struct cb_enrollment {
    char event_id[CB_EVENT_ID_SIZE];
    char person_id[CB_ID_SIZE]; /* "" on an employer row */
    char uscc[CB_ID_SIZE];      /* the employer, optional */
    int scheme;                 /* cb_scheme; -1 for register_employer */
    int action;                 /* cb_enrollment_action */
    char period[CB_PERIOD_SIZE]; /* "YYYY-MM" for contribute and benefit */
    int64_t amount_fen;          /* optional */
    int paid_by;                 /* cb_paid_by, optional */
    int64_t subsidy_tier;        /* fen, for government-paid, optional */
    char region_code[CB_CODE_SIZE];
    char township_code[CB_CODE_SIZE];
    int64_t occurred_at;
} cb_enrollment;

typedef struct cb_assistance {
    char event_id[CB_EVENT_ID_SIZE];
    char person_id[CB_ID_SIZE];
    char name[CB_PERSON_NAME_SIZE];
    int identity;       /* cb_identity */
    int32_t valid_from; /* days */
    int32_t valid_to;   /* days, optional */
    char township_code[CB_CODE_SIZE];
    int64_t occurred_at;
} cb_assistance;

typedef struct cb_lead {
    char lead_id[CB_LEAD_ID_SIZE];
    char township_code[CB_CODE_SIZE];
    int subject_kind; /* cb_subject_kind */
    char subject_id[CB_ID_SIZE];
    char name[CB_ORG_NAME_SIZE];
    int reason;   /* cb_lead_reason */
    int priority; /* cb_priority */
    int64_t opened_at;
    int status;        /* cb_lead_status */
    int closed_reason; /* cb_closed_reason, -1 while not closed */
    int64_t closed_at; /* CB_TIME_NONE while not closed */
    char source_event_id[CB_EVENT_ID_SIZE];
} cb_lead;

typedef struct cb_alert {
    char alert_id[CB_LEAD_ID_SIZE];
    int kind; /* cb_alert_kind */
    char subject_id[CB_ID_SIZE];
    char township_code[CB_CODE_SIZE];
    char period[CB_PERIOD_SIZE]; /* "YYYY-MM", "YYYY" or "" */
    int64_t amount_at_risk_fen;
    cb_span evidence; /* event ids, space separated */
    int64_t raised_at;
} cb_alert;

/* A record refused at the door, with enough to find and fix it. */
typedef struct cb_deadletter {
    char feed[CB_SHORT_SIZE];    /* "household", ... */
    char file[CB_PATH_SIZE];     /* source file name, "-" for stdin */
    int64_t line;                /* first line of the record, from 1 */
    char field[CB_SHORT_SIZE];   /* the offending field, optional */
    char reason[CB_SHORT_SIZE];  /* a stable token: "id_check", ... */
    cb_span detail;              /* a sentence for people, optional */
    cb_span raw;                 /* the record's bytes as read */
    int64_t rejected_at;
    cb_span record;              /* a suspect's record (docs/RULES.md 9.3)
                                    as its feed topic's value, the number
                                    as written; optional */
} cb_deadletter;

/* Any record, tagged with its kind. */
typedef struct cb_record {
    cb_kind kind;
    union {
        cb_business business;
        cb_household household;
        cb_death death;
        cb_enrollment enrollment;
        cb_assistance assistance;
        cb_lead lead;
        cb_alert alert;
        cb_deadletter deadletter;
    } u;
} cb_record;

/* ------------------------------------------------------- field tables */

typedef enum cb_ftype {
    CB_FT_STRING, /* char[size] in the struct, NUL-terminated, UTF-8 */
    CB_FT_ENUM,   /* int, index into symbols */
    CB_FT_DATE,   /* int32_t days since 1970-01-01 (Avro date) */
    CB_FT_TIME,   /* int64_t ms since the epoch (Avro timestamp-millis) */
    CB_FT_LONG,   /* int64_t */
    CB_FT_BOOL,   /* int 0/1 */
    CB_FT_TEXT,   /* cb_span of UTF-8 text, not owned */
    CB_FT_BYTES   /* cb_span of bytes, not owned */
} cb_ftype;

/* What a string field's text must look like, beyond its type. */
typedef enum cb_fcheck {
    CB_FC_NONE,
    CB_FC_TOKEN,     /* printable ASCII, no spaces: event ids */
    CB_FC_PERSON_ID, /* a valid resident ID */
    CB_FC_USCC,      /* a valid unified social credit code */
    CB_FC_CODE,      /* a township or region code: 6 to 12 digits */
    CB_FC_MONTH,     /* "YYYY-MM", a real month */
    CB_FC_PERIOD,    /* "YYYY-MM", "YYYY" or "" */
    CB_FC_AMOUNT,    /* long: not negative */
    CB_FC_PERSON_NAME /* a person's name: personal data, masked in output */
} cb_fcheck;

typedef struct cb_field {
    const char *name; /* the CSV column, JSON key and Avro field name */
    cb_ftype type;
    cb_fcheck check;
    int required;                /* 0: an optional field, null in Avro */
    size_t offset;               /* within the record's struct */
    size_t size;                 /* of the struct member */
    const char *const *symbols;  /* CB_FT_ENUM: the symbols, in order */
    int nsymbols;
} cb_field;

typedef struct cb_kind_info {
    cb_kind kind;
    const char *name;        /* "household": feed name and topic stem */
    const char *schema_name; /* full Avro name, "org.canbao.HouseholdEvent" */
    const char *key_field;   /* the field a Kafka message is keyed by */
    size_t size;             /* sizeof the struct */
    const cb_field *fields;
    int nfields;
} cb_kind_info;

/* The description of a kind; NULL for a value outside cb_kind. */
const cb_kind_info *cb_kind_info_get(cb_kind kind);

/* Finds a kind by its name ("business", ..., "lead", "alert",
 * "deadletter").  Returns 0 and sets *kind, or -1. */
int cb_kind_from_name(const char *name, cb_kind *kind);

/* The field of a kind with this name, or NULL. */
const cb_field *cb_field_find(const cb_kind_info *info, const char *name,
                              size_t len);

/* The symbol of an enum value, or NULL when out of range. */
const char *cb_enum_symbol(const cb_field *f, int value);

/* Finds an enum symbol; returns its index or -1. */
int cb_enum_value(const cb_field *f, const char *text, size_t len);

/* A symbol by enum name and value, for code that knows the enum it holds:
 * cb_symbol(CB_KIND_LEAD, "reason", CB_REASON_...) .  NULL if unknown. */
const char *cb_symbol(cb_kind kind, const char *field, int value);

/* The symbol of a decision ("contacted", ...), or NULL when out of range. */
const char *cb_decision_symbol(int decision);

/* The decision a symbol names, or -1. */
int cb_decision_value(const char *text);

/* Symbols of review kinds ("name_mismatch", ...), statuses ("open", ...)
 * and verdicts ("confirm", ...), NULL when out of range; and the value a
 * symbol names, or -1. */
const char *cb_review_kind_symbol(int kind);
int cb_review_kind_value(const char *text);
const char *cb_review_status_symbol(int status);
int cb_review_status_value(const char *text);
const char *cb_review_verdict_symbol(int verdict);
int cb_review_verdict_value(const char *text);

/* The status a verdict leaves an item in. */
cb_review_status cb_review_status_after(cb_review_verdict verdict);

/* The Kafka key of a record: the value of its kind's key field (for an
 * enrollment row without a person, its USCC); a person's number is given
 * in its 18-character form (a legacy 15-digit number converted into buf,
 * docs/RULES.md 9.1), so that both forms of a person share a partition.
 * Points into rec or into buf. */
const char *cb_record_key(cb_kind kind, const void *rec,
                          char buf[CB_ID_SIZE]);

/* The length of the longest prefix of s that is valid UTF-8 without NUL
 * bytes (overlong forms, surrogates and values past U+10FFFF are invalid);
 * len itself when the whole text is valid. */
size_t cb_utf8_valid_prefix(const char *s, size_t len);

/* Sets every field of the record (the struct for `kind`) to absent. */
void cb_record_clear(cb_kind kind, void *rec);

/* Pointers to a field's member inside a record. */
#define CB_FIELD_PTR(rec, f) ((void *)((char *)(rec) + (f)->offset))
#define CB_FIELD_CPTR(rec, f) \
    ((const void *)((const char *)(rec) + (f)->offset))

/* Is the field absent in this record? */
int cb_field_is_absent(const cb_field *f, const void *rec);

/* ---------------------------------------------------- text form of values */

/* Why a field's text was refused: a stable token for dead letters and
 * metrics, and a sentence for people. */
typedef struct cb_field_error {
    const char *reason; /* "missing_field", "bad_date", "unknown_enum", ... */
    const char *field;  /* the field's name, or NULL for the whole record */
    char detail[160];
    int written;        /* set by the record readers (CSV, JSON): 1 when
                           the refusal is a person's number kept as written
                           (cb_field_keep_written) and every other field
                           parsed; the record then holds them all */
} cb_field_error;

/* Parses the text form of one field, as CSV and JSON feeds carry it, into
 * rec.  Empty text means absent, which is an error for a required field.
 * Text forms: string as is (valid UTF-8, fitting the buffer); enum its
 * symbol; date YYYY-MM-DD; time ISO 8601 with offset; long decimal; bool
 * "0"/"1" (also "true"/"false"); the check of the field applies.
 * A TEXT or BYTES field keeps a view into text, which must outlive rec.
 * Returns 0, or -1 and fills *err. */
int cb_field_parse(const cb_field *f, const char *text, size_t len,
                   void *rec, cb_field_error *err);

/* The field of a feed that holds the person's number a suspect is
 * refused for (docs/RULES.md 9.3): person_id of household, death,
 * enrollment and assistance, legal_rep_id of business; NULL for other
 * kinds. */
const cb_field *cb_person_field(cb_kind kind);

/* After cb_field_parse refused field f of a feed record with *err: when
 * that is a suspect's refusal (f is cb_person_field(kind), the reason
 * id_check, id_birth_date or id_charset, and the text 18 printable ASCII
 * characters), stores the text as written in rec and returns 1, so that
 * the reader can go on with the other fields; else returns 0 and leaves
 * rec alone. */
int cb_field_keep_written(cb_kind kind, const cb_field *f, const char *text,
                          size_t len, void *rec, const cb_field_error *err);

/* Writes the text form of a field's value and a NUL into buf; absent values
 * are written as "".  Returns the length written, or -1 when buf (of
 * bufsz bytes) is too small. */
int cb_field_format(const cb_field *f, const void *rec, char *buf,
                    size_t bufsz);

#endif
