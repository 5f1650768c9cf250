"""API tests: the working-day calendar of the legal time limits is a table the administration
keeps (service/calendar.c), seeded from data/reference/vn_public_holidays.tsv; the worklists'
deadlines follow a change at once; a restart keeps an administrator's day; bad input is refused
with every error at once."""
import datetime

from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness
from test_office import registered_in
from test_storage import serve_existing


def vn_date(iso_instant):
    t = datetime.datetime.fromisoformat(iso_instant.replace("Z", "+00:00"))
    return t.astimezone(harness.VN_TZ).date()


class T16Calendar(OwnEnvCase):
    """Its own server and database: changing a day moves every deadline of a shared one."""
    env_name = "calendar"

    def days(self, frm, to, token="active"):
        st, b, _ = self.call("GET", "/api/v1/calendar?from=%s&to=%s" % (frm, to), token)
        self.assertEqual(st, 200, b)
        return {d["date"]: d for d in b["days"]}

    def put(self, date, body, token="admin", expect=200):
        st, b, _ = self.call("PUT", "/api/v1/calendar/" + date, token, body)
        self.assertEqual(st, expect, b)
        return b

    def test_the_files_days_are_listed(self):
        d = self.days("2026-01-01", "2026-12-31")
        self.assertEqual(d["2026-09-02"]["kind"], "holiday")
        self.assertEqual(d["2026-09-02"]["source"], "data/reference/vn_public_holidays.tsv")
        self.assertEqual(d["2026-02-17"]["status"], "official")
        self.assertNotIn("2025-09-02", d)
        self.assertEqual(sorted(d), list(d))  # in date order
        st, b, _ = self.call("GET", "/api/v1/calendar", "active")  # the current year
        self.assertEqual((st, b["from"], b["to"]), (200, "%d-01-01" % TODAY.year,
                                                    "%d-12-31" % TODAY.year), b)

    def due_of(self, number):
        st, wl, _ = self.call("GET", "/api/v1/worklists/document-check?office=02CI", "officer")
        self.assertEqual(st, 200, wl)
        return [i["due_at"] for i in wl["items"] if i["number"] == number][0]

    def test_a_day_off_moves_the_deadlines(self):
        r = registered_in(self, "yellow")
        due = self.due_of(r["number"])
        day = vn_date(due).isoformat()  # a working day, or the deadline would not fall on it
        b = self.put(day, {"kind": "holiday", "name": "Ngày nghỉ bù (test)",
                           "basis": "Decision 1/2026 (test)"})
        self.assertEqual((b["date"], b["kind"], b["source"]), (day, "holiday", "administrator " + CUSTOMS), b)
        moved = self.due_of(r["number"])
        self.assertGreater(vn_date(moved), vn_date(due))
        # set back to the plain week's rule: the deadline is the first one again
        self.put(day, {"kind": "normal", "name": "Ngày làm việc (test)"})
        self.assertEqual(self.due_of(r["number"]), due)
        # both changes in the administration's audit chain, the first day's value kept
        st, ev, _ = self.call("GET", "/api/v1/admin/audit?chain=calendar", "officer")
        self.assertEqual(st, 200, ev)
        mine = [e for e in ev["events"] if e["detail"]["date"] == day]
        self.assertEqual([e["action"] for e in mine], ["calendar.set", "calendar.set"])
        self.assertEqual(mine[1]["detail"]["kind"], "normal")

    def test_a_restart_keeps_an_administrators_day(self):
        # 2027-09-02 is in the file; the administrator's version survives the start-up's sync
        self.put("2027-09-02", {"kind": "normal", "name": "Quốc khánh, moved (test)",
                                "status": "provisional"})
        self.env.proc.terminate()
        self.env.proc.wait()
        self.env.log.close()
        serve_existing(self.env)
        d = self.days("2027-09-01", "2027-09-03")["2027-09-02"]
        self.assertEqual((d["kind"], d["status"], d["source"]),
                         ("normal", "provisional", "administrator " + CUSTOMS), d)

    def test_bad_days_are_refused_all_at_once(self):
        st, b, _ = self.call("PUT", "/api/v1/calendar/2026-02-30", "admin",
                             {"kind": "someday", "status": "rumoured", "colour": "red"})
        self.assertEqual(st, 422, b)
        self.assertEqual(sorted(error_codes(b)), sorted([
            ("date", "/date"), ("enum", "/kind"), ("enum", "/status"), ("required", "/name"),
            ("unknown_field", "/colour")]))
        # "workday" is for a Saturday or Sunday worked: 2026-12-01 is a Tuesday
        st, b, _ = self.call("PUT", "/api/v1/calendar/2026-12-01", "admin",
                             {"kind": "workday", "name": "x"})
        self.assertEqual((st, error_codes(b)), (422, [("kind_date", "/kind")]), b)
        self.put("2026-12-05", {"kind": "workday", "name": "Saturday worked (test)"})
        self.put("2026-12-07", {"kind": "holiday", "name": "x"}, token="officer", expect=403)
        for q in ("from=2026-13-01", "to=soon", "from=2026-12-31&to=2026-01-01"):
            st, b, _ = self.call("GET", "/api/v1/calendar?" + q, "active")
            self.assertEqual(st, 422, (q, b))
        st, b, _ = self.call("PUT", "/api/v1/calendar/2026-12-07", "admin", raw=b"[1]")
        self.assertEqual(st, 422, b)
