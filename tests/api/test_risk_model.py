"""API tests: Learned selectivity: a model trained on an imported history, live."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness


# ---- learned selectivity -------------------------------------------------------------

CSV_HEADER = ("Declaration ID,Date,Office ID,Process Type,Import Type,Import Use,Payment Type,"
              "Mode of Transport,Declarant ID,Importer ID,Seller ID,Courier ID,HS6 Code,"
              "Country of Departure,Country of Origin,Tax Rate,Tax Type,"
              "Country of Origin Indicator,Net Mass,Item Price,Fraud,Critical Fraud\n")


def history_csv(path, first_day, days, seed=7, first_id=1000):
    """A synthetic inspection history in the customs-declaration-datasets format, with the
    parties of the live tests: OTHER's goods are usually found irregular, ACTIVE's almost never,
    ten unknown importers in between. Returns the number of rows."""
    import random
    rnd = random.Random(seed)
    rows = []
    n = first_id
    for d in range(days):
        day = (first_day + datetime.timedelta(days=d)).isoformat()
        for _ in range(8):
            who = rnd.choice([ACTIVE, OTHER, ACTIVE, OTHER] + ["IMP%02d" % i for i in range(10)])
            rate = {ACTIVE: 0.03, OTHER: 0.85}.get(who, 0.2)
            hs = rnd.choice(["851713", "850440", "640399"])
            fraud = 1 if rnd.random() < rate else 0
            mass = rnd.randint(100, 2000)
            rows.append("%d,%s,02CI,B,11,21,11,2,%s,%s,\"Shenzhen Mobile Devices Ltd\",,%s,CN,CN,"
                        "8.0,B01,CO,%d.0,%d.0,%d,0\n" % (n, day, who, who, hs, mass, mass * 400, fraud))
            n += 1
    with open(path, "w") as f:
        f.write("\ufeff" + CSV_HEADER + "".join(rows))
    return len(rows)


class T14RiskModel(OwnEnvCase):
    """A model trained with `ecustoms risk train` on an imported history, picked up by the
    running server without a restart; scores, explanations, outcomes, roll-back, fallback."""
    env_name = "riskmodel"

    @classmethod
    def setUpEnv(cls):
        cls.csv = os.path.join(cls.env.dir, "history.csv")
        cls.rows = history_csv(cls.csv, TODAY - datetime.timedelta(days=80), 78)
        run_cli("risk", "import-history", "--db", cls.env.db, "--csv", cls.csv)
        out = run_cli("risk", "train", "--db", cls.env.db, "--rounds", "30").stdout
        cls.version = int(re.search(r"model (\d+):", out).group(1))
        cls.wait_in_use(cls.version)

    @classmethod
    def wait_in_use(cls, version):
        """The server polls the active model every 5 s; wait until it scores with version."""
        deadline = time.time() + 30
        while True:
            st, b, _ = cls.env.call("GET", "/api/v1/risk/models", "risk")
            if st == 200 and b["in_use"] == version:
                return b
            if time.time() > deadline:
                raise AssertionError("server never used model %s: %s" % (version, b))
            time.sleep(0.2)

    def db(self):
        return self.env.connect_db()

    def test_1_models_listed(self):
        b = self.wait_in_use(self.version)
        self.assertEqual(b["active"], self.version)
        m = [x for x in b["models"] if x["version"] == self.version][0]
        self.assertTrue(m["active"])
        self.assertEqual(m["rows"], self.rows)
        v = m["metrics"]["validation"]
        self.assertEqual(set(v["precision"]), {"1", "2", "5", "10"})
        self.assertGreater(v["auc"], 0.6)  # OTHER's record is learnable
        self.assertLess(m["train_from"], m["train_to"])
        self.assertEqual(m["params"]["rounds"], 30)
        self.assertEqual(self.call("GET", "/api/v1/risk/models", "active")[0], 403)
        self.assertEqual(self.call("POST", "/api/v1/risk/models", "risk", {})[0], 405)
        out = json.loads(run_cli("risk", "models", "--db", self.env.db, "--json").stdout)
        self.assertEqual([x["version"] for x in out if x["active"]], [self.version])

    def test_2_decision_explained_to_customs_only(self):
        r = self.registered("active")
        self.assertNotIn("risk_model", r)
        self.assertTrue(all(set(x) == {"code"} for x in r["reasons"]), r)
        mine = self.get(r["number"], "active")
        self.assertNotIn("risk_model", mine)
        for who in ("officer", "risk"):
            v = self.get(r["number"], who)
            m = v["risk_model"]
            self.assertEqual(m["version"], self.version)
            self.assertTrue(0 < m["probability"] < 1)
            self.assertIn(m["band"], ("green", "yellow", "red"))
            # an exploration draw puts a green score on the yellow or red channel and reports that
            # channel as its band (core/risk_policy.c), so band and channel agree either way
            self.assertEqual(m["band"] == "green", r["channel"] == "green", (m, r))
            if m["explored"]:
                self.assertNotEqual(m["band"], "green", m)
            # below the yellow threshold: green, unless exploration drew yellow or red (then the
            # band shown is the explored channel)
            self.assertEqual(m["adjusted_score"] < m["thresholds"]["yellow"],
                             r["channel"] == "green" or m["explored"], (m, r))
            self.assertIn(m["item"], (1, 2))
            self.assertTrue(1 <= len(m["contributions"]) <= 5)
            for c in m["contributions"]:
                self.assertRegex(c["feature"], r"^[a-z_0-9]+(\.[a-z_0-9]+)?$")
            total = m["bias"] + sum(c["contribution"] for c in m["contributions"]) + m["other_contributions"]
            self.assertAlmostEqual(total, m["margin"], places=3)
            # the same items, by the risk officer's view, in the order of their weight
            w = [abs(c["contribution"]) for c in m["contributions"]]
            self.assertEqual(w, sorted(w, reverse=True))

    def test_3_history_decides(self):
        """The same goods from OTHER (mostly found irregular) score above ACTIVE (clean)."""
        a = self.get(self.registered("active")["number"], "officer")["risk_model"]
        o = self.get(self.registered("other", declaration(importer=OTHER))["number"],
                     "officer")["risk_model"]
        self.assertGreater(o["probability"], a["probability"])
        # a non-compliant enterprise's score is raised (compliance class 4: odds x4)
        n = self.get(self.registered("noncompliant", declaration(importer=NONCOMPLIANT))["number"],
                     "officer")["risk_model"]
        self.assertGreater(n["adjusted_score"], n["probability"])

    def test_4_must_red_rule_wins_and_outcome_is_recorded(self):
        self.rule(name="red shoes", hs_prefix="6403", action="red", priority=9)
        d = self.create("active", declaration(items=[item("64039990", "10", "20", desc="Shoes")]))
        r = self.register(d["id"])
        self.assertEqual(r["channel"], "red")
        self.assertEqual(r["reasons"][0]["code"], "rule")
        n = r["number"]
        self.decide(n, "start_document_check")
        self.decide(n, "document_check", passed=True)
        with self.db() as c:  # not settled yet: the inspection decides
            self.assertEqual(c.execute("SELECT count(*) FROM risk_outcomes WHERE decl_id = ?",
                                       (d["id"],)).fetchone()[0], 0)
        self.decide(n, "inspection", violation=True, findings="undervalued: invoice 40% below",
                    additional_tax="1500000")
        with self.db() as c:
            row = c.execute("SELECT violation, additional_tax, source FROM risk_outcomes WHERE decl_id = ?",
                            (d["id"],)).fetchone()
            items, facts = c.execute("SELECT items, facts FROM risk_facts WHERE decl_id = ?",
                                     (d["id"],)).fetchone()
        self.assertEqual(row, (1, 1500000, "inspection_completed"))
        # one row per declaration: its items' facts, fields separated by US, items by RS (a short
        # text is stored unpacked, as its bytes: docs/storage.md)
        if isinstance(facts, str):  # psql: bytea as \x + hex
            facts = bytes.fromhex(facts[2:])
        fields = bytes(facts).decode("utf-8").split("\x1f")
        self.assertEqual((items, fields[0], fields[1], fields[13]), (1, "1", ACTIVE, "64039990"))

    def test_5_yellow_document_check_settles_clean(self):
        self.rule(name="yellow bags", hs_prefix="4202", action="yellow", priority=9)
        d = self.create("active", declaration(items=[item("42022100", "10", "80", desc="Bags")]))
        n = self.register(d["id"])["number"]
        self.decide(n, "start_document_check")
        self.decide(n, "document_check", passed=True)
        with self.db() as c:
            row = c.execute("SELECT violation, source FROM risk_outcomes WHERE decl_id = ?",
                            (d["id"],)).fetchone()
        self.assertEqual(row, (0, "documents_passed"))

    def test_6_retrain_and_roll_back(self):
        out = run_cli("risk", "train", "--db", self.env.db, "--rounds", "20", "--no-activate").stdout
        v2 = int(re.search(r"model (\d+):", out).group(1))
        self.assertEqual(v2, self.version + 1)
        self.assertIn("not active", out)
        b = self.wait_in_use(self.version)
        self.assertEqual(b["active"], self.version)
        run_cli("risk", "activate", "--db", self.env.db, str(v2))
        self.wait_in_use(v2)
        m = self.get(self.registered("active")["number"], "officer")["risk_model"]
        self.assertEqual(m["version"], v2)
        run_cli("risk", "activate", "--db", self.env.db, str(self.version))  # roll back
        self.wait_in_use(self.version)
        p = run_cli("risk", "activate", "--db", self.env.db, "999", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no model 999", p.stderr)

    def test_7_cli_refuses_bad_input(self):
        bad = os.path.join(self.env.dir, "bad.csv")
        with open(bad, "w") as f:
            f.write(CSV_HEADER + "1,2020-02-30,02CI,B,11,21,11,2,A,B,C,,851713,CN,CN,8,B01,CO,1,1,0,0\n"
                    "2,2020-03-01,02CI,B,11,21,11,2,A,B,C,,85,CN,CN,x,B01,CO,1,1,2,0\n")
        with self.db() as c:
            before = c.execute("SELECT count(*) FROM risk_facts").fetchone()[0]
        p = run_cli("risk", "import-history", "--db", self.env.db, "--csv", bad, check=False)
        self.assertEqual(p.returncode, 1)
        for e in ("date /rows/1", "hs_code /rows/2", "number /rows/2", "label /rows/2"):
            self.assertIn(e, p.stderr)
        p = run_cli("risk", "import-history", "--db", self.env.db, "--csv", self.csv, check=False)
        self.assertEqual(p.returncode, 1)  # already imported: refused whole
        self.assertIn("already in the database", p.stderr)
        with self.db() as c:
            self.assertEqual(c.execute("SELECT count(*) FROM risk_facts").fetchone()[0], before)
        empty = os.path.join(self.env.dir, "empty.sqlite")
        p = run_cli("risk", "train", "--db", empty, check=False)
        self.assertEqual(p.returncode, 1)  # not created by mistake
        self.assertIn("no database at", p.stderr)
        self.assertFalse(os.path.exists(empty))
        run_cli("db", "init", "--db", empty)
        p = run_cli("risk", "train", "--db", empty, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("at least 100", p.stderr)
        self.assertEqual(run_cli("risk", "models", "--db", empty + ".x", check=False).returncode, 1)
        p = run_cli("risk", "evaluate", "--train", "/nonexistent.csv", "--test", self.csv, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(run_cli("risk", "bogus", check=False).returncode, 2)

    def test_8_evaluate_json(self):
        train = os.path.join(self.env.dir, "eval-train.csv")
        test = os.path.join(self.env.dir, "eval-test.csv")
        ntr = history_csv(train, datetime.date(2020, 1, 1), 60, seed=11)
        nte = history_csv(test, datetime.date(2020, 3, 1), 20, seed=12, first_id=900000)
        p = run_cli("risk", "evaluate", "--train", train, "--test", test, "--json", "--rounds", "20")
        out = json.loads(p.stdout)
        self.assertEqual(set(out), {"precision", "recall", "auc", "rows_train", "rows_test"})
        self.assertEqual((out["rows_train"], out["rows_test"]), (ntr, nte))
        for k in ("1", "2", "5", "10"):
            self.assertTrue(0 <= out["precision"][k] <= 1 and 0 <= out["recall"][k] <= 1)
        self.assertGreater(out["auc"], 0.7)  # OTHER's record carries over to the test months
        # recall grows with the inspection rate
        self.assertLessEqual(out["recall"]["1"], out["recall"]["10"])

    def test_8b_model_shares_in_settings(self):
        st, b, _ = self.call("GET", "/api/v1/risk/settings", "officer")
        self.assertEqual((st, b["model_red_percent"], b["model_yellow_percent"], b["exploration_percent"]),
                         (200, "5", "15", "10"), b)
        st, b, _ = self.call("PUT", "/api/v1/risk/settings", "risk",
                             {"random_red_percent": "0", "random_yellow_percent": "0",
                              "model_red_percent": "8", "exploration_percent": "0"})
        self.assertEqual(st, 200, b)
        self.assertEqual((b["model_red_percent"], b["model_yellow_percent"], b["exploration_percent"]),
                         ("8", "15", "0"))  # absent: unchanged
        st, b, _ = self.call("PUT", "/api/v1/risk/settings", "risk",
                             {"random_red_percent": "0", "random_yellow_percent": "0",
                              "model_red_percent": "90", "model_yellow_percent": "20",
                              "exploration_percent": "x", "shares": 1})
        self.assert_errors(st, b, [("range", "/exploration_percent"), ("unknown_field", "/shares"),
                                   ("range", "")])
        st, b, _ = self.call("GET", "/api/v1/risk/settings", "risk")
        self.assertEqual(b["model_red_percent"], "8")  # nothing written by the refused PUT
        # registrations go on with the new shares
        self.assertIn(self.registered("active")["channel"], ("green", "yellow", "red"))
        st, b, _ = self.call("PUT", "/api/v1/risk/settings", "risk",
                             {"random_red_percent": "0", "random_yellow_percent": "0",
                              "model_red_percent": "5", "exploration_percent": "10"})
        self.assertEqual(st, 200, b)

    def test_9_corrupt_model_falls_back_to_rules(self):
        with self.db() as c:
            c.execute("INSERT INTO risk_models (version, created_at, train_from, train_to, rows_trained,"
                      " active, features, metrics, params, model) VALUES (77, 0, 0, 0, 0, 0, '[]', '{}',"
                      " '{}', '{\"learner\": \"damaged\"}')")
        run_cli("risk", "activate", "--db", self.env.db, "77")
        deadline = time.time() + 30
        log = os.path.join(self.env.dir, "server.log")
        while True:
            with open(log, "rb") as f:
                if b"risk model 77 cannot be loaded" in f.read():
                    break
            self.assertLess(time.time(), deadline, "no warning logged")
            time.sleep(0.2)
        st, b, _ = self.call("GET", "/api/v1/risk/models", "risk")
        self.assertEqual((b["active"], b["in_use"]), (77, None))
        r = self.registered("active")
        self.assertEqual(r["channel"], "green")  # the rules alone: none selects it
        self.assertNotIn("risk_model", self.get(r["number"], "officer"))
        run_cli("risk", "activate", "--db", self.env.db, str(self.version))
        self.wait_in_use(self.version)
