#!/usr/bin/env python3
"""Validate data/tax/*.tsv against docs/tax-data-format.md.

Checks: exact header, column count, non-empty legal_ref, dates (YYYY-MM-DD, valid_from <= valid_to),
numbers, hs_prefix shape and existence as a prefix of a real 8-digit line of the AHTN 2022 tariff,
ISO alpha-2 codes, and no overlapping validity for the same key.
Usage: scripts/check-tax-data.py [data_dir] [tariff_csv]
"""
import csv, datetime, os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "data", "tax")
TARIFF = sys.argv[2] if len(sys.argv) > 2 else \
    "/work/shared/data/hs-nomenclature/vietnam-tariff-2026/vn_import_tariff_ahtn2022.csv"
COUNTRIES = "/work/shared/data/reference/country-codes"  # optional

HEADERS = {
    "sct.tsv": "hs_prefix attribute attr_min attr_max pct valid_from valid_to legal_ref description",
    "ept.tsv": "hs_prefix amount_vnd unit valid_from valid_to legal_ref description",
    "vat.tsv": "hs_prefix rate valid_from valid_to legal_ref description",
    "vat_reduction.tsv": "rate valid_from valid_to legal_ref description",
    "vat_reduction_excluded.tsv": "hs_prefix valid_from valid_to legal_ref description",
    "trade_remedies.tsv": "hs_prefix origin producer kind pct valid_from valid_to legal_ref description",
    "fta_parties.tsv": "agreement country valid_from valid_to legal_ref",
    "fta_agreements.tsv": "agreement co_forms schedule legal_ref name",
    "wto_members.tsv": "country since legal_ref",
    "exchange_rates_demo.tsv": "currency vnd_per_unit valid_from valid_to source",
}
# key columns for the "no overlapping validity" rule
KEYS = {
    "sct.tsv": ("hs_prefix", "attribute", "attr_min", "attr_max"),
    "ept.tsv": ("hs_prefix",),
    "vat.tsv": ("hs_prefix",),
    "vat_reduction.tsv": (),
    "vat_reduction_excluded.tsv": ("hs_prefix",),
    "trade_remedies.tsv": ("hs_prefix", "origin", "producer", "kind"),
    "fta_parties.tsv": ("agreement", "country"),
    "exchange_rates_demo.tsv": ("currency",),
}
AGREEMENTS = ("ACFTA ATIGA AJCEP VJEPA AKFTA AANZFTA AIFTA VKFTA VCFTA VN_EAEU CPTPP AHKFTA EVFTA "
              "UKVFTA VIFTA RCEP_A RCEP_B RCEP_C RCEP_D RCEP_E RCEP_F").split()
