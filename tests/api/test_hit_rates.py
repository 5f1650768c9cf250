"""API tests: the hit rates of selectivity (for risk officers): GET /api/v1/risk/hit-rates —
each rule's, the model's and the other sources' selections, decided and violations equal what a
test query computes from the declarations' own risk decisions and the recorded outcomes (either
engine), a known set's figures, who may see them, and bad inputs."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness

DAY = 86400


def expected(env, start, end):
    """The hit rates computed here from declarations.risk (the reasons and their channels, the
    model's version) and risk_outcomes: not from risk_selections, which the server reads."""
    con = env.connect_db()
    try:
        rows = con.execute(
            "SELECT d.id, d.risk, o.violation FROM declarations d"
            " LEFT JOIN risk_outcomes o ON o.decl_id = d.id"
            " WHERE d.registered_at >= ? AND d.registered_at < ? AND d.registered_at > 0"
            " AND d.channel >= 2", (start, end)).fetchall()
        registered = con.execute(
            "SELECT COUNT(*) FROM declarations WHERE registered_at >= ? AND registered_at < ?"
            " AND registered_at > 0", (start, end)).fetchone()[0]
    finally:
        con.close()
    groups, total = {}, [0, 0, 0]

    def add(fig, outcome):
        fig[0] += 1
        fig[1] += outcome is not None
        fig[2] += outcome is not None and int(outcome) == 1

    for _id, risk, outcome in rows:
        r = json.loads(risk or "{}")
        version = (r.get("model") or {}).get("version") or 0
        add(total, outcome)
        seen = set()
        for why in r.get("reasons", []):
            if why.get("channel") not in ("yellow", "red"):
                continue
            code = why["code"]
            ref = (why.get("rule_id") or 0) if code == "rule" else \
                version if code in ("model", "exploration") else 0
            if (code, ref) not in seen:
                seen.add((code, ref))
                add(groups.setdefault((code, ref), [0, 0, 0]), outcome)

    def share(f):
        return "%.1f" % (100.0 * f[2] / f[1]) if f[1] else None

    def of_traffic(f):  # the share of the period's registered declarations a source selected
        return "%.1f" % (100.0 * f[0] / registered) if registered else None

    rank = {"rule": 0, "model": 1, "exploration": 2}
    items = []
    for (code, ref) in sorted(groups, key=lambda k: (rank.get(k[0], 3), k[0], k[1])):
        f = groups[(code, ref)]
        it = {"source": code, "selections": f[0], "share_percent": of_traffic(f),
              "decided": f[1], "violations": f[2], "hit_rate_percent": share(f)}
        if code == "rule":
            it["rule_id"] = ref
        elif code in ("model", "exploration"):
            it["model_version"] = ref or None
        items.append(it)
    return {"selections": total[0], "share_percent": of_traffic(total), "decided": total[1],
            "violations": total[2], "hit_rate_percent": share(total)}, registered, items


class T16HitRates(ManagerReportCase):
    """A database of its own: two rules (red on phones, yellow on bicycles) select five
    declarations; two phones inspected (one violation), one bicycle's documents passed."""
    env_name = "hitrates"
    manager_user = "manager.hr"
    manager_name = "Lê Thị Quản Lý"

    @classmethod
    def build(cls):
        t = cls("test_figures_equal_the_database")
        cls.rules = {}
        for name, hs, action in (("hit test: phones", "85171300", "red"),
                                 ("hit test: bicycles", "87120030", "yellow")):
            st, rule, _ = t.call("POST", "/api/v1/risk/rules", "risk", {
                "name": name, "hs_prefix": hs, "action": action, "priority": 100000})
            assert st == 201, rule
            cls.rules[action] = rule["id"]
        phones = [t.registered(decl=declaration(items=[item("85171300", "10", "20")]))
                  for _ in range(3)]
        bikes = [t.registered(decl=declaration(items=[item("87120030", "2", "150", desc="Bicycles")]))
                 for _ in range(2)]
        for d in phones:
            assert d["channel"] == "red", d
        for d in bikes:
            assert d["channel"] in ("yellow", "red"), d
        for d, violation in zip(phones[:2], (True, False)):
            extra = {"violation": violation}
            if violation:
                extra["findings"] = "Số lượng thực tế 12 chiếc, khai 10"
            for dec, ex in [("start_document_check", {}), ("document_check", {"passed": True}),
                            ("inspection", extra)]:
                t.decide(d["number"], dec, **ex)
        # an amendment re-assesses the third phone (its risk decision rewritten, its selections
        # with it): the figures still equal the declarations' own decisions
        st, a, _ = t.call("POST", "/api/v1/declarations/%s/amendments" % phones[2]["number"],
                          "active", declaration(items=[item("85171300", "12", "20")]))
        assert st in (200, 201), a
        if bikes[0]["channel"] == "yellow":
            t.decide(bikes[0]["number"], "start_document_check")
            t.decide(bikes[0]["number"], "document_check", passed=True)
        cls.bikes = bikes

    def hit(self, query="", token="risk"):
        return self.call("GET", "/api/v1/risk/hit-rates" + ("?" + query if query else ""), token)

    def test_figures_equal_the_database(self):
        start, end = vn_day_start(TODAY) - DAY, vn_day_start(TODAY) + 2 * DAY
        st, b, _ = self.hit(self.period())
        self.assertEqual(st, 200, b)
        want_all, registered, want_items = expected(self.env, start, end)
        self.assertEqual(b["all"], want_all)
        self.assertEqual(b["registered"], registered)
        self.assertGreaterEqual(registered, b["all"]["selections"])
        got = [{k: v for k, v in it.items() if k != "rule_name"} for it in b["items"]]
        self.assertEqual(got, want_items)
        # the default period (the last 30 days to today) holds the same declarations
        st, d, _ = self.hit()
        self.assertEqual(st, 200, d)
        self.assertEqual(d["to"], TODAY.isoformat())
        self.assertEqual(d["from"], (TODAY - datetime.timedelta(days=29)).isoformat())
        self.assertEqual(d["all"], b["all"])

    def test_the_known_set(self):
        st, b, _ = self.hit(self.period())
        self.assertEqual(st, 200, b)
        by_rule = {it["rule_id"]: it for it in b["items"] if it["source"] == "rule"}
        red = by_rule[self.rules["red"]]
        self.assertEqual((red["rule_name"], red["selections"], red["decided"], red["violations"],
                          red["hit_rate_percent"]), ("hit test: phones", 3, 2, 1, "50.0"))
        yellow = by_rule[self.rules["yellow"]]
        decided = 1 if self.bikes[0]["channel"] == "yellow" else 0
        self.assertEqual((yellow["selections"], yellow["decided"], yellow["violations"]),
                         (2, decided, 0))
        self.assertEqual(yellow["hit_rate_percent"], "0.0" if decided else None)
        self.assertGreaterEqual(b["all"]["selections"], 5)
        self.assertEqual(b["time_zone"], "Asia/Ho_Chi_Minh")
        # a period before any of them: nothing
        old = (TODAY - datetime.timedelta(days=40)).isoformat()
        st, b, _ = self.hit("from=%s&to=%s" % (old, old))
        self.assertEqual(st, 200, b)
        self.assertEqual(b["items"], [])
        self.assertEqual(b["all"], {"selections": 0, "share_percent": None, "decided": 0,
                                    "violations": 0, "hit_rate_percent": None})
        self.assertEqual(b["registered"], 0)

    def test_a_retired_rule_keeps_its_figures(self):
        st, rule, _ = self.call("POST", "/api/v1/risk/rules", "risk", {
            "name": "hit test: retired", "hs_prefix": "940360", "action": "yellow",
            "priority": 100000})
        self.assertEqual(st, 201, rule)
        d = self.registered(decl=declaration(items=[item("94036090", "1", "300", desc="Tủ gỗ")]))
        self.assertIn(d["channel"], ("yellow", "red"))
        self.assertEqual(self.call("DELETE", "/api/v1/risk/rules/%d" % rule["id"], "risk")[0], 200)
        st, b, _ = self.hit(self.period())
        it = [i for i in b["items"] if i["source"] == "rule" and i["rule_id"] == rule["id"]]
        self.assertEqual(len(it), 1, b["items"])
        self.assertEqual((it[0]["selections"], it[0]["decided"]), (1, 0))

    def test_who_may_see_them(self):
        for token in ("risk", "admin", "manager"):
            self.assertEqual(self.hit(self.period(), token)[0], 200, token)
        for token in ("officer", "active", "broker", "bank", "carrier"):
            st, b, _ = self.hit(self.period(), token)
            self.assertEqual(st, 403, (token, b))
        self.assertEqual(self.hit(self.period(), None)[0], 401)

    def test_bad_inputs_all_at_once(self):
        st, b, _ = self.hit("from=2026-13-01&to=2026-02-30")
        got = self.assert_errors(st, b, [("date", "/from"), ("date", "/to")])
        self.assertEqual(len(got), 2, got)
        st, b, _ = self.hit("from=%s" % TODAY.isoformat())
        self.assert_errors(st, b, [("required", "/to")])
        st, b, _ = self.hit("to=%s" % TODAY.isoformat())
        self.assert_errors(st, b, [("required", "/from")])
        st, b, _ = self.hit("from=%s&to=%s" % ((TODAY + datetime.timedelta(days=1)).isoformat(),
                                               TODAY.isoformat()))
        self.assert_errors(st, b, [("range", "/to")])
        st, b, _ = self.hit("from=2025-01-01&to=2026-06-30")
        self.assert_errors(st, b, [("range", "/to")])
