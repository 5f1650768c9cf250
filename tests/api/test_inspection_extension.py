"""API tests: the head of the customs office extends a physical inspection's time limit
(Customs Law 2014 Art. 23: 8 working hours, extendable by at most two days for a large or
complex consignment). The worklist shows the extended limit, the audit trail the person."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness
from test_office import add_user, registered_in


class T16InspectionExtension(ApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_user(cls.env, "head.02ci", CUSTOMS, "manager", name="Lê Thị Trưởng", office="02CI")
        add_user(cls.env, "head.01ab", CUSTOMS, "manager", name="Đỗ Văn Khác", office="01AB")
        add_user(cls.env, "officer.ext", CUSTOMS, "officer", name="Phan Văn Kiểm", office="02CI")
        cls.head, cls.other_head, cls.inspector = [
            run_cli("token", "create", "--db", cls.env.db, "--user", u).stdout.strip()
            for u in ("head.02ci", "head.01ab", "officer.ext")]
        cls.machine_manager = run_cli("token", "create", "--db", cls.env.db, "--party", CUSTOMS,
                                      "--role", "manager").stdout.strip()

    def in_inspection(self):
        r = registered_in(self, "red")
        self.decide(r["number"], "start_document_check")
        self.decide(r["number"], "document_check", passed=True)
        return r["number"]

    def extend(self, number, token, body, expect=200):
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/inspection-extension" % number,
                             token, body)
        self.assertEqual(st, expect, b)
        return b

    def queue_item(self, number):
        st, wl, _ = self.call("GET", "/api/v1/worklists/inspection", self.inspector)
        self.assertEqual(st, 200, wl)
        return [i for i in wl["items"] if i["number"] == number][0]

    def test_head_extends_and_the_worklist_follows(self):
        n = self.in_inspection()
        before = self.queue_item(n)
        self.assertEqual((before["limit_working_hours"], before["extended_working_hours"]), (8, 0))
        b = self.extend(n, self.head, {"working_hours": 4,
                                       "reason": "40 containers of mixed spare parts"})
        self.assertEqual((b["extended_working_hours"], b["limit_working_hours"]), (4, 12), b)
        it = self.queue_item(n)
        self.assertEqual((it["limit_working_hours"], it["extended_working_hours"]), (12, 4))
        self.assertEqual(it["due_at"], b["due_at"])
        self.assertGreater(it["due_at"], before["due_at"])
        self.assertGreater(it["working_seconds_left"], before["working_seconds_left"])
        # up to two working days in all: 12 more is 16, one more is refused and changes nothing
        b = self.extend(n, self.head, {"working_hours": 12, "reason": "scanner images unclear"})
        self.assertEqual((b["extended_working_hours"], b["limit_working_hours"]), (16, 24))
        b = self.extend(n, self.head, {"working_hours": 1, "reason": "again"}, expect=409)
        self.assertEqual(error_codes(b), [("extension_exceeded", "/working_hours")])
        self.assertEqual(self.queue_item(n)["limit_working_hours"], 24)
        # each extension is in the audit trail with the person who decided it
        ev = [e for e in self.events(n, "officer") if e["action"] == "inspection_extended"]
        self.assertEqual([(e["detail"]["working_hours"], e["detail"]["total_working_hours"])
                          for e in ev], [(4, 4), (12, 16)])
        self.assertEqual((ev[0]["detail"]["user"], ev[0]["detail"]["user_name"]),
                         ("head.02ci", "Lê Thị Trưởng"))
        self.assertEqual(ev[0]["detail"]["reason"], "40 containers of mixed spare parts")
        self.assertEqual((ev[0]["from_status"], ev[0]["to_status"]), ("inspection", "inspection"))

    def test_who_may_extend(self):
        n = self.in_inspection()
        body = {"working_hours": 2, "reason": "large consignment"}
        for token, code in ((self.inspector, "forbidden"), ("officer", "forbidden"),
                            ("active", "forbidden"), (self.machine_manager, "person_required"),
                            (self.other_head, "other_office")):
            b = self.extend(n, token, body, expect=403)
            self.assertEqual(b["errors"][0]["code"], code, b)
        self.assertEqual(self.queue_item(n)["extended_working_hours"], 0)
        self.extend("999999999999", self.head, body, expect=404)

    def test_bad_bodies_all_errors_at_once(self):
        n = self.in_inspection()
        b = self.extend(n, self.head, {"working_hours": 0, "colour": "red"}, expect=422)
        self.assertEqual(sorted(error_codes(b)), sorted([
            ("unknown_field", "/colour"), ("range", "/working_hours"), ("required", "/reason")]))
        for hours in (17, "4", 2.5, None):
            b = self.extend(n, self.head, {"working_hours": hours, "reason": "x"}, expect=422)
            self.assertEqual(error_codes(b), [("range", "/working_hours")], hours)
        b = self.extend(n, self.head, {"reason": "x"}, expect=422)
        self.assertEqual(error_codes(b), [("required", "/working_hours")])
        b = self.extend(n, self.head, ["working_hours"], expect=422)
        self.assertEqual(self.queue_item(n)["extended_working_hours"], 0)

    def test_only_an_inspection_under_way(self):
        r = registered_in(self, "red")  # waiting for its document check
        b = self.extend(r["number"], self.head, {"working_hours": 2, "reason": "x"}, expect=409)
        self.assertEqual(b["errors"][0]["code"], "not_in_inspection", b)
        self.assertFalse([e for e in self.events(r["number"], "officer")
                          if e["action"] == "inspection_extended"])
