"""API tests: trust under attack (issue 15, domain parts): gate integrity across manifests,
role-filtered events, mandates, enumeration across banks and locations, random selection that
sticks to the consignment."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness
from test_manifest import bill, fresh_bl, fresh_container, manifest


class T40TrustGate(ApiCase):
    """#1: a held container must not leave on another carrier's manifest."""

    def gate(self, typ, container, seal, expect=200):
        st, b, _ = self.call("POST", "/api/v1/gate-events", "portop",
                             {"type": typ, "container": container, "location": "VNHPH-TC01",
                              "seal": seal})
        self.assertEqual(st, expect, b)
        return b

    def decl_for(self, bl, ctr, importer=ACTIVE):
        d = declaration(importer=importer)
        d["transport"]["bills_of_lading"] = [bl]
        d["transport"]["containers"] = [ctr]
        return d

    def test_second_carrier_cannot_hide_a_held_container(self):
        ctr, bl1, bl2 = fresh_container(), fresh_bl(), fresh_bl()
        st, m1, _ = self.call("POST", "/api/v1/manifests", "carrier",
                              manifest([bill(bl1, [(ctr, "SEAL-X")])]))
        self.assertEqual(st, 201, m1)
        a = self.registered(decl=self.decl_for(bl1, ctr))
        st, h, _ = self.call("POST", "/api/v1/holds", "officer", {"subject": bl1, "reason": "tip-off"})
        self.assertEqual(st, 201, h)
        g = self.gate("gate_out", ctr, "SEAL-X")
        self.assertEqual((g["decision"], g["reasons"]), ("deny", ["declaration_not_cleared", "hold_open"]))
        # carrier 2 puts the same container on its own manifest: refused without an officer
        m2 = manifest([bill(bl2, [(ctr, "SEAL-X")])])
        st, b, _ = self.call("POST", "/api/v1/manifests", "carrier2", m2)
        self.assertEqual(st, 409, b)
        self.assertEqual(error_codes(b), [("container_on_open_manifest",
                                           "/bills_of_lading/0/containers/0/number")])
        # only an officer allows it, with a reason
        path = "/api/v1/containers/%s/manifest-permissions" % ctr
        self.assertEqual(self.call("POST", path, "carrier2", {"carrier": CARRIER2, "reason": "x"})[0], 403)
        st, b, _ = self.call("POST", path, "officer", {"carrier": CARRIER2})
        self.assert_errors(st, b, [("required", "/reason")])
        st, b, _ = self.call("POST", path, "officer", {"carrier": "0999999999", "reason": "x"})
        self.assertEqual((st, error_codes(b)), (422, [("unknown_party", "")]), b)
        st, p, _ = self.call("POST", path, "officer", {"carrier": CARRIER2, "reason": "transhipment"})
        self.assertEqual(st, 201, p)
        st, b, _ = self.call("POST", "/api/v1/manifests", "carrier2", m2)
        self.assertEqual(st, 201, b)
        # B clears its goods on BL2: the container still may not leave
        bdecl = self.registered(token="other", decl=self.decl_for(bl2, ctr, OTHER))
        self.decide(bdecl["number"], "clear")
        g = self.gate("gate_out", ctr, "SEAL-X")
        self.assertEqual((g["decision"], g["reasons"]), ("deny", ["declaration_not_cleared", "hold_open"]))
        self.assertEqual(self.get(a["number"])["status"], "registered")
        # once A is cleared and the hold released, both declarations pass supervision
        self.decide(a["number"], "clear")
        self.assertEqual(self.gate("gate_out", ctr, "SEAL-X")["reasons"], ["hold_open"])
        self.assertEqual(self.call("POST", "/api/v1/holds/%d/release" % h["id"], "officer")[0], 200)
        g = self.gate("gate_out", ctr, "SEAL-X")
        self.assertEqual((g["decision"], g["reasons"]), ("allow", []), g)
        self.assertEqual(sorted(d["number"] for d in g["declarations"]),
                         sorted([a["number"], bdecl["number"]]))
        self.assertEqual(self.gate("gate_out", ctr, "SEAL-X")["reasons"], ["already_out"])
        # gone out: the container may be manifested again by anyone (its next voyage)
        st, b, _ = self.call("POST", "/api/v1/manifests", "carrier2",
                             manifest([bill(fresh_bl(), [(ctr, "SEAL-Y")])]))
        self.assertEqual(st, 201, b)

    def test_same_carrier_and_amendment_need_no_permission(self):
        ctr, bl1, bl2 = fresh_container(), fresh_bl(), fresh_bl()
        st, m1, _ = self.call("POST", "/api/v1/manifests", "carrier", manifest([bill(bl1, [(ctr, "S1")])]))
        self.assertEqual(st, 201, m1)
        st, b, _ = self.call("PUT", "/api/v1/manifests/" + m1["id"], "carrier",
                             manifest([bill(bl1, [(ctr, "S1")])]))
        self.assertEqual(st, 200, b)
        st, b, _ = self.call("POST", "/api/v1/manifests", "carrier", manifest([bill(bl2, [(ctr, "S1")])]))
        self.assertEqual(st, 201, b)
        # the gate looks at both of this carrier's bills: neither is declared
        self.assertEqual(self.gate("gate_out", ctr, "S1")["reasons"], ["no_declaration"])
        r = self.registered(decl=self.decl_for(bl2, ctr))
        self.decide(r["number"], "clear")
        self.assertEqual(self.gate("gate_out", ctr, "S1")["reasons"], ["no_declaration"])
