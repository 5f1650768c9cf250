"""API tests: a risk officer activates a stored risk model version, or rolls back to an older one
: POST /api/v1/risk/models/{version}/activation, audited with the
person; the bad inputs."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness

from test_office import add_user

CUSTOMS = "0000000000"


class T16RiskActivation(OwnEnvCase):
    """Its own database: the model rows it stores cannot be loaded (they are not trained), so the
    server's scorer falls back to the rules, which no other test should meet."""
    env_name = "riskact"

    @classmethod
    def setUpEnv(cls):
        with cls.env.connect_db() as c:  # either engine
            for v in (41, 42):
                c.execute("INSERT INTO risk_models (version, created_at, train_from, train_to, rows_trained,"
                          " active, features, metrics, params, model) VALUES (%d, 0, 0, 0, 10, 0, '[]',"
                          " '{\"auc\": 0.5}', '{}', '{\"learner\": \"not trained\"}')" % v)

    def active(self):
        st, b, _ = self.call("GET", "/api/v1/risk/models", "risk")
        self.assertEqual(st, 200, b)
        return b["active"]

    def test_activate_and_roll_back_audited_with_the_person(self):
        add_user(self.env, "risk.models", CUSTOMS, "risk_officer", name="Võ Thị Hạnh")
        tok = run_cli("token", "create", "--db", self.env.db, "--user", "risk.models").stdout.strip()
        st, b, _ = self.call("POST", "/api/v1/risk/models/42/activation", tok)
        self.assertEqual((st, b), (200, {"active": 42, "previous": None}), b)
        self.assertEqual(self.active(), 42)
        # roll back to the older version
        st, b, _ = self.call("POST", "/api/v1/risk/models/41/activation", tok)
        self.assertEqual((st, b), (200, {"active": 41, "previous": 42}), b)
        self.assertEqual(self.active(), 41)
        with self.env.connect_db() as c:
            rows = c.execute("SELECT action, detail FROM events WHERE decl_id = 'audit:risk_model'"
                             " ORDER BY seq DESC LIMIT 2").fetchall()
        got = [(r[0], json.loads(r[1])) for r in rows]
        self.assertEqual([(a, d["version"], d["previous"], d["user"], d["user_name"]) for a, d in got],
                         [("model.activate", 41, 42, "risk.models", "Võ Thị Hạnh"),
                          ("model.activate", 42, None, "risk.models", "Võ Thị Hạnh")])
        self.assertEqual(self.env.audit_problems(), [])

    def test_bad_inputs(self):
        before = self.active()
        for v in ("999", "0", "-1", "abc", "41x"):
            st, b, _ = self.call("POST", "/api/v1/risk/models/%s/activation" % v, "risk")
            self.assertEqual((st, error_codes(b)), (404, [("not_found", "")]), (v, b))
        # customs staff who do not manage selectivity, and traders
        for tok in ("officer", "active"):
            st, b, _ = self.call("POST", "/api/v1/risk/models/41/activation", tok)
            self.assertEqual(st, 403, (tok, b))
        st, b, _ = self.call("POST", "/api/v1/risk/models/41/activation")
        self.assertEqual(st, 401, b)
        st, b, _ = self.call("GET", "/api/v1/risk/models/41/activation", "risk")
        self.assertEqual(st, 405, b)
        self.assertEqual(self.active(), before)
