/* What each role may see of events, decisions and risk reasons. One filter for
 * every view, so a new view cannot forget it: customs roles see everything; anyone else never
 * sees which rule selected a declaration, a rule's name, or the learned model's score and
 * explanation (they would teach a trader how to route around selectivity); a bank never sees
 * another bank's transaction ids. */
#ifndef ECUSTOMS_SERVICE_VIEWS_H
#define ECUSTOMS_SERVICE_VIEWS_H

#include <jansson.h>

#include "service/app.h"

/* Filters v (an event detail, a decision, a reply) in place for the caller. */
void svc_view_filter(const svc_req *req, json_t *v);

#endif
