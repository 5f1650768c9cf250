"""API tests: e-Manifest and VASSCM: manifests, linking, gate, holds, barcodes."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness


# ---- e-Manifest and VASSCM ---------------------------------------------------------

def iso6346(prefix):
    """A container number with its ISO 6346 check digit: prefix is 4 letters + 6 digits."""
    vals, v = {}, 10
    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if v % 11 == 0:
            v += 1
        vals[ch] = v
        v += 1
    total = sum((vals[c] if c.isalpha() else int(c)) * (2 ** i) for i, c in enumerate(prefix))
    return prefix + str(total % 11 % 10)


_SERIAL = [int(time.time()) % 900000]


def fresh_container():
    _SERIAL[0] = (_SERIAL[0] + 1) % 1000000
    return iso6346("TGHU%06d" % _SERIAL[0])


def fresh_bl():
    _SERIAL[0] += 1
    return "VOLHPH%08d" % _SERIAL[0]


def manifest(bls, eta_hours=72, port="VNHPH", **extra):
    eta = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=eta_hours)
    m = {"vessel": {"imo": "9321483", "call_sign": "3FZA7", "name": "VOL HAIPHONG"},
         "voyage": "0425N", "port_of_loading": "CNSHK", "port_of_arrival": port,
         "eta": eta.strftime("%Y-%m-%dT%H:%M:%SZ"), "bills_of_lading": bls}
    m.update(extra)
    return m


def bill(number, containers, packages=120, weight="1850.5", kind="master"):
    return {"number": number, "kind": kind, "shipper": "Shenzhen Mobile Devices Ltd",
            "consignee": ACTIVE + "#Hanoi Electronics Import JSC#1 Trang Tien, Ha Noi",
            "notify": "same as consignee", "description": "Smartphones#128 GB", "hs_code": "8517",
            "packages": packages, "gross_weight_kg": weight,
            "containers": [{"number": c, "seal": s} for c, s in containers]}


class T12Manifest(ApiCase):
    def submit(self, m, token="carrier", expect=201):
        st, b, _ = self.call("POST", "/api/v1/manifests", token, m)
        self.assertEqual(st, expect, b)
        return b

    def gate(self, typ, container, seal, location="VNHPH-TC01", token="portop", expect=200):
        st, b, _ = self.call("POST", "/api/v1/gate-events", token,
                             {"type": typ, "container": container, "location": location, "seal": seal})
        self.assertEqual(st, expect, b)
        return b

    def decl_for(self, bl, container):
        d = declaration()
        d["transport"]["bills_of_lading"] = [bl]
        d["transport"]["containers"] = [container]
        return d

    def test_full_flow_gate_out(self):
        ctr, bl = fresh_container(), fresh_bl()
        m = self.submit(manifest([bill(bl, [(ctr, "SEAL001")])]))
        self.assertFalse(m["late"])
        self.assertEqual((m["version"], m["mode"], m["carrier"]), (1, "sea", CARRIER))
        r = self.registered(decl=self.decl_for(bl, ctr))
        # (the shared fixture reuses one invoice number: duplicate_* warnings are not this test's)
        self.assertEqual([w for w in r["warnings"] if not w["code"].startswith("duplicate_")], [])
        g = self.get(r["number"])
        self.assertEqual(g["manifest_check"]["status"], "match", g["manifest_check"])
        self.assertEqual(g["manifest_check"]["manifests"], [m["id"]])
        self.assertEqual(self.gate("gate_in", ctr, "SEAL001")["decision"], "allow")
        # not cleared yet
        d = self.gate("gate_out", ctr, "SEAL001")
        self.assertEqual((d["decision"], d["reasons"]), ("deny", ["declaration_not_cleared"]))
        self.decide(r["number"], "clear")
        d = self.gate("gate_out", ctr, "SEAL001")
        self.assertEqual((d["decision"], d["reasons"]), ("allow", []))
        self.assertEqual(d["declarations"], [{"number": r["number"], "status": "passed_supervision"}])
        g = self.get(r["number"])
        self.assertEqual(g["status"], "passed_supervision")
        self.assertEqual(self.events(r["number"])[-1]["action"], "pass_supervision")
        # a second gate_out is denied
        d = self.gate("gate_out", ctr, "SEAL001")
        self.assertEqual((d["decision"], d["reasons"]), ("deny", ["already_out"]))
        st, h, _ = self.call("GET", "/api/v1/containers/" + ctr, "officer")
        self.assertEqual(st, 200, h)
        self.assertEqual(h["state"], "gated_out")
        self.assertEqual([(e["type"], e["decision"]) for e in h["gate_events"]],
                         [("gate_in", "allow"), ("gate_out", "deny"), ("gate_out", "allow"),
                          ("gate_out", "deny")])
        self.assertEqual(h["declarations"][0]["number"], r["number"])
        self.assertEqual(h["manifests"][0]["seal"], "SEAL001")
        # the carrier sees its container, another carrier and a declarant do not
        self.assertEqual(self.call("GET", "/api/v1/containers/" + ctr, "carrier")[0], 200)
        self.assertEqual(self.call("GET", "/api/v1/containers/" + ctr, "carrier2")[0], 404)
        self.assertEqual(self.call("GET", "/api/v1/containers/" + ctr, "active")[0], 404)

    def test_red_needs_inspection_and_wrong_seal(self):
        self.rule(name="red toys manifest", hs_prefix="9503", action="red", priority=5)
        ctr, bl = fresh_container(), fresh_bl()
        self.submit(manifest([bill(bl, [(ctr, "SEAL-R1")])]))
        d = self.decl_for(bl, ctr)
        d["items"] = [item("95030099", "100", "3", desc="Toys")]
        d["invoice"]["total"] = "300"
        r = self.registered(decl=d)
        self.assertEqual(r["channel"], "red")
        n = r["number"]
        self.decide(n, "start_document_check")
        self.decide(n, "document_check", passed=True)
        self.assertEqual(self.gate("gate_out", ctr, "SEAL-R1")["reasons"], ["declaration_not_cleared"])
        self.decide(n, "inspection", violation=False)
        self.decide(n, "clear")
        d = self.gate("gate_out", ctr, "SEAL-XX")
        self.assertEqual((d["decision"], d["reasons"]), ("deny", ["seal_mismatch"]))
        self.assertEqual(self.get(n)["status"], "cleared")
        self.assertEqual(self.gate("gate_out", ctr, "SEAL-R1")["decision"], "allow")

    def test_container_not_in_manifest(self):
        d = self.gate("gate_out", fresh_container(), "S1")
        self.assertEqual((d["decision"], d["reasons"]), ("deny", ["not_in_manifest"]))

    def test_no_declaration_and_hold(self):
        ctr, bl = fresh_container(), fresh_bl()
        self.submit(manifest([bill(bl, [(ctr, "S2")])]))
        self.assertEqual(self.gate("gate_out", ctr, "S2")["reasons"], ["no_declaration"])
        r = self.registered(decl=self.decl_for(bl, ctr))
        self.decide(r["number"], "clear")
        st, h, _ = self.call("POST", "/api/v1/holds", "officer", {"subject": bl, "reason": "pre-arrival screening"})
        self.assertEqual(st, 201, h)
        self.assertEqual(self.call("POST", "/api/v1/holds", "active", {"subject": bl, "reason": "x"})[0], 403)
        self.assertEqual(self.gate("gate_out", ctr, "S2")["reasons"], ["hold_open"])
        st, rel, _ = self.call("POST", "/api/v1/holds/%d/release" % h["id"], "officer")
        self.assertEqual((st, rel["open"]), (200, False), rel)
        self.assertEqual(self.call("POST", "/api/v1/holds/%d/release" % h["id"], "officer")[0], 409)
        self.assertEqual(self.gate("gate_out", ctr, "S2")["decision"], "allow")

    def test_wrong_check_digit_rejected_at_input(self):
        good = fresh_container()
        bad = good[:10] + str((int(good[10]) + 1) % 10)
        st, b, _ = self.call("POST", "/api/v1/manifests", "carrier", manifest([bill(fresh_bl(), [(bad, "S")])]))
        self.assert_errors(st, b, [("container_number", "/bills_of_lading/0/containers/0/number")])
        st, b, _ = self.call("POST", "/api/v1/gate-events", "portop",
                             {"type": "gate_out", "container": bad, "location": "VNHPH-TC01", "seal": "S"})
        self.assert_errors(st, b, [("container_number", "/container")])
        st, b, _ = self.call("POST", "/api/v1/manifests", "carrier",
                             manifest([bill(fresh_bl(), [])], vessel={"imo": "9321484", "call_sign": "X", "name": "Y"}))
        self.assert_errors(st, b, [("imo_number", "/vessel/imo")])

    def test_operator_at_another_location(self):
        ctr, bl = fresh_container(), fresh_bl()
        self.submit(manifest([bill(bl, [(ctr, "S3")])]))
        self.gate("gate_in", ctr, "S3", location="VNHPH-TC02", expect=403)
        self.gate("gate_in", ctr, "S3", location="VNHPH-TC01", token="portop2", expect=403)
        # a port-wide binding covers the terminals of the port; the port must be the manifest's
        d = self.gate("gate_in", ctr, "S3", location="VNSGN-CL01", token="portop2")
        self.assertEqual(d["reasons"], ["wrong_port"])
        self.gate("gate_in", ctr, "S3", token="carrier", expect=403)

    def test_amend_history_and_other_carrier(self):
        ctr, bl = fresh_container(), fresh_bl()
        m = self.submit(manifest([bill(bl, [(ctr, "S4")])]))
        m2 = manifest([bill(bl, [(ctr, "S5")], packages=130)])
        st, b, _ = self.call("PUT", "/api/v1/manifests/" + m["id"], "carrier2", m2)
        self.assertEqual(st, 404, b)
        self.assertEqual(self.call("GET", "/api/v1/manifests/" + m["id"], "carrier2")[0], 404)
        st, b, _ = self.call("PUT", "/api/v1/manifests/" + m["id"], "carrier", m2)
        self.assertEqual((st, b["version"]), (200, 2), b)
        st, g, _ = self.call("GET", "/api/v1/manifests/" + m["id"], "carrier")
        self.assertEqual(st, 200, g)
        self.assertEqual(g["manifest"]["bills_of_lading"][0]["packages"], 130)
        self.assertEqual(len(g["history"]), 1)
        self.assertEqual(g["history"][0]["manifest"]["bills_of_lading"][0]["packages"], 120)
        self.assertEqual(self.call("GET", "/api/v1/manifests/" + m["id"], "officer")[0], 200)
        # the seal is the amended one now
        self.assertEqual(self.gate("gate_in", ctr, "S5")["decision"], "allow")

    def test_duplicate_bill_of_lading(self):
        bl = fresh_bl()
        self.submit(manifest([bill(bl, [(fresh_container(), "S6")])]))
        st, b, _ = self.call("POST", "/api/v1/manifests", "carrier2", manifest([bill(bl, [])]))
        self.assertEqual(st, 409, b)
        self.assertEqual(b["errors"][0]["code"], "duplicate_bill_of_lading")
        st, b, _ = self.call("POST", "/api/v1/manifests", "carrier",
                             manifest([bill(bl + "X", []), bill(bl + "X", [])]))
        self.assert_errors(st, b, [("duplicate_bill_of_lading", "/bills_of_lading/1/number")])

    def test_late_manifest_flagged(self):
        self.assertTrue(self.submit(manifest([bill(fresh_bl(), [])], eta_hours=10))["late"])
        # a short voyage has until 12 h before arrival
        self.assertFalse(self.submit(manifest([bill(fresh_bl(), [])], eta_hours=13, voyage_days=3))["late"])
        self.assertTrue(self.submit(manifest([bill(fresh_bl(), [])], eta_hours=13))["late"])
        air = manifest([bill(fresh_bl(), [])], eta_hours=0.5, port="VNSGN")
        del air["vessel"]
        air["flight"] = "VN0301"
        b = self.submit(air)
        self.assertEqual((b["mode"], b["late"]), ("air", True))
        self.assertEqual(self.call("POST", "/api/v1/manifests", "active", manifest([bill(fresh_bl(), [])]))[0], 403)

    def test_declaration_without_manifest_warned_and_reconciled(self):
        ctr, bl = fresh_container(), fresh_bl()
        r = self.registered(decl=self.decl_for(bl, ctr))
        self.assertEqual([w["code"] for w in r["warnings"] if not w["code"].startswith("duplicate_")],
                         ["manifest_missing"])
        idc = [e for e in self.events(r["number"]) if e["action"] == "idc"][0]
        self.assertEqual(idc["detail"]["warnings"][0]["bills_of_lading"], [bl])
        self.assertEqual(self.get(r["number"])["manifest_check"]["status"], "manifest_missing")
        other = fresh_container()
        self.submit(manifest([bill(bl, [(other, "S7")], packages=100)]))
        mc = self.get(r["number"])["manifest_check"]
        self.assertEqual(mc["status"], "differences", mc)
        fields = {d["field"]: d for d in mc["differences"]}
        self.assertEqual((fields["packages"]["declaration"], fields["packages"]["manifest"]), (120, 100))
        self.assertEqual(fields["containers"]["declaration_only"], [ctr])
        self.assertEqual(fields["containers"]["manifest_only"], [other])

    def test_pre_arrival_screening_hold(self):
        self.rule(name="red game consoles pre-arrival", hs_prefix="9504", action="red", priority=5)
        ctr, bl = fresh_container(), fresh_bl()
        b = bill(bl, [(ctr, "S8")])
        b["hs_code"] = "950450"
        self.submit(manifest([b]))
        st, h, _ = self.call("GET", "/api/v1/containers/" + ctr, "officer")
        holds = [x for x in h["holds"] if x["open"]]
        self.assertEqual([x["subject"] for x in holds], [bl], h)
        self.assertIn("red game consoles", holds[0]["reason"])
        st, hc, _ = self.call("GET", "/api/v1/containers/" + ctr, "carrier")
        self.assertEqual(hc["holds"][0]["reason"], "customs hold")
        r = self.registered(decl=self.decl_for(bl, ctr))
        if r["channel"] == "green":
            self.decide(r["number"], "clear")
            self.assertEqual(self.gate("gate_out", ctr, "S8")["reasons"], ["hold_open"])
        self.assertEqual(self.call("POST", "/api/v1/holds/%d/release" % holds[0]["id"], "officer")[0], 200)

    def test_barcodes(self):
        ctr, bl = fresh_container(), fresh_bl()
        r = self.registered(decl=self.decl_for(bl, ctr))
        n = r["number"]
        st, svg, h = self.call("GET", "/api/v1/declarations/%s/barcode.svg" % n, "portop")
        self.assertEqual((st, h.get("Content-Type")), (200, "image/svg+xml"), svg)
        self.assertIn("<svg", svg)
        self.assertIn("<desc>Code 128: %s</desc>" % n, svg)
        self.assertEqual(self.call("GET", "/api/v1/declarations/%s/barcode.svg" % n, "other")[0], 404)
        for kind in ("barcode", "qr"):  # the same symbols as PNG for label printers
            req = urllib.request.Request(self.env.base + "/api/v1/declarations/%s/%s.png" % (n, kind),
                                         headers={"Authorization": "Bearer " + self.env.tokens["portop"]})
            with urllib.request.urlopen(req) as f:
                png = f.read()
                self.assertEqual(f.headers.get("Content-Type"), "image/png")
            self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
            w, h = struct.unpack(">II", png[16:24])
            self.assertGreater(w, 40)
            self.assertGreater(h, 40)
        st, qr, _ = self.call("GET", "/api/v1/declarations/%s/qr.svg" % n, "active")
        self.assertEqual(st, 200, qr)
        payload = re.search(r"<desc>([^<]*)</desc>", qr).group(1)
        parts = payload.split("|")
        self.assertEqual(parts[:5], ["VNACCS1", n, "registered", ACTIVE, ctr])
        st, key, _ = self.call("GET", "/api/v1/barcodes/public-key", "portop")
        self.assertEqual(st, 200, key)
        openssl = shutil.which("openssl")
        if openssl:  # the signature verifies with the published key
            import base64
            sig = parts[-1] + "=" * (-len(parts[-1]) % 4)
            d = tempfile.mkdtemp()
            try:
                for name, data in (("pub.pem", key["public_key_pem"].encode()),
                                   ("msg", "|".join(parts[:-1]).encode()),
                                   ("sig", base64.urlsafe_b64decode(sig))):
                    with open(os.path.join(d, name), "wb") as f:
                        f.write(data)
                v = subprocess.run([openssl, "dgst", "-sha256", "-verify", os.path.join(d, "pub.pem"),
                                    "-signature", os.path.join(d, "sig"), os.path.join(d, "msg")],
                                   capture_output=True, text=True)
                self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
            finally:
                shutil.rmtree(d, ignore_errors=True)

    def test_barcode_verify_and_supervision_scan(self):
        ctr, bl = fresh_container(), fresh_bl()
        r = self.registered(decl=self.decl_for(bl, ctr))
        n = r["number"]
        st, qr, _ = self.call("GET", "/api/v1/declarations/%s/qr.svg" % n, "active")
        payload = re.search(r"<desc>([^<]*)</desc>", qr).group(1)
        st, key, _ = self.call("GET", "/api/v1/barcodes/public-key", "portop")
        d = tempfile.mkdtemp()
        try:
            pub = os.path.join(d, "customs.pem")
            with open(pub, "w") as f:
                f.write(key["public_key_pem"])
            # offline: only the published key is needed
            ok = subprocess.run([harness.BINARY, "barcode", "verify", "--public-key", pub, payload],
                                capture_output=True, text=True)
            self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
            self.assertIn("declaration %s" % n, ok.stdout)
            self.assertIn(ctr, ok.stdout)
            forged = payload.replace("|registered|", "|cleared|")
            bad = subprocess.run([harness.BINARY, "barcode", "verify", "--public-key", pub, forged],
                                 capture_output=True, text=True)
            self.assertEqual(bad.returncode, 1, bad.stdout + bad.stderr)
            self.assertIn("INVALID", bad.stdout)
            junk = subprocess.run([harness.BINARY, "barcode", "verify", "--public-key", pub, "hello"],
                                  capture_output=True, text=True)
            self.assertEqual(junk.returncode, 1)
        finally:
            shutil.rmtree(d, ignore_errors=True)
        # the supervising officer scans the QR: signed, not yet cleared -> warning, containers shown
        st, s1, _ = self.call("POST", "/api/v1/supervision/scan", "officer", {"payload": payload})
        self.assertEqual(st, 200, s1)
        self.assertEqual((s1["number"], s1["signed"], s1["containers"]), (n, True, [ctr]))
        self.assertIn("not_cleared", [w["code"] for w in s1["warnings"]])
        # a tampered QR is flagged; the 1-D barcode (the number) works too
        st, s2, _ = self.call("POST", "/api/v1/supervision/scan", "officer", {"payload": forged})
        self.assertEqual((st, s2["signed"]), (200, False), s2)
        self.assertIn("signature_invalid", [w["code"] for w in s2["warnings"]])
        st, s3, _ = self.call("POST", "/api/v1/supervision/scan", "officer", {"payload": n})
        self.assertEqual((st, s3["status"], s3["signed"]), (200, "registered", False), s3)
        if r["channel"] == "green":
            self.decide(n, "clear")
            st, s4, _ = self.call("POST", "/api/v1/supervision/scan", "officer", {"payload": n})
            self.assertNotIn("not_cleared", [w["code"] for w in s4["warnings"]], s4)
        # bad input and roles
        self.assertEqual(self.call("POST", "/api/v1/supervision/scan", "officer",
                                   {"payload": "999999999999"})[0], 404)
        self.assertEqual(self.call("POST", "/api/v1/supervision/scan", "officer",
                                   {"payload": n, "x": 1})[0], 422)
        self.assertEqual(self.call("POST", "/api/v1/supervision/scan", "active",
                                   {"payload": n})[0], 403)
