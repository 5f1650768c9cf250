/* The VASSCM decoders (json_gate.h). */
#include "codec/json_gate.h"

#include <stdio.h>
#include <string.h>

#include "codec/json_fields.h"
#include "core/codes.h"

void json_gate_event_decode(json_t *body, gate_event_in *g, errs *e)
{
    static const char *const fields[] = {"type", "container", "location", "seal", NULL};
    memset(g, 0, sizeof *g);
    if (json_body_begin(body, fields, e) != 0)
        return;
    const char *type = json_string_value(json_object_get(body, "type"));
    const char *ctr = json_string_value(json_object_get(body, "container"));
    const char *loc = json_string_value(json_object_get(body, "location"));
    const char *seal = json_string_value(json_object_get(body, "seal"));
    if (type && !strcmp(type, "gate_in"))
        g->type = GATE_IN;
    else if (type && !strcmp(type, "gate_out"))
        g->type = GATE_OUT;
    else if (type && !strcmp(type, "loaded"))
        g->type = GATE_LOADED;
    else
        errs_add(e, "enum", "/type",
                 "type is 'gate_in', 'gate_out' or 'loaded' (an export container onto the vessel)");
    if (!ctr)
        errs_add(e, "required", "/container", "'container' is required");
    else if (!codes_container_valid(ctr))
        errs_add(e, "container_number", "/container",
                 "'%.20s' is not an ISO 6346 container number (owner code, serial, check digit)",
                 ctr);
    else
        snprintf(g->container, sizeof g->container, "%s", ctr);
    if (!loc || !manifest_location_valid(loc))
        errs_add(e, loc ? "location" : "required", "/location",
                 "'location' is a UN/LOCODE, optionally with a terminal code (VNHPH-TC01)");
    else
        snprintf(g->location, sizeof g->location, "%s", loc);
    if (!seal || !*seal || strlen(seal) >= sizeof g->seal)
        errs_add(e, "required", "/seal", "'seal' (1-23 characters) is required");
    else
        snprintf(g->seal, sizeof g->seal, "%s", seal);
}

int json_hold_decode(json_t *body, hold_in *h, errs *e)
{
    const char *subj = json_string_value(json_object_get(body, "subject"));
    const char *reason = json_string_value(json_object_get(body, "reason"));
    memset(h, 0, sizeof *h);
    if (!json_is_object(body) || json_object_size(body) != 2 || !subj || !*subj ||
        strlen(subj) >= sizeof h->subject || !reason || !*reason ||
        strlen(reason) >= sizeof h->reason)
        return errs_add(e, "hold", "",
                        "a hold is {\"subject\": container or bill of lading, \"reason\": text}");
    snprintf(h->subject, sizeof h->subject, "%s", subj);
    snprintf(h->reason, sizeof h->reason, "%s", reason);
    return 0;
}

void json_container_permit_decode(json_t *body, container_permit_in *p, errs *e)
{
    static const char *const fields[] = {"carrier", "reason", NULL};
    memset(p, 0, sizeof *p);
    if (!json_is_object(body)) {
        errs_add(e, "type", "", "the body must be a JSON object {carrier, reason}");
        return;
    }
    json_check_fields(body, fields, "", e);
    const char *carrier = json_string_value(json_object_get(body, "carrier"));
    const char *reason = json_string_value(json_object_get(body, "reason"));
    if (!carrier || !*carrier || strlen(carrier) >= sizeof p->carrier)
        errs_add(e, "required", "/carrier", "'carrier' (the carrier's tax code) is required");
    else
        snprintf(p->carrier, sizeof p->carrier, "%s", carrier);
    if (!reason || !*reason || strlen(reason) >= sizeof p->reason)
        errs_add(e, "required", "/reason", "'reason' (1-255 characters) is required");
    else
        snprintf(p->reason, sizeof p->reason, "%s", reason);
}
