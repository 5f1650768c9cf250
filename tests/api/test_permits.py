"""API tests: e-Permit and e-C/O."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness


# ---- e-Permit ---------------------------------------------------------------------

CIPHER_AGENCY = "0100100001"  # the civil-cryptography licensing authority (procedures of agency GOV)
MIC_AGENCY = "0100100002"    # bound to MIC procedures only


class T12Permits(OwnEnvCase):
    """85171300 lists one licence before registration: civil cryptography products (Decree
    211/2025/NĐ-CP, agency GOV), connected to e-Permit in this environment (a party bound to it).
    Until the used-goods rows were read as bans these tests used "Hàng tiêu dùng QSD cấp NK" (08/2023/TT-BCT PL1.I) as a MOIT
    licence: it is the ban on used goods (data/tariff/SOURCE.md)."""
    env_name = "permits"
    seq = 0

    @classmethod
    def setUpEnv(cls):
        for code, name, agency in [(CIPHER_AGENCY, "Government Cipher Committee", "GOV"),
                                   (MIC_AGENCY, "MIC Publishing Authority", "MIC")]:
            cls.env.add_party(code, name, "agency", key=agency.lower(), agency=agency)

    def issue(self, expect=201, token="gov", **over):
        T12Permits.seq += 1
        body = {"number": "GOV-%05d" % T12Permits.seq, "enterprise": ACTIVE, "agency": "GOV",
                "hs_codes": ["8517"], "quantity": "1000", "unit": "PCE",
                "valid_from": (TODAY - datetime.timedelta(days=1)).isoformat(),
                "valid_to": (TODAY + datetime.timedelta(days=30)).isoformat()}
        body.update(over)
        st, b, _ = self.call("POST", "/api/v1/permits", token, body)
        self.assertEqual(st, expect, b)
        return body["number"] if st == 201 else b

    def decl_with(self, permits, qty="500", importer=ACTIVE):
        it = item(qty=qty)
        if permits is not None:
            it["permits"] = permits
        return declaration(importer=importer, items=[it])

    def permit_remaining(self, number):
        st, b, _ = self.call("GET", "/api/v1/permits/" + number, "gov")
        self.assertEqual(st, 200, b)
        return b["remaining"]

    def test_amendment_and_cancellation_give_permit_quantity_back(self):
        p = self.issue(quantity="1000")
        r = self.registered(decl=self.decl_with([p], qty="600"))
        self.assertEqual(self.permit_remaining(p), "400")
        # amendment to 900: the old 600 is given back first, then 900 drawn
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % r["number"], "active",
                             self.decl_with([p], qty="900"))
        self.assertEqual(st, 200, b)
        self.assertEqual(self.permit_remaining(p), "100")
        # more than the permit allows: refused, nothing changes
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % r["number"], "active",
                             self.decl_with([p], qty="1200"))
        self.assertEqual(st, 422, b)
        self.assertEqual(self.permit_remaining(p), "100")
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/cancellation" % r["number"], "active",
                             {"reason_code": "H04"})
        self.assertEqual(st, 200, b)
        self.assertEqual(self.permit_remaining(p), "1000")

    def refused(self, permits, qty="500", fragment=None, code="permit_invalid"):
        d = self.create(decl=self.decl_with(permits, qty))
        b = self.register(d["id"], expect=422)
        self.assertIn((code, "/items/0/permits"), error_codes(b), b)
        msg = [e["message"] for e in b["errors"] if e["path"] == "/items/0/permits"][0]
        self.assertIn("GOV", msg)
        self.assertIn("211/2025/NĐ-CP", msg)  # the procedure (legal reference)
        if fragment:
            self.assertIn(fragment, msg)
        return b

    def permit(self, number, token="gov", expect=200):
        st, b, _ = self.call("GET", "/api/v1/permits/" + number, token)
        self.assertEqual(st, expect, b)
        return b

    def test_happy_path_draws_down_and_officer_sees_use(self):
        n = self.issue()
        r = self.registered(decl=self.decl_with([n], qty="400"))
        p = self.permit(n)
        self.assertEqual((p["used"], p["remaining"], p["status"]), ("400", "600", "issued"))
        g = self.get(r["number"], "officer")
        self.assertEqual(g["items"][0]["permits_used"],
                         [{"number": n, "agency": "GOV", "quantity": "400"}])

    def test_missing_permit(self):
        self.refused(None, code="permit_missing")
        self.refused(["NO-SUCH-PERMIT"], code="permit_missing")

    def test_permit_of_another_enterprise(self):
        n = self.issue(enterprise=OTHER)
        self.refused([n], fragment="another enterprise")

    def test_expired_and_not_yet_valid(self):
        n = self.issue(valid_from=(TODAY - datetime.timedelta(days=30)).isoformat(),
                       valid_to=(TODAY - datetime.timedelta(days=1)).isoformat())
        self.refused([n], fragment="expired")
        n = self.issue(valid_from=(TODAY + datetime.timedelta(days=1)).isoformat())
        self.refused([n], fragment="not yet valid")

    def test_hs_not_covered(self):
        n = self.issue(hs_codes=["851718"])
        self.refused([n], fragment="does not cover")

    def test_revoked(self):
        n = self.issue()
        st, b, _ = self.call("POST", "/api/v1/permits/%s/revocation" % n, "active", {})
        self.assertEqual(st, 403, b)  # the enterprise sees it but cannot revoke
        st, b, _ = self.call("POST", "/api/v1/permits/%s/revocation" % n, "mic", {})
        self.assertEqual(st, 404, b)  # another agency does not even see it
        st, b, _ = self.call("POST", "/api/v1/permits/%s/revocation" % n, "gov",
                             {"reason": "licence conditions breached"})
        self.assertEqual((st, b["status"]), (200, "revoked"), b)
        st, b, _ = self.call("POST", "/api/v1/permits/%s/revocation" % n, "gov", {})
        self.assertEqual(st, 409, b)
        self.refused([n], fragment="revoked")

    def test_over_used_quantity(self):
        n = self.issue(quantity="800")
        self.registered(decl=self.decl_with([n], qty="500"))
        self.refused([n], qty="500", fragment="remaining quantity")
        self.assertEqual(self.permit(n)["used"], "500")  # the refusal drew nothing
        self.registered(decl=self.decl_with([n], qty="300"))
        self.assertEqual(self.permit(n)["remaining"], "0")

    def test_second_valid_permit_is_used_when_first_is_exhausted(self):
        a, b = self.issue(quantity="100"), self.issue(quantity="1000")
        r = self.registered(decl=self.decl_with([a, b], qty="500"))
        used = self.get(r["number"], "officer")["items"][0]["permits_used"]
        self.assertEqual([u["number"] for u in used], [b])

    def test_racing_registrations_cannot_over_use(self):
        n = self.issue(quantity="500")
        ids = [self.create(decl=self.decl_with([n], qty="500"))["id"] for _ in range(6)]
        results = []

        def go(i):
            st, b, _ = self.call("POST", "/api/v1/declarations/%s/register" % i, "active")
            results.append(st)

        threads = [threading.Thread(target=go, args=(i,)) for i in ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(results), [200] + [422] * 5, results)
        self.assertEqual(self.permit(n)["remaining"], "0")

    def test_agency_outside_its_procedures(self):
        b = self.issue(expect=403, hs_codes=["0101"])           # horses: MARD only
        self.assertEqual(b["errors"][0]["code"], "outside_procedures")
        b = self.issue(expect=403, token="mic")                  # MIC party is not bound to GOV
        self.assertEqual(b["errors"][0]["code"], "agency_not_bound")
        self.issue(expect=403, token="active")                   # declarants do not issue
        self.issue(expect=403, procedure="22/2018/TT-BTTTT PL1")  # a procedure not GOV's
        st, b, _ = self.call("POST", "/api/v1/permits", "mic", {
            "number": "MIC-1", "enterprise": ACTIVE, "agency": "MIC", "hs_codes": ["84431100"],
            "quantity": "2", "unit": "PCE", "valid_from": TODAY.isoformat(),
            "valid_to": TODAY.isoformat()})
        self.assertEqual(st, 201, b)

    def test_validation_and_duplicates(self):
        b = self.issue(expect=422, quantity="-1", hs_codes=["85A"], valid_to="2020-13-01",
                       extra=1)
        paths = {e["path"] for e in b["errors"]}
        self.assertTrue({"/quantity", "/hs_codes/0", "/valid_to", "/extra"} <= paths, b)
        n = self.issue()
        T12Permits.seq -= 1
        self.issue(expect=409)
        self.assertTrue(n)

    def test_visibility(self):
        n = self.issue()
        for tok, st in [("gov", 200), ("active", 200), ("officer", 200), ("other", 404),
                        ("mic", 404)]:
            self.permit(n, tok, st)


# ---- e-C/O ------------------------------------------------------------------------

VN_ASW = "0100100003"        # the ASEAN Single Window gateway (role asw)


class T13CertificatesOfOrigin(OwnEnvCase):
    """61091010 (cotton T-shirts): MFN 20 %, ACFTA 0 % with a form E certificate."""
    env_name = "co"
    seq = 0

    @classmethod
    def setUpEnv(cls):
        cls.env.add_party(VN_ASW, "VNSW", "asw", key="asw")

    def lodge(self, expect=201, token="asw", items=None, **over):
        T13CertificatesOfOrigin.seq += 1
        body = {"form": "E", "number": "E%02dCN%07d" % (TODAY.year % 100, self.seq),
                "issuing_country": "CN",
                "issue_date": (TODAY - datetime.timedelta(days=10)).isoformat(),
                "exporter": "Ningbo Garments Co", "importer": ACTIVE,
                "items": items or [{"hs6": "610910", "quantity": "1500", "fob_value": "4500",
                                    "origin_criterion": "WO"}],
                "invoice_number": "NB-2026-77", "transport_ref": "COSU6123456780"}
        body.update(over)
        st, b, _ = self.call("POST", "/api/v1/certificates-of-origin", token, body)
        self.assertEqual(st, expect, b)
        return body["number"] if st == 201 else b

    def decl(self, number, form="E", qty="1000", origin="CN"):
        it = item("61091010", qty, "3", origin=origin, desc="Cotton T-shirts")
        it["certificate_of_origin"] = {"form": form, "number": number}
        return declaration(items=[it])

    def duty(self, body):
        return body["items"][0]["taxes"]["import_duty"]

    def assess(self, number, **kw):
        return self.duty(self.create(decl=self.decl(number, **kw)))

    def refused(self, number, fragment, **kw):
        d = self.assess(number, **kw)
        self.assertNotEqual(d["amount"], "0", d)           # MFN 20 %
        self.assertIn("C/O %s refused" % number, d.get("note", ""))
        self.assertIn(fragment, d["note"])
        return d

    def test_happy_path_and_consumption(self):
        n = self.lodge()
        d = self.assess(n)
        self.assertEqual(d["amount"], "0", d)
        created = self.create(decl=self.decl(n))
        self.register(created["id"])
        self.assertEqual(self.duty(self.get(created["id"]))["amount"], "0")
        st, b, _ = self.call("GET", "/api/v1/certificates-of-origin/" + n, "officer")
        self.assertEqual((st, b["items"][0]["used"], b["items"][0]["remaining"]), (200, "1000", "500"), b)
        # what is left (500) no longer covers 1000
        self.refused(n, "quantity exceeded")
        self.assertEqual(self.assess(n, qty="500")["amount"], "0")

    def co_used(self, n):
        st, b, _ = self.call("GET", "/api/v1/certificates-of-origin/" + n, "officer")
        self.assertEqual(st, 200, b)
        return b["items"][0]["used"]

    def test_amendment_keeps_its_own_certificate_and_redraws(self):
        n = self.lodge()  # 1500 on the certificate
        r = self.registered(decl=self.decl(n, qty="1000"))
        self.assertEqual(self.co_used(n), "1000")
        # the same quantity again: its own 1000 is not counted against it
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % r["number"], "active",
                             self.decl(n, qty="1000"))
        self.assertEqual(st, 200, b)
        self.assertEqual(self.duty(b)["amount"], "0", self.duty(b))
        self.assertEqual(self.co_used(n), "1000")
        # less: the difference is given back — once an officer accepts the amendment, since it
        # lowers the taxes: until then nothing is given back
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % r["number"], "active",
                             self.decl(n, qty="400"))
        self.assertEqual((st, b["status"]), (200, "amendment_review"), b)
        self.assertEqual(self.co_used(n), "1000")
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments/%d/decision"
                             % (r["number"], b["amendment"]), "officer", {"accept": True})
        self.assertEqual((st, self.duty(b)["amount"]), (200, "0"), b)
        self.assertEqual(self.co_used(n), "400")
        # more than the certificate holds: falls back to MFN, and draws nothing
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % r["number"], "active",
                             self.decl(n, qty="1600"))
        self.assertEqual(st, 200, b)
        self.assertIn("quantity exceeded", self.duty(b).get("note", ""))
        self.assertEqual(self.co_used(n), "0")

    def test_cancellation_gives_the_quantity_back(self):
        n = self.lodge(items=[{"hs6": "610910", "quantity": "1000", "fob_value": "3000",
                               "origin_criterion": "WO"}])
        r = self.registered(decl=self.decl(n, qty="1000"))
        self.refused(n, "quantity exceeded")
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/cancellation" % r["number"], "active",
                             {"reason_code": "H04", "reason": "declared twice"})
        self.assertEqual(st, 200, b)
        self.assertEqual(self.co_used(n), "0")
        ev = [e for e in self.events(r["number"]) if e["action"] == "cancel"][0]
        self.assertEqual(ev["detail"].get("released_co_quantity"), "1000", ev)
        self.assertEqual(self.assess(n)["amount"], "0")  # available to another declaration

    def test_unknown_certificate(self):
        self.refused("E26CN9999999", "no such certificate")

    def test_wrong_form(self):
        # (a form AK is issued by an AKFTA party: Korea; one "issued by China" is refused at the door)
        n = self.lodge(form="AK", issuing_country="KR")
        self.refused(n, "form AK, not E")

    def test_wrong_country(self):
        n = self.lodge(issuing_country="TH")
        self.refused(n, "issued by TH")

    def test_wrong_hs(self):
        n = self.lodge(items=[{"hs6": "610990", "quantity": "5000", "fob_value": "1",
                               "origin_criterion": "WO"}])
        self.refused(n, "does not cover HS 610910")

    def test_expired(self):
        n = self.lodge(issue_date=(TODAY - datetime.timedelta(days=400)).isoformat())
        self.refused(n, "12 months")

    def test_racing_declarations_exactly_one_gets_the_rate(self):
        n = self.lodge(items=[{"hs6": "610910", "quantity": "1000", "fob_value": "3000",
                               "origin_criterion": "WO"}])
        ids = [self.create(decl=self.decl(n))["id"] for _ in range(4)]
        for i in ids:  # each was assessed alone: all claim the FTA rate
            self.assertEqual(self.duty(self.get(i))["amount"], "0")
        results = {}

        def go(i):
            st, b, _ = self.call("POST", "/api/v1/declarations/%s/register" % i, "active")
            results[i] = (st, b)

        threads = [threading.Thread(target=go, args=(i,)) for i in ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        fta = 0
        for i, (st, b) in results.items():
            if st == 200:
                fta += self.duty(self.get(i))["amount"] == "0"
            else:  # lost inside the same group commit: refused, not silently re-rated
                self.assertEqual(st, 422, b)
                self.assertIn(("co_exhausted", "/items/0/certificate_of_origin"), error_codes(b))
        self.assertEqual(fta, 1, results)
        st, b, _ = self.call("GET", "/api/v1/certificates-of-origin/" + n, "asw")
        self.assertEqual(b["items"][0]["remaining"], "0", b)

    def test_roles_and_validation(self):
        self.lodge(expect=403, token="active")
        b = self.lodge(expect=422, issuing_country="china", issue_date="x",
                       items=[{"hs6": "6109", "quantity": "0", "fob_value": "1",
                               "origin_criterion": "WO", "colour": "red"}])
        paths = {e["path"] for e in b["errors"]}
        self.assertTrue({"/issuing_country", "/issue_date", "/items/0/hs6", "/items/0/quantity",
                         "/items/0/colour"} <= paths, b)
        n = self.lodge()
        T13CertificatesOfOrigin.seq -= 1
        self.lodge(expect=409)
        st, b, _ = self.call("GET", "/api/v1/certificates-of-origin/" + n, "other")
        self.assertEqual(st, 404, b)
