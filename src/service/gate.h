/* VASSCM (service/gate.c): gate-in and gate-out decisions for port operators, a container's
 * history, and the holds officers open and release. */
#ifndef ECUSTOMS_SERVICE_GATE_H
#define ECUSTOMS_SERVICE_GATE_H

#include "service/app.h"

svc_reply svc_gate_event(app *a, const svc_req *req, json_t *body);
svc_reply svc_container_get(app *a, const svc_req *req, const char *number);
svc_reply svc_hold_open(app *a, const svc_req *req, json_t *body);
svc_reply svc_hold_release(app *a, const svc_req *req, const char *id);

#endif
