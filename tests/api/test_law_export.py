""" export duties from Vietnam's export tariff (Decree 26/2023
Appendix I; rates marked unverified in data/tax/export_duties.tsv), gate-in of an export container
against its cleared export declaration and the loading confirmation that moves it to
passed_supervision, outbound manifests (port of loading in Vietnam)."""
from harness import *  # noqa: F401,F403
import harness


def export_decl(hs="72044900", qty="20000", price="0.4", desc="Ferrous scrap", exporter=ACTIVE,
                container="MSCU1234566"):
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
                      "vessel": "HAIAN PARK", "containers": [container]},
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


class T14LawExportGate(OwnEnvCase):
    """Its own database: the container's history must be its own."""
    env_name = "law-export"

    def gate(self, type_, container, location="VNHPH-TC01", token="portop", seal="VN-EXP-1"):
        st, b, _ = self.call("POST", "/api/v1/gate-events", token,
                             {"type": type_, "container": container, "location": location, "seal": seal})
        self.assertEqual(st, 200, b)
        return b

    def test_gate_in_and_loading_of_an_export_container(self):
        ctr = "EXPU1234560"
        # before any declaration: an unknown container is refused as before
        self.assertEqual(self.gate("gate_in", ctr)["reasons"], ["not_in_manifest"])
        self.assertEqual(self.gate("loaded", ctr)["reasons"], ["no_export_declaration", "not_gated_in"])
        d = self.create(decl=export_decl("85171300", "100", "200", desc="Smartphones", container=ctr))
        r = self.register(d["id"])
        self.assertTrue(r["number"].startswith("30"), r)  # an export declaration's number
        # registered, not cleared yet: the container waits outside
        b = self.gate("gate_in", ctr)
        self.assertEqual((b["decision"], b["reasons"]), ("deny", ["declaration_not_cleared"]), b)
        if self.get(r["number"], "officer")["status"] != "cleared":
            self.decide(r["number"], "clear")
        self.assertEqual(self.get(r["number"])["status"], "cleared")
        # a gate of another port: not where the goods are declared to be loaded
        b = self.gate("gate_in", ctr, location="VNSGN", token="portop2")
        self.assertEqual(b["reasons"], ["wrong_port"], b)
        # loading before the container entered the port: refused
        self.assertIn("not_gated_in", self.gate("loaded", ctr)["reasons"])
        b = self.gate("gate_in", ctr)
        self.assertEqual((b["decision"], b["direction"]), ("allow", "export"), b)
        self.assertEqual(b["declarations"], [{"number": r["number"], "status": "cleared"}])
        self.assertEqual(self.gate("gate_in", ctr)["reasons"], ["already_in"])
        # loaded onto the vessel: the declaration has passed the supervision area
        b = self.gate("loaded", ctr)
        self.assertEqual(b["decision"], "allow", b)
        self.assertEqual(b["declarations"][0]["status"], "passed_supervision", b)
        g = self.get(r["number"])
        self.assertEqual(g["status"], "passed_supervision")
        self.assertEqual(g["decisions"][-1]["decision"], "loaded", g["decisions"])
        self.assertEqual(self.gate("loaded", ctr)["reasons"], ["already_loaded"])
        self.assertIn("pass_supervision", [e["action"] for e in self.events(r["number"])])

    def test_outbound_manifest(self):
        ctr = "EXPU7654322"
        eta = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=48)).strftime("%Y-%m-%dT%H:%M:%SZ")
        bl = {"number": "HPOUT%08d" % (os.getpid() % 10 ** 8), "kind": "master", "shipper": ACTIVE + " Exporter",
              "consignee": "Guangxi Metals Trading Co#Nanning", "notify": "same as consignee",
              "description": "Ferrous scrap", "hs_code": "7204", "packages": 1, "gross_weight_kg": "20000",
              "containers": [{"number": ctr, "seal": "VN-OUT-7"}]}
        m = {"direction": "outbound", "vessel": {"imo": "9321483", "call_sign": "3FZA7", "name": "HAIAN PARK"},
             "voyage": "0101S", "port_of_loading": "VNHPH", "port_of_arrival": "CNNSA", "eta": eta,
             "bills_of_lading": [bl]}
        # outbound: the port of loading must be Vietnam's; inbound: the port of arrival
        st, b, _ = self.call("POST", "/api/v1/manifests", "carrier", dict(m, port_of_loading="CNSHA"))
        self.assert_errors(st, b, [("locode", "/port_of_loading")])
        st, b, _ = self.call("POST", "/api/v1/manifests", "carrier", dict(m, direction="sideways"))
        self.assert_errors(st, b, [("enum", "/direction")])
        st, b, _ = self.call("POST", "/api/v1/manifests", "carrier", m)
        self.assertEqual(st, 201, b)
        d = self.create(decl=export_decl(container=ctr))
        r = self.register(d["id"])
        if self.get(r["number"], "officer")["status"] != "cleared":
            self.decide(r["number"], "clear")
        # on the outbound manifest: its seal is checked, then the export declaration
        self.assertIn("seal_mismatch", self.gate("gate_in", ctr, seal="WRONG")["reasons"])
        b = self.gate("gate_in", ctr, seal="VN-OUT-7")
        self.assertEqual((b["decision"], b["manifest"]), ("allow", b["manifest"]), b)
        self.assertIsNotNone(b["manifest"])
        b = self.gate("loaded", ctr, seal="VN-OUT-7")
        self.assertEqual(b["decision"], "allow", b)
        self.assertEqual(self.get(r["number"])["status"], "passed_supervision")
