"""API tests: bans read correctly. A procedure of stage `prohibited` applies
to the direction its text names and to the condition of the goods it names; the deciding facts
are item fields (condition, cas_number, timber_origin)."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness
from test_law_inspection import LawEnv

SARIN = "107-44-8"           # Decree 113/2017 Appendix III (CWC Schedule 1)
ACETONE = "67-64-1"          # not banned
PHOSPHONATE = "29314990"     # organo-phosphorus compounds: 113/2017 PL3 (banned chemicals)
LOGS = "44039990"            # round wood: export banned from domestic natural forests (M20)


def export_decl(items):
    d = declaration(items=items, type_code="B11", kind="export")
    d["exporter"] = {"tax_code": ACTIVE, "name": "Hanoi Electronics Import JSC",
                     "address": "1 Trang Tien, Ha Noi"}
    d["importer"] = {"name": "Guangxi Timber Co", "country": "CN", "address": "Nanning"}
    d["transport"].update(port_of_loading="VNHPH", port_of_discharge="CNSHK")
    return d


def example():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "examples", "import-phones.json")) as f:
        return json.load(f)


class T14Bans(LawEnv):
    """MOIT is bound in this environment (LawEnv)."""

    def codes_at(self, body, path):
        return [c for c, p in error_codes(body) if p == path]

    def test_example_registers_with_moit_bound(self):
        # reproduced on main: binding MOIT made the README's example fail with permit_missing,
        # "Hàng tiêu dùng QSD cấp NK" read as a MOIT licence instead of the used-goods ban
        d = self.create(decl=example())
        r = self.register(d["id"])
        self.assertNotIn("permit_missing", json.dumps(r))
        st, t, _ = self.call("GET", "/api/v1/tariff/85171300", "active")
        stages = {p["legal_ref"]: p["stage"] for p in t["procedures"]}
        self.assertEqual(stages["08/2023/TT-BCT - PL1.I"], "prohibited")
        p = [p for p in t["procedures"] if p["legal_ref"] == "08/2023/TT-BCT - PL1.I"][0]
        self.assertEqual((p["direction"], p["condition"]), ("import", "used"))

    def test_used_phones_refused_new_pass(self):
        used = item(desc="Used smartphones")
        used["condition"] = "used"
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", declaration(items=[used]))
        self.assertEqual(st, 422, b)
        self.assertIn("prohibited", self.codes_at(b, "/items/0/condition"))
        msg = " ".join(e["message"] for e in b["errors"] if e["code"] == "prohibited")
        self.assertIn("08/2023/TT-BCT", msg)
        self.assertIn("11/2018/TT-BTTTT", msg)  # MIC's list of used IT products too
        new = item()
        new["condition"] = "new"
        self.registered(decl=declaration(items=[new]))

    def test_missing_condition_is_asked_for(self):
        it = item()
        it.pop("condition", None)
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", declaration(items=[it]))
        self.assertEqual(st, 422, b)
        self.assertEqual(self.codes_at(b, "/items/0/condition"), ["required"])
        # chargers are not under a used-goods ban: no question asked
        ch = item("85044019", "100", "5", desc="Phone chargers")
        ch.pop("condition", None)
        self.registered(decl=declaration(items=[ch]))
        # a bad value is named
        it["condition"] = "refurbished"
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", declaration(items=[it]))
        self.assertEqual(self.codes_at(b, "/items/0/condition"), ["enum"])

    def test_banned_chemical_by_cas_number(self):
        def chem(cas=None):
            it = item(PHOSPHONATE, "10", "50", origin="DE", desc="Organo-phosphorus compound")
            it["unit"] = "KGM"
            if cas is not None:
                it["cas_number"] = cas
            return declaration(items=[it])
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", chem())
        self.assertEqual((st, self.codes_at(b, "/items/0/cas_number")), (422, ["required"]), b)
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", chem(SARIN))
        self.assertEqual((st, self.codes_at(b, "/items/0/cas_number")), (422, ["prohibited"]), b)
        self.assertIn("113/2017/NĐ-CP", b["errors"][0]["message"])
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", chem("107-44-9"))
        self.assertEqual((st, self.codes_at(b, "/items/0/cas_number")), (422, ["cas_number"]), b)
        self.registered(decl=chem(ACETONE))

    def test_timber_export_ban_applies_to_exports_of_natural_forest_wood_only(self):
        def logs(origin=None):
            it = item(LOGS, "30", "400", origin="VN", desc="Round logs")
            it["unit"] = "MTQ"
            if origin:
                it["timber_origin"] = origin
            return it
        st, b, _ = self.call("POST", "/api/v1/declarations", "active",
                             export_decl([logs("natural_forest")]))
        self.assertEqual((st, self.codes_at(b, "/items/0/timber_origin")), (422, ["prohibited"]), b)
        self.assertIn("01/2024/TT-BNNPTNT M20", b["errors"][0]["message"])
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", export_decl([logs()]))
        self.assertEqual((st, self.codes_at(b, "/items/0/timber_origin")), (422, ["required"]), b)
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", export_decl([logs("plantation")]))
        self.assertEqual(st, 201, b)
        # the import of the same logs is not under the export ban: nothing asked
        imp = logs()
        imp["origin"] = "LA"
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", declaration(items=[imp]))
        self.assertEqual(st, 201, b)
