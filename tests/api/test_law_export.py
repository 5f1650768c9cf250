"""API tests, issue 14 §6 (part): export duties from Vietnam's export tariff (Decree 26/2023
Appendix I; rates marked unverified in data/tax/export_duties.tsv). Outbound manifests, gate-in of
export containers and loading confirmation are NOT built yet (docs/law-applied.md)."""
from harness import *  # noqa: F401,F403
import harness


def export_decl(hs="72044900", qty="20000", price="0.4", desc="Ferrous scrap", exporter=ACTIVE):
    it = item(hs, qty, "1", desc=desc)
    it["unit"] = "KGM"
    it["unit_price"] = price
    it["value"] = "%.2f" % (float(qty) * float(price))
    return {
        "kind": "export", "type_code": "B11", "customs_office": "03CC",
        "exporter": {"tax_code": exporter, "name": "Exporter " + exporter,
                     "address": "1 Le Thanh Tong, Ngo Quyen, Hai Phong"},
        "importer": {"name": "Guangxi Metals Trading Co", "country": "CN", "address": "Nanning, Guangxi"},
        "transport": {"mode": 2, "bills_of_lading": ["HPEXP%08d" % (os.getpid() % 10 ** 8)],
                      "port_of_loading": "VNHPH", "port_of_discharge": "CNNSA",
                      "arrival_date": (TODAY + datetime.timedelta(days=2)).isoformat(),
                      "vessel": "HAIAN PARK", "containers": ["MSCU1234566"]},
        "packages": {"count": 1, "unit": "CT"},
        "gross_weight_kg": qty,
        "invoice": {"number": "EXP-%d" % os.getpid(), "date": TODAY.isoformat(), "currency": "USD",
                    "incoterm": "FOB", "total": it["value"]},
        "items": [it],
    }


class T14LawExport(ApiCase):
    def test_export_duty_from_the_export_tariff(self):
        d = self.create(decl=export_decl())
        x = d["items"][0]["taxes"]
        self.assertIn("export_duty", x, x)
        self.assertNotIn("import_duty", x)
        duty = x["export_duty"]
        # 8,000 USD FOB x 25,450 = 203,600,000 VND; ferrous scrap 17 %
        self.assertEqual(d["items"][0]["customs_value"], "203600000", d)
        self.assertEqual((duty["rate"], duty["amount"]), ("17%", "34612000"), duty)
        self.assertIn("Decree 26/2023", duty["legal_ref"])
        self.assertIn("unverified", duty["legal_ref"])
        self.assertEqual(x["vat"]["amount"], "0")
        self.assertEqual(d["taxes"]["export_duty"]["amount"], "34612000")
        self.assertEqual(d["taxes"]["total"]["amount"], "34612000")
        # registered, the duty is owed on the ledger like an import's taxes
        r = self.register(d["id"])
        self.assertEqual(r["total_tax"], "34612000", r)

    def test_goods_not_in_the_export_tariff_carry_none(self):
        d = self.create(decl=export_decl("85171300", "100", "200", desc="Smartphones"))
        duty = d["items"][0]["taxes"]["export_duty"]
        self.assertEqual((duty["amount"], duty["rate"]), ("0", "0%"), duty)
        self.assertIn("not in the export tariff", duty["note"])
        self.assertEqual(d["taxes"]["total"]["amount"], "0")
