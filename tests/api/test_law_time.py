""" Vietnam's time (legal dates in Asia/Ho_Chi_Minh) and the 15-day
invalidation, which applies only to declarations waiting for the declarant."""
from harness import *  # noqa: F401,F403
import harness
from test_law_inspection import LawEnv, QUARANTINE


def hanoi_today():
    return datetime.datetime.now(VN_TZ).date()


def legal_start(d):
    """First instant (unix seconds) of legal date d: 00:00 in Hanoi = 17:00 UTC the day before."""
    return int(datetime.datetime(d.year, d.month, d.day, tzinfo=VN_TZ).timestamp())


class T14LawTime(OwnEnvCase):
    """Its own database: it sweeps every declaration and changes the USD rate."""
    env_name = "law-time"

    def move_registration(self, number, at):
        """Sets a declaration's registration (and creation) instant: the way to make it old
        without a clock that production could move."""
        con = self.env.connect_db()  # either engine
        with con:
            n = con.execute("UPDATE declarations SET registered_at = ?, created_at = ? WHERE number = ?",
                            (at, at, number)).rowcount
        con.close()
        self.assertEqual(n, 1)
        self.env.moved_back(number)

    def invalidate(self, as_of, expect=200):
        st, b, _ = self.call("POST", "/api/v1/admin/invalidate?as_of=" + as_of.isoformat(), "admin")
        self.assertEqual(st, expect, b)
        return b

    # ---- the tax date and the rate's week -------------------------------------------------

    def test_tax_date_is_the_date_in_hanoi(self):
        before = hanoi_today()
        r = self.registered()
        after = hanoi_today()
        g = self.get(r["number"])
        self.assertIn(g["tax_date"], {before.isoformat(), after.isoformat()}, g["tax_date"])
        # the instants stay UTC
        self.assertTrue(g["registered_at"].endswith("Z"), g)

    def test_rate_of_the_hanoi_day(self):
        # a new USD rate from today's date in Hanoi (1.8 % above the seeded one): the declaration
        # registered now takes it, also between 17:00 and 24:00 UTC when UTC is still "yesterday"
        today = hanoi_today()
        st, b, _ = self.call("PUT", "/api/v1/exchange-rates", "admin", {"rates": [
            {"currency": "USD", "vnd_per_unit": "25900", "valid_from": today.isoformat(),
             "valid_to": (today + datetime.timedelta(days=6)).isoformat(), "source": "test week"}]})
        self.assertEqual(st, 200, b)
        r = self.registered()
        g = self.get(r["number"])
        if g["tax_date"] == today.isoformat():  # (not past midnight in Hanoi since `today`)
            # FOB 125,000 + freight 1,800 + insurance 250 = 127,050 USD
            self.assertEqual(g["customs_value"], str(127050 * 25900), g["customs_value"])

    # ---- invalidation ---------------------------------------------------------------------

    def test_invalidation_counts_days_in_hanoi(self):
        today = hanoi_today()
        # registered at 00:00 in Hanoi 15 days ago (17:00 UTC the day before): 15 days, not more
        keep = self.registered()
        self.move_registration(keep["number"], legal_start(today - datetime.timedelta(days=15)))
        # registered at 23:59:59 in Hanoi 16 days ago: more than 15 days
        old = self.registered()
        self.move_registration(old["number"], legal_start(today - datetime.timedelta(days=15)) - 1)
        b = self.invalidate(today)
        self.assertGreaterEqual(b["invalidated"], 1, b)
        self.assertEqual(self.get(old["number"])["status"], "invalidated")
        self.assertEqual(self.get(keep["number"])["status"], "registered")
        ev = self.events(old["number"])[-1]
        self.assertEqual((ev["action"], ev["from_status"], ev["to_status"], ev["role"]),
                         ("invalidate", "registered", "invalidated", "system"))
        self.assertEqual(ev["detail"]["reason_code"], "H02", ev)

    def test_declarations_waiting_for_customs_are_never_invalidated(self):
        today = hanoi_today()
        long_ago = legal_start(today - datetime.timedelta(days=40))
        self.rule(name="law-time yellow tables", hs_prefix="9403", action="yellow")
        self.rule(name="law-time red lamps", hs_prefix="9405", action="red")
        # waiting for the declarant: yellow, documents not submitted (registered)
        waiting = self.registered(decl=declaration(items=[item("94033000", "4", "50", desc="Desks")]))
        self.assertEqual(waiting["channel"], "yellow", waiting)
        # waiting for customs: document check started
        doc = self.registered(decl=declaration(items=[item("94033000", "5", "50", desc="Desks")]))
        self.decide(doc["number"], "start_document_check")
        # waiting for customs: physical inspection (red, documents passed)
        insp = self.registered(decl=declaration(items=[item("94054910", "6", "50", desc="Lamps")]))
        self.assertEqual(insp["channel"], "red", insp)
        self.decide(insp["number"], "start_document_check")
        self.decide(insp["number"], "document_check", passed=True)
        # checked: inspected, waiting for the officer's clearance
        chk = self.registered(decl=declaration(items=[item("94054910", "7", "50", desc="Lamps")]))
        self.decide(chk["number"], "start_document_check")
        self.decide(chk["number"], "document_check", passed=True)
        self.decide(chk["number"], "inspection", violation=False)
        states = {}
        for r in (waiting, doc, insp, chk):
            self.move_registration(r["number"], long_ago)
            states[r["number"]] = self.get(r["number"])["status"]
        self.assertEqual(states[doc["number"]], "document_check")
        self.assertEqual(states[insp["number"]], "inspection")
        self.assertEqual(states[chk["number"]], "checked")
        self.invalidate(today)
        self.assertEqual(self.get(waiting["number"])["status"], "invalidated")
        for r in (doc, insp, chk):
            self.assertEqual(self.get(r["number"])["status"], states[r["number"]], r["number"])

    def test_future_as_of_refused(self):
        today = hanoi_today()
        reg = self.registered()
        st, b, _ = self.call("POST", "/api/v1/admin/invalidate?as_of=" +
                             (today + datetime.timedelta(days=16)).isoformat(), "admin")
        self.assert_errors(st, b, [("future_date", "as_of")])
        self.assertEqual(self.get(reg["number"])["status"], "registered")
        st, b, _ = self.call("POST", "/api/v1/admin/invalidate?as_of=" +
                             (today + datetime.timedelta(days=1)).isoformat(), "admin")
        self.assertEqual(st, 422, b)
        # the CLI refuses it too
        p = run_cli("invalidate", "--db", self.env.db, "--date",
                    (today + datetime.timedelta(days=16)).isoformat(), check=False)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertEqual(self.get(reg["number"])["status"], "registered")

    def test_every_run_is_audited(self):
        def runs():
            st, b, _ = self.call("GET", "/api/v1/admin/audit?chain=invalidation", "admin")
            self.assertEqual(st, 200, b)
            return b["events"]
        n0 = len(runs())
        today = hanoi_today()
        b = self.invalidate(today)
        self.invalidate(today - datetime.timedelta(days=1))
        ev = runs()
        self.assertEqual(len(ev), n0 + 2, ev)
        last = ev[-1]
        self.assertEqual((last["action"], last["actor"], last["role"]), ("invalidate.run", CUSTOMS, "admin"))
        self.assertEqual(last["detail"]["as_of"], (today - datetime.timedelta(days=1)).isoformat())
        self.assertEqual(ev[-2]["detail"]["invalidated"], b["invalidated"])
        self.assertEqual(len(last["hash"]), 64)
        # a refused run is not a run
        self.invalidate(today + datetime.timedelta(days=3), expect=422)
        self.assertEqual(len(runs()), n0 + 2)
        # declarants do not read the administration's audit
        st, b, _ = self.call("GET", "/api/v1/admin/audit?chain=invalidation", "active")
        self.assertEqual(st, 403, b)
        # the runs' chain verifies with the rest of the trail (other tests of this class moved
        # declarations back in time behind the service: the trail reports those, and only those)
        self.assertEqual(self.env.audit_problems(), [])

    def test_provisional_data_kept_seven_legal_days(self):
        today = hanoi_today()
        con = self.env.connect_db()  # either engine
        keep, old = self.create(), self.create()
        with con:  # created at 00:00 in Hanoi 7 days ago, and one second earlier (day -8)
            for d, at in ((keep, legal_start(today - datetime.timedelta(days=7))),
                          (old, legal_start(today - datetime.timedelta(days=7)) - 1)):
                con.execute("UPDATE declarations SET created_at = ?, updated_at = ? WHERE id = ?",
                            (at, at, d["id"]))
        con.close()
        for d in (keep, old):
            self.env.moved_back(d["id"])
        # kept until the end of the 7th legal day after creation: today 23:59:59 in Hanoi
        end = datetime.datetime.combine(today, datetime.time(23, 59, 59), VN_TZ).astimezone(datetime.timezone.utc)
        self.assertEqual(self.get(keep["id"])["provisional_until"], end.strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.register(keep["id"])
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/register" % old["id"], "active")
        self.assertEqual((st, error_codes(b)[0][0]), (409, "provisional_expired"), b)


DESKS = "94033000"


class T14LawTimeWaiting(LawEnv):
    """Issue 14 §4 with §1 and §3: a `registered` declaration that waits for an agency's
    inspection result or for an officer's review of its amendment is waiting for customs, not for
    its declarant: the 15-day sweep leaves it alone, and takes it once the wait is over and the
    declarant still has not done its part. Its own database (the sweep touches every
    declaration), with MARD, MOIT and MOT connected."""
    move_registration = T14LawTime.move_registration
    invalidate = T14LawTime.invalidate

    def amend(self, number, decl, expect=200):
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % number, "active", decl)
        self.assertEqual(st, expect, b)
        return b

    def runs(self):
        st, b, _ = self.call("GET", "/api/v1/admin/audit?chain=invalidation", "admin")
        self.assertEqual(st, 200, b)
        return b["events"]

    def test_waiting_for_an_inspection_result_or_an_amendment_review(self):
        today = hanoi_today()
        long_ago = legal_start(today - datetime.timedelta(days=40))
        # paid, green, waiting for MARD's quarantine result: clearance is refused
        horses = self.registered(decl=self.horses())
        self.assertEqual(horses["channel"], "green", horses)
        self.clear_refused(horses["number"])
        # unpaid, with an amendment lowering its taxes waiting for an officer
        amended = self.registered(decl=declaration(items=[item(DESKS, "40", "50", desc="Desks")]))
        a = self.amend(amended["number"], declaration(items=[item(DESKS, "4", "50", desc="Desks")]))
        self.assertEqual(a["status"], "amendment_review", a)
        # nothing waits on customs (desks owe no agency anything): the declarant has not paid
        plain = self.registered(decl=declaration(items=[item(DESKS, "5", "50", desc="Desks")]))
        self.assertEqual(plain["procedures_owed"], [], plain)
        for r in (horses, amended, plain):
            self.move_registration(r["number"], long_ago)
            self.assertEqual(self.get(r["number"])["status"], "registered")
        n0 = len(self.runs())
        b = self.invalidate(today)
        self.assertEqual(self.get(plain["number"])["status"], "invalidated")
        self.assertEqual(self.get(horses["number"])["status"], "registered")
        self.assertEqual(self.get(amended["number"])["status"], "registered")
        self.assertGreaterEqual(b["invalidated"], 1, b)
        run = self.runs()[n0]
        self.assertEqual(run["action"], "invalidate.run")
        self.assertIn(plain["number"], run["detail"]["declarations"])
        self.assertNotIn(horses["number"], run["detail"]["declarations"])
        self.assertEqual(run["detail"]["waiting_for_customs"], 2, run)
        # no event on the ones left alone
        for r in (horses, amended):
            self.assertNotIn("invalidate", [e["action"] for e in self.events(r["number"])])
        # the officer rejects the amendment: the wait is over, the taxes are still unpaid
        st, rv, _ = self.call("POST", "/api/v1/declarations/%s/amendments/1/decision" % amended["number"],
                              "officer", {"accept": False, "note": "the invoice shows 500"})
        self.assertEqual(st, 200, rv)
        # MARD's result: the paid green declaration is released (clearance, not invalidation)
        self.post_result(horses["number"], self.result(QUARANTINE))
        self.assertEqual(self.get(horses["number"])["status"], "cleared")
        b = self.invalidate(today)
        self.assertEqual(self.get(amended["number"])["status"], "invalidated")
        self.assertEqual(self.get(horses["number"])["status"], "cleared")
        self.assertEqual(self.runs()[-1]["detail"]["waiting_for_customs"], 0)