UNITS = {"LTR", "KGM", "TNE"}
SCT_ATTRS = ("", "alcohol_pct", "engine_cc", "seats", "btu", "sugar_g_100ml")
NUM = re.compile(r"^\d+(\.\d+)?$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
errors = []


def err(f, n, msg):
    errors.append(f"{f}:{n}: {msg}")


def load_tariff():
    lines = set()
    with open(TARIFF, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            c = row["HSCode"].strip()
            if len(c) == 8 and c.isdigit():
                lines.add(c)
    prefixes = set()
    for c in lines:
        for k in range(2, 9):
            prefixes.add(c[:k])
    return prefixes


def parse_date(f, n, s, allow_empty=False):
    if s == "" and allow_empty:
        return None
    if not DATE.match(s):
        err(f, n, f"bad date {s!r}")
        return None
    try:
        return datetime.date.fromisoformat(s)
    except ValueError:
        err(f, n, f"invalid date {s!r}")
        return None


def read(fname):
    path = os.path.join(DATA, fname)
    rows = []
    with open(path, encoding="utf-8") as fh:
        header = None
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if line.startswith("#") or line.strip() == "":
                continue
            cols = line.split("\t")
            if header is None:
                header = cols
                if " ".join(cols) != HEADERS[fname]:
                    err(fname, n, f"header {cols} != {HEADERS[fname].split()}")
                continue
            if len(cols) != len(header):
                err(fname, n, f"{len(cols)} columns, expected {len(header)}")
                continue
            rows.append((n, dict(zip(header, cols))))
    return rows


def check_overlaps(fname, rows):
    key = KEYS.get(fname)
    if key is None:
        return
    groups = {}
    for n, r in rows:
        k = tuple(r[c] for c in key)
        vf = r.get("valid_from") or r.get("since")
        vt = r.get("valid_to", "")
        try:
            a = datetime.date.fromisoformat(vf)
            b = datetime.date.fromisoformat(vt) if vt else datetime.date.max
        except ValueError:
            continue
        groups.setdefault(k, []).append((a, b, n))
    for k, spans in groups.items():
        spans.sort()
        for (a1, b1, n1), (a2, b2, n2) in zip(spans, spans[1:]):
            if a2 <= b1:
                err(fname, n2, f"validity overlaps line {n1} for key {k}")


def main():
    prefixes = load_tariff()
    total = 0
    for fname in HEADERS:
        path = os.path.join(DATA, fname)
        if not os.path.exists(path):
            err(fname, 0, "missing file")
            continue
        rows = read(fname)
        total += len(rows)
        for n, r in rows:
            if "legal_ref" in r and not r["legal_ref"].strip():
                err(fname, n, "empty legal_ref")
            if "source" in r and not r["source"].strip():
                err(fname, n, "empty source")
            vf = vt = None
            if "valid_from" in r:
                vf = parse_date(fname, n, r["valid_from"])
                vt = parse_date(fname, n, r["valid_to"], allow_empty=True)
                if vf and vt and vt < vf:
                    err(fname, n, "valid_to before valid_from")
            if "since" in r:
                parse_date(fname, n, r["since"])
            if "hs_prefix" in r:
                p = r["hs_prefix"]
                if p != "*":
                    if not (p.isdigit() and 2 <= len(p) <= 8):
                        err(fname, n, f"bad hs_prefix {p!r}")
                    elif p not in prefixes:
                        err(fname, n, f"hs_prefix {p} is not a prefix of any AHTN 2022 8-digit line")
            for col in ("pct", "amount_vnd", "vnd_per_unit", "attr_min", "attr_max"):
                if col in r and r[col] != "" and not NUM.match(r[col]):
                    err(fname, n, f"{col} not a decimal: {r[col]!r}")
            if fname == "sct.tsv":
                if r["attribute"] not in SCT_ATTRS:
                    err(fname, n, f"unknown attribute {r['attribute']!r}")
                elif not r["attribute"] and (r["attr_min"] or r["attr_max"]):
                    err(fname, n, "attr_min/attr_max without an attribute")
                elif r["attribute"] and not (r["attr_min"] or r["attr_max"]):
                    err(fname, n, "attribute without attr_min or attr_max")
                if r["attr_min"] and r["attr_max"] and NUM.match(r["attr_min"]) and \
                        NUM.match(r["attr_max"]) and float(r["attr_min"]) >= float(r["attr_max"]):
                    err(fname, n, "attr_min >= attr_max")
            if fname == "vat.tsv" and r["rate"] != "exempt" and not NUM.match(r["rate"]):
                err(fname, n, f"bad VAT rate {r['rate']!r}")
            if fname == "vat_reduction.tsv" and not NUM.match(r["rate"]):
                err(fname, n, f"bad rate {r['rate']!r}")
            if fname == "ept.tsv" and r["unit"] not in UNITS:
                err(fname, n, f"unit {r['unit']!r} not in {sorted(UNITS)}")
            if fname == "trade_remedies.tsv":
                if r["kind"] not in ("AD", "SG", "CVD"):
                    err(fname, n, f"bad kind {r['kind']!r}")
                if not re.match(r"^[A-Z]{2}$", r["origin"]):
                    err(fname, n, f"bad origin {r['origin']!r}")
                if not r["producer"]:
                    err(fname, n, "empty producer (use *)")
            for col in ("country",):
                if col in r and not re.match(r"^[A-Z]{2}$", r[col]):
                    err(fname, n, f"bad country {r[col]!r}")
            if "agreement" in r and r["agreement"] not in AGREEMENTS:
                err(fname, n, f"unknown agreement {r['agreement']!r}")
            if fname == "exchange_rates_demo.tsv" and not re.match(r"^[A-Z]{3}$", r["currency"]):
                err(fname, n, f"bad currency {r['currency']!r}")
            if fname == "fta_agreements.tsv" and not re.match(r"^B\d\d$", r["schedule"]):
                err(fname, n, f"bad schedule {r['schedule']!r}")
        check_overlaps(fname, rows)
        if fname == "fta_agreements.tsv":
            seen = [r["agreement"] for _, r in rows]
            for a in AGREEMENTS:
                if a not in seen:
                    err(fname, 0, f"agreement {a} has no row")
        if fname == "wto_members.tsv":
            cs = [r["country"] for _, r in rows]
            dup = {c for c in cs if cs.count(c) > 1}
            if dup:
                err(fname, 0, f"duplicate countries {sorted(dup)}")
            if "VN" in cs:
                err(fname, 0, "VN must not be listed")
        print(f"{fname}: {len(rows)} rows")
    for e in errors:
        print("ERROR", e)
    print(f"{total} rows, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
