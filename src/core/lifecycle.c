#include "core/lifecycle.h"

const char *lifecycle_action_name(lifecycle_action a)
{
    static const char *const names[ACT_COUNT] = {"modify",
                                                 "register",
                                                 "amend",
                                                 "cancel",
                                                 "start_document_check",
                                                 "documents_passed",
                                                 "documents_failed",
                                                 "inspection_completed",
                                                 "clear",
                                                 "reject",
                                                 "pass_supervision",
                                                 "invalidate",
                                                 "expire"};
    return (unsigned)a < ACT_COUNT ? names[a] : "unknown";
}

int lifecycle_next(decl_status from, decl_channel ch, lifecycle_action a, decl_status *to)
{
    decl_status next = from;
    int ok = 0;
    switch (a) {
    case ACT_MODIFY: ok = from == ST_PROVISIONAL; break;
    case ACT_REGISTER:
        ok = from == ST_PROVISIONAL;
        next = ST_REGISTERED;
        break;
    case ACT_AMEND:
        /* before the document check starts, or after clearance (Art. 20 Circular 38) */
        ok = from == ST_REGISTERED || from == ST_CLEARED || from == ST_PASSED;
        break;
    case ACT_CANCEL:
        /* goods not yet through the supervision area (Art. 22 Circular 38) */
        ok = from == ST_REGISTERED || from == ST_DOC_CHECK || from == ST_INSPECTION ||
             from == ST_CHECKED || from == ST_CLEARED;
        next = ST_CANCELLED;
        break;
    case ACT_START_DOC_CHECK:
        ok = from == ST_REGISTERED && (ch == CH_YELLOW || ch == CH_RED);
        next = ST_DOC_CHECK;
        break;
    case ACT_DOC_PASSED:
        ok = from == ST_DOC_CHECK;
        next = ch == CH_RED ? ST_INSPECTION : ST_CHECKED;
        break;
    case ACT_DOC_FAILED:
        ok = from == ST_DOC_CHECK;
        next = ST_INSPECTION;
        break;
    case ACT_INSPECTION_DONE:
        ok = from == ST_INSPECTION;
        next = ST_CHECKED;
        break;
    case ACT_CLEAR:
        ok = (from == ST_REGISTERED && ch == CH_GREEN) || from == ST_CHECKED;
        next = ST_CLEARED;
        break;
    case ACT_REJECT:
        ok = from == ST_DOC_CHECK || from == ST_INSPECTION || from == ST_CHECKED;
        next = ST_REJECTED;
        break;
    case ACT_PASS_SUPERVISION:
        ok = from == ST_CLEARED;
        next = ST_PASSED;
        break;
    case ACT_INVALIDATE:
        ok = from == ST_REGISTERED || from == ST_DOC_CHECK || from == ST_INSPECTION ||
             from == ST_CHECKED;
        next = ST_INVALIDATED;
        break;
    case ACT_EXPIRE:
        ok = from == ST_PROVISIONAL;
        next = ST_EXPIRED;
        break;
    default: break;
    }
    if (!ok)
        return -1;
    *to = next;
    return 0;
}
