"""The authorization matrix (always-on): every route of the server's route table
(`ecustoms routes`) x every kind of caller, against the answers written down in
tests/api/authz_matrix.tsv. A route without a row there, or a row without a route, fails.

Each caller sends one request per route, on fixtures owned by ACTIVE (a registered declaration
paid in part by BANK), CARRIER (a manifest at Hai Phong with a container) and nonexistent ids
for the routes that would destroy something (a rule, a hold, a mandate, a refund decision):
writes carry an empty JSON object, so an allowed caller meets validation (422/400) or a state
conflict, a refused one 401/403/404. The table is the specification: change it with the code.

AUTHZ_WRITE=1 python3 tests/api/run.py T46TrustAuthzMatrix rewrites the table from what the
server answers (then read the diff before committing it)."""
from harness import *  # noqa: F401,F403
import harness
from test_manifest import bill, fresh_bl, fresh_container, manifest

MATRIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "authz_matrix.tsv")
AGENCY_PARTY = "0951234560"
ASW_PARTY = "0961234561"
CALLERS = ["none", "malformed", "active", "other", "broker", "officer", "risk", "admin",
           "carrier", "carrier2", "portop", "portop2", "bank", "bank2", "agency", "asw"]


class T46TrustAuthzMatrix(OwnEnvCase):
    env_name = "authz"

    @classmethod
    def setUpEnv(cls):
        e = cls.env
        for code, role, key in [(AGENCY_PARTY, "agency", "agency"), (ASW_PARTY, "asw", "asw")]:
            e.add_party(code, "Party " + code, role, key=key)
        e.tokens["malformed"] = "not-a-token-" + "x" * 20
        c = cls.case()
        cls.ctr, bl = fresh_container(), fresh_bl()
        st, m, _ = e.call("POST", "/api/v1/manifests", "carrier", manifest([bill(bl, [(cls.ctr, "S1")])]))
        assert st == 201, m
        cls.manifest = m["id"]
        d = declaration()
        d["transport"]["bills_of_lading"] = [bl]
        d["transport"]["containers"] = [cls.ctr]
        cls.number = c.registered(decl=d)["number"]
        c.pay([(cls.number, 1)])

    def params(self):
        return {"id": self.number, "tax_code": ACTIVE, "mandate_id": "999999",
                "refund_id": "999999", "rule_id": "999999", "version": "999999", "hs_code": "85171300",
                "number": "NONE-1", "manifest_id": self.manifest, "container": self.ctr,
                "hold_id": "999999", "code": "02CI", "case_id": "999999",
                "queue": "document-check", "attachment": "999999"}

    def routes(self):
        out = run_cli("routes").stdout
        return [tuple(line.split("\t")[:2]) for line in out.splitlines() if line.strip()]

    def read_matrix(self):
        rows = {}
        with open(MATRIX, encoding="utf-8") as f:
            header = None
            for line in f:
                line = line.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                cols = line.split("\t")
                if header is None:
                    header = cols
                    self.assertEqual(header[2:], CALLERS, "the matrix's columns are the callers")
                    continue
                self.assertEqual(len(cols), len(header), line)
                rows[(cols[0], cols[1])] = dict(zip(CALLERS, (int(x) for x in cols[2:])))
        return rows

    def observe(self, method, pattern):
        path = pattern
        for k, v in self.params().items():
            path = path.replace("{%s}" % k, v)
        got = {}
        for caller in CALLERS:
            body = {} if method in ("POST", "PUT") else None
            st, b, _ = self.call(method, path, None if caller == "none" else caller, body)
            got[caller] = st
        return got

    def test_every_route_every_caller(self):
        routes = self.routes()
        self.assertGreater(len(routes), 40)
        observed = {r: self.observe(*r) for r in routes}
        if os.environ.get("AUTHZ_WRITE"):
            with open(MATRIX, "w", encoding="utf-8") as f:
                f.write("# The authorization matrix: expected HTTP status per route (ecustoms routes) and caller.\n"
                        "# Callers: none = no token; malformed = a token that does not exist; active = the\n"
                        "# declaration's enterprise (ACTIVE); other = another enterprise's declarant; broker =\n"
                        "# a declarant with ACTIVE's mandate that did not declare this one; carrier2, portop2\n"
                        "# (bound to VNSGN), bank2 = another carrier, location, bank. tests/api/test_authz.py.\n")
                f.write("\t".join(["method", "pattern"] + CALLERS) + "\n")
                for (m, p), got in observed.items():
                    f.write("\t".join([m, p] + [str(got[c]) for c in CALLERS]) + "\n")
        expected = self.read_matrix()
        problems = []
        for r in routes:
            if r not in expected:
                problems.append("%s %s: no row in authz_matrix.tsv" % r)
                continue
            for c in CALLERS:
                if observed[r][c] != expected[r][c]:
                    problems.append("%s %s as %s: %d, expected %d" % (r[0], r[1], c, observed[r][c],
                                                                     expected[r][c]))
        for r in expected:
            if r not in routes:
                problems.append("%s %s: a row for a route the server does not have" % r)
        self.assertEqual(problems, [], "\n".join(problems))
