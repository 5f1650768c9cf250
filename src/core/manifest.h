/* e-Manifest and VASSCM rules as pure functions: IMO numbers, the submission
 * deadline, port-operator locations, the consignee format of Notice 7126/TCHQ-GSQL and the
 * gate-out decision. */
#ifndef ECUSTOMS_CORE_MANIFEST_H
#define ECUSTOMS_CORE_MANIFEST_H

#include <stdint.h>

/* IMO ship identification number: 7 digits, optionally prefixed "IMO", the last one the check
 * digit (sum of the first six weighted 7..2, mod 10). */
int manifest_imo_valid(const char *imo);

/* Seconds before the ETA by which a manifest is due: air 60 min (advance air manifest, SGN
 * 2015); sea 24 h, or 12 h for voyages under 5 days (voyage_days 0 = unknown -> 24 h). */
int64_t manifest_deadline_s(int air, int voyage_days);

/* A location: UN/LOCODE, optionally "-" and a terminal/warehouse code of 1-10 letters/digits
 * (VNHPH, VNHPH-TC01). */
int manifest_location_valid(const char *loc);
/* Does a binding to `bound` cover `loc`? A port binding (VNHPH) covers each of its terminals,
 * a terminal binding only itself. */
int manifest_location_covers(const char *bound, const char *loc);

/* Consignee "taxcode#name#address" (taxcode empty or 10/13 digits; name and address set). */
int manifest_consignee_valid(const char *s);

/* The facts a gate decision is taken on (gathered by the service inside one transaction). */
/* GATE_LOADED: an export container loaded onto the vessel */
typedef enum gate_type { GATE_IN = 1, GATE_OUT = 2, GATE_LOADED = 3 } gate_type;

typedef struct gate_facts {
    gate_type type;
    int in_manifest;    /* the container is on a manifest */
    int port_ok;        /* ... for the port of the gate */
    int seal_ok;        /* the seal reported matches the manifest's */
    int already_in;     /* an allowed gate_in exists for this manifest */
    int already_out;    /* an allowed gate_out exists for this manifest */
    int n_decls;        /* live declarations covering the container's bills of lading */
    int n_uncleared;    /* ... of which not cleared */
    int n_bl_uncovered; /* bills of lading of the container without a live declaration */
    int holds_open;     /* open customs holds on the container or its bills */
} gate_facts;

/* Pre-arrival screening of a bill of lading against the risk rules that can be judged on a
 * manifest alone (HS prefix and/or importer = consignee tax code, no other condition): the
 * index of the highest-priority active red rule matching on `date`, or -1. */
struct risk_rule;
int manifest_screen(const struct risk_rule *rules, int n, const char *hs_code,
                    const char *consignee_tax, const char *shipper, const char *loading_country,
                    int32_t date);

#define GATE_MAX_REASONS 8

/* Returns 1 (allow) or 0 (deny); reasons get the codes of every ground for denial. */
int gate_decide(const gate_facts *f, const char *reasons[GATE_MAX_REASONS], int *n_reasons);

/* Exports: a container on no inbound manifest enters the port (GATE_IN) against the
 * cleared export declarations that carry it from this port, and is loaded (GATE_LOADED) once it
 * is in; loading moves those declarations to passed_supervision. */
typedef struct gate_export_facts {
    gate_type type;  /* GATE_IN or GATE_LOADED */
    int n_decls;     /* live export declarations carrying the container, loading at this port */
    int n_elsewhere; /* ... loading at another port */
    int n_uncleared; /* of n_decls, not cleared yet */
    int gated_in;    /* an allowed export gate_in of it exists */
    int loaded;      /* an allowed loading of it exists */
    int holds_open;
    int seal_mismatch; /* on an outbound manifest whose seal differs */
} gate_export_facts;
int gate_decide_export(const gate_export_facts *f, const char *reasons[GATE_MAX_REASONS],
                       int *n_reasons);

#endif
