/* The declaration state machine: which action may move a declaration
 * from which status to which. Time limits (7 days provisional, 60 days after clearance, 15 days
 * invalidation) are checked by the service with the clock; this is the pure graph. */
#ifndef ECUSTOMS_CORE_LIFECYCLE_H
#define ECUSTOMS_CORE_LIFECYCLE_H

#include "core/decl.h"

typedef enum lifecycle_action {
    ACT_MODIFY,           /* declarant changes a provisional declaration (IDB) */
    ACT_REGISTER,         /* IDC */
    ACT_AMEND,            /* amendment after registration (IDD/IDE) */
    ACT_CANCEL,           /* cancellation on request */
    ACT_START_DOC_CHECK,  /* officer opens the document check (yellow, red) */
    ACT_DOC_PASSED,       /* documents conform: yellow -> checked, red -> inspection */
    ACT_DOC_FAILED,       /* documents do not conform: escalate to physical inspection */
    ACT_INSPECTION_DONE,  /* physical inspection result recorded (violation or not) */
    ACT_CLEAR,            /* clearance decision */
    ACT_REJECT,           /* goods refused */
    ACT_PASS_SUPERVISION, /* goods passed the customs supervision area */
    ACT_INVALIDATE,       /* 15 days incomplete (Art. 22 Circular 38 as amended) */
    ACT_EXPIRE,           /* provisional data older than 7 days */
    ACT_COUNT
} lifecycle_action;

const char *lifecycle_action_name(lifecycle_action a);

/* 0 and *to set when the action is legal from `from` on channel ch, else -1. */
int lifecycle_next(decl_status from, decl_channel ch, lifecycle_action a, decl_status *to);

#endif
