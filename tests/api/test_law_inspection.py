"""API tests: the law as it is applied (sections 1-3): specialised inspection gates
clearance, bans read correctly, amendments after release reviewed by an officer."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness
from test_manifest import bill, fresh_bl, fresh_container, manifest

MARD_AGENCY = "0100200001"   # Department of Animal Health / Plant Protection (MARD)
MOIT_AGENCY = "0100200002"   # MOIT quality inspection
MOT_AGENCY = "0100200003"    # Vietnam Register (MOT)

HORSES = "01012100"          # live horses: MARD quarantine (01/2024/TT-BNNPTNT M1), before clearance
LAMPS = "94054910"           # MOIT quality inspection (1182/QĐ-BCT), before clearance
TYRES = "40111000"           # MOT certification after clearance (12/2022/TT-BGTVT)


class LawEnv(OwnEnvCase):
    """Its own database: MARD, MOIT and MOT are connected (a party bound to each)."""

    @classmethod
    def setUpEnv(cls):
        for code, name, agency in [(MARD_AGENCY, "MARD Animal Health", "MARD"),
                                   (MOIT_AGENCY, "MOIT Quality Inspection", "MOIT"),
                                   (MOT_AGENCY, "Vietnam Register", "MOT")]:
            cls.env.add_party(code, name, "agency", key=agency.lower(), agency=agency)

    def horses(self, qty="4"):
        return declaration(items=[item(HORSES, qty, "12000", origin="AU",
                                       desc="Live horses for breeding")])

    def post_result(self, number, body, token="mard", expect=201):
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/inspection-results" % number, token,
                             body)
        self.assertEqual(st, expect, b)
        return b

    def result(self, legal_ref, result="pass", lines=(1,), cert=None, **extra):
        b = {"procedure": legal_ref, "items": list(lines), "result": result,
             "certificate": cert or "KD-" + os.urandom(4).hex(), "date": TODAY.isoformat()}
        b.update(extra)
        return b

    def clear_refused(self, number, code="inspection_pending"):
        self.settle(number)
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/decisions" % number, "officer",
                             {"decision": "clear"})
        self.assertEqual(st, 409, b)
        self.assertIn(code, [c for c, _ in error_codes(b)], b)
        return b


QUARANTINE = "01/2024/TT-BNNPTNT M1"


class T14Inspection(LawEnv):
    """Section 1: procedures of stage before_clearance of a connected agency gate clearance."""

    def test_horses_do_not_clear_without_quarantine(self):
        # reproduced on main: live horses registered and cleared with no inspection result
        r = self.registered(decl=self.horses())
        owed = r["procedures_owed"]
        self.assertIn({"line": 1, "hs_code": HORSES, "agency": "MARD", "legal_ref": QUARANTINE,
                       "stage": "before_clearance", "status": "pending"},
                      [{k: o[k] for k in ("line", "hs_code", "agency", "legal_ref", "stage", "status")}
                       for o in owed], owed)
        self.assertTrue(all(o["procedure"] for o in owed))
        self.assertNotIn("info", [o["stage"] for o in owed])  # notices are not owed
        g = self.get(r["number"])
        self.assertEqual(g["procedures_owed"], owed)
        # green and paid: not cleared by the payment, and the officer's clear is refused
        self.assertEqual(r["channel"], "green")
        b = self.clear_refused(r["number"])
        self.assertEqual(self.get(r["number"])["status"], "registered")
        msg = " ".join(e["message"] for e in b["errors"])
        self.assertIn(QUARANTINE, msg)
        self.assertIn("MARD", msg)
        self.assertIn(("inspection_pending", "/items/0"), error_codes(b))
        # the agency's passing result: the paid green declaration is released at once
        res = self.post_result(r["number"], self.result(QUARANTINE))
        self.assertEqual(res["procedures_owed"][0]["status"], "passed")
        g = self.get(r["number"])
        self.assertEqual(g["status"], "cleared")
        self.assertEqual([o["status"] for o in g["procedures_owed"] if o["legal_ref"] == QUARANTINE],
                         ["passed"])
        self.assertEqual(g["procedures_owed"][0]["results"][0]["certificate"],
                         res["procedures_owed"][0]["results"][0]["certificate"])
        self.assertIn("inspection_result", [e["action"] for e in self.events(r["number"])])

    def test_moit_bound_lamps_wait_for_the_result_on_yellow(self):
        self.rule(name="yellow lamps law", hs_prefix="9405", action="yellow", priority=5)
        r = self.registered(decl=declaration(items=[item(LAMPS, "100", "3", desc="LED lamps")]))
        n = r["number"]
        refs = [o["legal_ref"] for o in r["procedures_owed"] if o["agency"] == "MOIT"]
        self.assertTrue(refs, r)
        self.decide(n, "start_document_check")
        self.decide(n, "document_check", passed=True)
        self.clear_refused(n)
        for ref in refs:
            self.post_result(n, self.result(ref), token="moit")
        self.assertEqual(self.decide(n, "clear")["status"], "cleared")

    def test_only_the_owning_agency_records(self):
        r = self.registered(decl=self.horses())
        n = r["number"]
        self.post_result(n, self.result(QUARANTINE), token="moit", expect=403)
        self.post_result(n, self.result(QUARANTINE), token="mot", expect=403)
        for token in ("officer", "bank", "carrier"):
            self.post_result(n, self.result(QUARANTINE), token=token, expect=403)
        self.post_result(n, self.result(QUARANTINE), token="other", expect=404)
        # bad input: every error at once
        b = self.post_result(n, {"procedure": "", "items": [0, 9], "result": "maybe",
                                 "date": "yesterday", "x": 1}, expect=422)
        self.assert_errors(422, b, [("required", "/procedure"), ("line", "/items/0"),
                                    ("line", "/items/1"), ("enum", "/result"), ("date", "/date"),
                                    ("required", "/certificate"), ("unknown_field", "/x")])
        b = self.post_result(n, self.result("01/2024/TT-BNNPTNT M9"), expect=422)
        self.assertEqual(error_codes(b)[0][0], "procedure_not_owed")
        self.assertEqual(self.get(n)["procedures_owed"][0]["status"], "pending")

    def test_no_result_on_a_closed_declaration(self):
        r = self.registered(decl=self.horses())
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/cancellation" % r["number"], "active",
                             {"reason_code": "H07"})
        self.assertEqual(st, 200, b)
        b = self.post_result(r["number"], self.result(QUARANTINE), expect=409)
        self.assertEqual(error_codes(b)[0][0], "illegal_transition")

    def test_export_of_horses_owes_no_import_quarantine(self):
        d = declaration(items=[item(HORSES, "2", "12000", origin="VN", desc="Horses")],
                        type_code="B11", kind="export")
        d["exporter"] = {"tax_code": ACTIVE, "name": "Hanoi Electronics Import JSC",
                         "address": "1 Trang Tien, Ha Noi"}
        d["importer"] = {"name": "Vientiane Stud", "country": "LA", "address": "Vientiane"}
        d["transport"].update(port_of_loading="VNHPH", port_of_discharge="CNSHK")
        r = self.register(self.create(decl=d)["id"])
        self.assertEqual(r["procedures_owed"], [])

    def test_failed_result_blocks_and_the_officer_decides_what_follows(self):
        r = self.registered(decl=self.horses())
        n = r["number"]
        self.post_result(n, self.result(QUARANTINE, "fail", note="equine infectious anaemia"))
        g = self.get(n, "officer")
        self.assertEqual(g["procedures_owed"][0]["status"], "failed")
        b = self.clear_refused(n, "inspection_failed")
        self.assertIn("re-export or destruction", b["errors"][0]["message"])
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/decisions" % n, "officer",
                             {"decision": "inspection_failure", "measure": "sell"})
        self.assert_errors(st, b, [("enum", "/measure")])
        d = self.decide(n, "inspection_failure", measure="destruction", note="ordered by MARD")
        self.assertEqual((d["decisions"][-1]["decision"], d["decisions"][-1]["measure"]),
                         ("inspection_failure", "destruction"))
        self.assertNotEqual(d["status"], "cleared")
        # the decision needs a failed result
        r2 = self.registered(decl=self.horses())
        self.decide(r2["number"], "inspection_failure", measure="re_export", expect=409)

    def test_declarant_references_a_result_already_issued(self):
        first = self.registered(decl=self.horses("8"))
        res = self.post_result(first["number"], self.result(QUARANTINE, cert="KD-SHARED-1"))
        self.assertEqual(res["procedures_owed"][0]["status"], "passed")
        second = self.registered(decl=self.horses("4"))
        # a certificate that does not exist, or of a failed result: refused
        self.post_result(second["number"], {"reference": "KD-NOPE", "items": [1]}, token="active",
                         expect=422)
        res = self.post_result(second["number"], {"reference": "KD-SHARED-1", "items": [1]},
                               token="active")
        o = res["procedures_owed"][0]
        self.assertEqual((o["status"], o["results"][0]["certificate"]), ("passed", "KD-SHARED-1"))
        # another enterprise cannot borrow it
        third = self.registered("other", declaration(importer=OTHER, items=self.horses()["items"]))
        self.post_result(third["number"], {"reference": "KD-SHARED-1", "items": [1]}, token="other",
                         expect=422)

    def test_release_for_storage_lets_the_gate_pass_without_clearing(self):
        ctr, bl = fresh_container(), fresh_bl()
        st, m, _ = self.call("POST", "/api/v1/manifests", "carrier",
                             manifest([bill(bl, [(ctr, "SEAL-H1")])]))
        self.assertEqual(st, 201, m)
        d = self.horses()
        d["transport"]["bills_of_lading"] = [bl]
        d["transport"]["containers"] = [ctr]
        r = self.registered(decl=d)
        n = r["number"]
        self.settle(n)
        gate = lambda: self.call("POST", "/api/v1/gate-events", "portop",
                                 {"type": "gate_out", "container": ctr, "location": "VNHPH-TC01",
                                  "seal": "SEAL-H1"})[1]
        self.call("POST", "/api/v1/gate-events", "portop",
                  {"type": "gate_in", "container": ctr, "location": "VNHPH-TC01", "seal": "SEAL-H1"})
        self.assertEqual(gate()["reasons"], ["declaration_not_cleared"])
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/decisions" % n, "officer",
                             {"decision": "release_for_storage"})
        self.assert_errors(st, b, [("required", "/storage_address")])
        d = self.decide(n, "release_for_storage", storage_address="Lot 5, Dinh Vu IZ, Hai Phong")
        self.assertEqual(d["status"], "registered")  # not cleared
        self.assertEqual(d["released_for_storage"]["storage_address"], "Lot 5, Dinh Vu IZ, Hai Phong")
        g = gate()
        self.assertEqual((g["decision"], g["reasons"]), ("allow", []), g)
        self.assertEqual(self.get(n)["status"], "registered")  # still waiting for the result
        self.clear_refused(n)
        self.post_result(n, self.result(QUARANTINE))
        self.assertEqual(self.get(n)["status"], "cleared")

    def test_after_clearance_obligation_listed_for_the_agency(self):
        r = self.registered(decl=declaration(items=[item(TYRES, "40", "60", desc="Car tyres")]))
        n = r["number"]
        owed = [o for o in r["procedures_owed"] if o["stage"] == "after_clearance"]
        self.assertEqual([o["agency"] for o in owed], ["MOT"])
        self.decide(n, "clear")  # does not wait for it
        self.assertEqual(self.get(n)["status"], "cleared")
        st, b, _ = self.call("GET", "/api/v1/agencies/me/obligations", "mot")
        self.assertEqual(st, 200, b)
        mine = [o for o in b["obligations"] if o["declaration"] == n]
        self.assertEqual(len(mine), 1, b)
        self.assertEqual(mine[0]["status"], "pending")
        self.assertEqual(mine[0]["deadline"],
                         (TODAY + datetime.timedelta(days=30)).isoformat())
        st, b, _ = self.call("GET", "/api/v1/agencies/me/obligations", "mard")
        self.assertNotIn(n, [o["declaration"] for o in b["obligations"]])
        self.assertEqual(self.call("GET", "/api/v1/agencies/me/obligations", "active")[0], 403)
        self.post_result(n, self.result(owed[0]["legal_ref"], cert="VR-1"), token="mot")
        st, b, _ = self.call("GET", "/api/v1/agencies/me/obligations", "mot")
        self.assertEqual([o["status"] for o in b["obligations"] if o["declaration"] == n], ["passed"])


class T14InspectionUnbound(ApiCase):
    """In the shared environment no agency is bound: nothing is owed, clearance as before."""

    def test_unconnected_agencies_do_not_gate(self):
        it = item(HORSES, "2", "12000", origin="AU", desc="Live horses")
        r = self.registered(decl=declaration(items=[it]))
        self.assertEqual(r["procedures_owed"], [])
        self.assertEqual(self.decide(r["number"], "clear")["status"], "cleared")
