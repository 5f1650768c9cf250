"""API tests: what the administration does from the command line — parties, tokens (machine and
personal, and their revocation), bank keys, agency bindings, mandates, people, the risk model —
is in the hash-chained audit trail like every API write, in one chain per kind
(`audit:parties`, `audit:tokens`, ...), read through GET /api/v1/admin/audit. The Env's own
set-up (party add, mandate grant, token create, party key) already goes through these paths, and
its database's trail is verified when its server stops."""
import hashlib
import os

from harness import *  # noqa: F401,F403
import harness


class T11AdminAudit(OwnEnvCase):
    env_name = "admin-audit"

    def chain(self, name):
        st, b, _ = self.call("GET", "/api/v1/admin/audit?chain=audit:" + name, "officer")
        self.assertEqual(st, 200, b)
        for e in b["events"]:  # the command line acts as the administration itself
            self.assertEqual((e["actor"], e["role"]), (CUSTOMS, "admin"), e)
        return b["events"]

    def test_set_up_writes_are_in_the_trail(self):
        parties = {e["detail"]["tax_code"]: e["detail"] for e in self.chain("parties")
                   if e["action"] == "party.put"}
        self.assertEqual(parties[SUSPENDED]["status"], "suspended")
        self.assertEqual(parties[AEO]["aeo"], True)
        self.assertEqual(parties[BANK]["kind"], "bank")
        grants = [(e["detail"]["enterprise"], e["detail"]["declarant"])
                  for e in self.chain("mandates") if e["action"] == "mandate.grant"]
        self.assertIn((ACTIVE, BROKER), grants)
        keys = [e["detail"] for e in self.chain("bank_keys")]
        self.assertEqual(sorted(k["party"] for k in keys), sorted([BANK, BANK2]))
        made = [e["detail"] for e in self.chain("tokens") if e["action"] == "token.create"]
        officer = hashlib.sha256(self.env.tokens["officer"].encode()).hexdigest()[:12]
        mine = [t for t in made if t["token"] == officer]
        self.assertEqual(mine, [{"token": officer, "party": CUSTOMS, "role": "officer"}])
        portop = [t for t in made if t["role"] == "port_operator" and t["party"] == PORTOP]
        self.assertEqual(portop[0]["location"], "VNHPH-TC01")
        # the token itself is never written down, only the start of its hash
        for t in made:
            self.assertEqual(len(t["token"]), 12)
            self.assertNotIn(t["token"], self.env.tokens.values())

    def test_token_revoke_person_token_and_mandate_revoke_are_recorded(self):
        db = self.env.db
        run_cli("party", "add", "--db", db, "--tax-code", "0109876543", "--name", "Audit Trail Co")
        pw = os.path.join(self.env.dir, "pw")
        with open(pw, "w") as f:
            f.write("correct horse battery\n")
        run_cli("user", "add", "--db", db, "--party", "0109876543", "--username", "ngoc.anh",
                "--name", "Phạm Ngọc Anh", "--role", "declarant", "--password-file", pw)
        users = [e["detail"] for e in self.chain("users") if e["action"] == "user.add"]
        self.assertIn({"username": "ngoc.anh", "name": "Phạm Ngọc Anh", "party": "0109876543",
                       "roles": ["declarant"], "office": ""}, users)
        for e in users:
            self.assertNotIn("password", e)
        tok = run_cli("token", "create", "--db", db, "--user", "ngoc.anh",
                      "--expires-in", "2d").stdout.strip()
        short = hashlib.sha256(tok.encode()).hexdigest()[:12]
        st, _, _ = self.call("GET", "/api/v1/declarations", tok)
        self.assertEqual(st, 200)
        made = [e["detail"] for e in self.chain("tokens")
                if e["action"] == "token.create" and e["detail"]["token"] == short]
        self.assertEqual(len(made), 1, made)
        self.assertEqual(made[0]["for_user"], "ngoc.anh")
        self.assertIn("expires_at", made[0])
        run_cli("token", "revoke", "--db", db, tok)
        revoked = [e["detail"]["token"] for e in self.chain("tokens") if e["action"] == "token.revoke"]
        self.assertEqual(revoked, [short])
        # revoking an unknown token changes nothing and records nothing
        p = run_cli("token", "revoke", "--db", db, "00" * 24, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no such token", p.stderr)
        self.assertEqual(len([e for e in self.chain("tokens") if e["action"] == "token.revoke"]), 1)
        # a mandate granted and revoked at the administration's desk
        run_cli("mandate", "grant", "--db", db, "--enterprise", "0109876543", "--declarant", BROKER)
        out = run_cli("mandate", "revoke", "--db", db, "--enterprise", "0109876543",
                      "--declarant", BROKER).stdout
        self.assertIn("revoked 1 mandate", out)
        ev = [(e["action"], e["detail"]["in_force"]) for e in self.chain("mandates")
              if e["detail"]["enterprise"] == "0109876543"]
        self.assertEqual(ev, [("mandate.grant", True), ("mandate.revoke", False)])
        # an unknown party is refused before anything is written
        p = run_cli("mandate", "grant", "--db", db, "--enterprise", "0109999999", "--declarant",
                    BROKER, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("unknown enterprise or declarant", p.stderr)

    def test_agency_binding_is_recorded(self):
        run_cli("party", "add", "--db", self.env.db, "--tax-code", "0100200099", "--name",
                "Plant Protection Sub-department")
        run_cli("agency", "bind", "--db", self.env.db, "--party", "0100200099", "--agency", "MARD")
        binds = [e["detail"] for e in self.chain("agencies") if e["action"] == "agency.bind"]
        self.assertIn({"party": "0100200099", "agency": "MARD"}, binds)
