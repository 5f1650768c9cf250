/* Selectivity: which channel a registered declaration takes (green 1 / yellow 2 / red 3), and
 * why. Pure function of the declaration, the rules, the enterprise profile and the policy.
 *
 * Order of precedence: rules stored by risk officers (conditions on HS prefix,
 * origin, importer, declarant, type code, office, value and unit-value thresholds, validity)
 * come first and always win. Then:
 * - with an active model, the band the score policy chose (core/risk_policy.h: score
 *   adjusted for AEO and compliance class, calibrated shares, exploration draws);
 * - without one, the enterprise compliance class and random sampling.
 * AEO (priority) enterprises are exempt from document check and inspection unless a rule selects
 * them or, with a model, an exploration draw picks them for a compliance check.
 */
#ifndef ECUSTOMS_CORE_RISK_H
#define ECUSTOMS_CORE_RISK_H

#include <stdint.h>

#include "core/decl.h"
#include "util/date.h"

typedef struct risk_rule {
    int64_t id;
    char name[96];
    char hs_prefix[9]; /* "" = any; 2..8 digits */
    char origin[3];    /* "" = any */
    char importer[14]; /* the Vietnamese enterprise ("" = any) */
    char declarant[14];
    char type_code[4];
    char office[9];
    char shipper[64];      /* "" = any; case-insensitive substring of the foreign seller/shipper */
    int64_t min_value_vnd; /* total customs value >= this (0 = no condition) */
    int64_t max_unit_value_vnd; /* an item's customs value per unit of quantity < this (0 = none) */
    date_ymd valid_from, valid_to; /* 0 = open */
    int duplicate_document;        /* 1: only a declaration whose invoice or bill of lading the same
                                    * enterprise declared before */
    int action;                    /* CH_YELLOW or CH_RED */
    int priority;                  /* higher first */
    int active;
} risk_rule;

/* What selectivity sees of a declaration: the declaration plus per-item customs values in VND. */
typedef struct risk_input {
    const decl *d;
    const int64_t *item_customs_value; /* VND per item (from the tax engine) */
    int64_t customs_value;             /* VND total */
    date_ymd date;
    int aeo;
    int compliance;         /* 1..4; 0 unknown */
    int model_channel;      /* CH_NONE without an active model, else the band chosen */
    int model_explored;     /* ... by the exploration draw rather than by the score */
    uint64_t random_draw;   /* uniform 64-bit draw, supplied by the caller */
    int duplicate_document; /* the enterprise declared this invoice / bill of lading before */
} risk_input;

typedef struct risk_policy {
    uint32_t random_red_ppm;    /* random physical inspection share, parts per million */
    uint32_t random_yellow_ppm; /* random document check share */
    /* learned selectivity (core/risk_policy.h): shares of traffic, parts per million */
    uint32_t model_red_ppm;    /* default 50,000 (5 %) */
    uint32_t model_yellow_ppm; /* default 150,000 (15 %) */
    uint32_t exploration_ppm;  /* of each selection, drawn at random; default 100,000 */
} risk_policy;

#define RISK_MAX_REASONS 16

typedef struct risk_reason {
    char code[24]; /* "rule", "compliance", "aeo", "random", "model", "exploration" */
    int64_t rule_id;
    int channel; /* the channel this reason asks for */
    char text[128];
} risk_reason;

typedef struct risk_decision {
    int channel;
    int n_reasons;
    risk_reason reasons[RISK_MAX_REASONS];
} risk_decision;

/* 1 if the rule is well formed (action, prefix digits, dates), else 0 and why. */
int risk_rule_valid(const risk_rule *r, char *why, size_t why_size);

/* 1 if pattern occurs in name, ignoring ASCII case (the rule's shipper condition). */
int risk_shipper_matches(const char *pattern, const char *name);

/* 1 if the rule selects this declaration. */
int risk_rule_matches(const risk_rule *r, const risk_input *in);

/* rules must be sorted by priority, highest first (reasons keep that order). */
void risk_classify(const risk_rule *rules, int n_rules, const risk_policy *policy,
                   const risk_input *in, risk_decision *out);

/* A selection sticks to the consignment: the same goods were selected for
 * `channel` (yellow/red) under declaration `number`, which was then cancelled. The decision
 * gets a reason "inherited" and at least that channel; a green or no channel changes nothing.
 * Applied after risk_classify, so neither an AEO's green nor a model can undo it. */
void risk_inherit_selection(risk_decision *d, int channel, const char *number);

#endif
