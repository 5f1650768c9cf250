"""API tests: a registration's screening reads (duplicate documents, inherited selections) when the
invoice's and the first bill of lading's look-ups go in one statement each (stop 17): each finding
must stay attributed to its own document."""
import os

from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness


class T70ScreeningDocuments(ApiCase):
    seq = 0

    def fresh(self, invoice=None, bls=None):
        T70ScreeningDocuments.seq += 1
        tag = "%s%d" % (os.urandom(3).hex().upper(), T70ScreeningDocuments.seq)
        d = declaration(items=[item()])
        d["invoice"]["number"] = invoice or "SCR-INV-" + tag
        d["transport"]["bills_of_lading"] = bls or ["SCRBL" + tag]
        return d

    def warnings(self, r):
        return {w["code"]: w for w in r.get("warnings", [])}

    def test_invoice_only_duplicate(self):
        first = self.registered(decl=self.fresh())
        inv = self.fresh()["invoice"]["number"]
        a = self.registered(decl=self.fresh(invoice=inv))
        b = self.registered(decl=self.fresh(invoice=inv))  # same invoice, its own bill
        w = self.warnings(b)
        self.assertEqual(w["duplicate_invoice"]["declarations"], [a["number"]], b)
        self.assertNotIn("duplicate_bill_of_lading", w, b)
        self.assertNotIn("duplicate_invoice", self.warnings(first))

    def test_bill_only_duplicate(self):
        bl = self.fresh()["transport"]["bills_of_lading"]
        a = self.registered(decl=self.fresh(bls=bl))
        b = self.registered(decl=self.fresh(bls=bl))  # same first bill, its own invoice
        w = self.warnings(b)
        self.assertEqual(w["duplicate_bill_of_lading"]["declarations"], [a["number"]], b)
        self.assertEqual(w["duplicate_bill_of_lading"]["bills_of_lading"], bl, b)
        self.assertNotIn("duplicate_invoice", w, b)

    def test_second_bill_and_repeated_bill(self):
        # a bill listed twice in one declaration is recorded once; a later declaration naming it
        # as its second bill finds the first declaration once
        bl = self.fresh()["transport"]["bills_of_lading"][0]
        a = self.registered(decl=self.fresh(bls=[bl, bl]))
        other = self.fresh()["transport"]["bills_of_lading"][0]
        b = self.registered(decl=self.fresh(bls=[other, bl]))
        w = self.warnings(b)
        self.assertEqual(w["duplicate_bill_of_lading"]["declarations"], [a["number"]], b)
        self.assertEqual(w["duplicate_bill_of_lading"]["bills_of_lading"], [bl], b)
        self.assertNotIn("duplicate_invoice", w, b)

    def test_no_duplicate_between_fresh_declarations(self):
        a = self.registered(decl=self.fresh())
        b = self.registered(decl=self.fresh())
        self.assertNotIn("duplicate_invoice", self.warnings(a))
        self.assertNotIn("duplicate_bill_of_lading", self.warnings(b))


class T70LoadConsignments(unittest.TestCase):
    """`ecustoms load` declares each consignment's own invoice, bill of lading and container, as
    real traffic does: a benchmark whose every registration after the first is a duplicate-document
    finding measures the screening of a fraud pattern, not ordinary imports (issue 12, "A
    realistic load")."""

    def setUp(self):
        self.env = Env("loadrefs")
        self.env.start()

    def tearDown(self):
        self.env.stop()

    def test_load_declares_each_consignment_once(self):
        rec = os.path.join(self.env.dir, "acks")
        p = subprocess.run(
            [harness.BINARY, "load", "--server", "http://127.0.0.1:%d" % self.env.port,
             "--token", self.env.tokens["loader"], "--importer", LOADER, "--rate", "20",
             "--duration", "1", "--items-min", "1", "--items-max", "3", "--no-ceiling",
             "--record", rec], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(rec) as f:
            numbers = [line.split()[0] for line in f]
        self.assertEqual(len(numbers), 20, p.stdout)
        invoices, bills, containers = set(), set(), set()
        for n in numbers:
            st, b, _ = self.env.call("GET", "/api/v1/declarations/%s" % n, "officer")
            self.assertEqual(st, 200, b)
            d = b["declaration"]
            invoices.add(d["invoice"]["number"])
            bills.update(d["transport"]["bills_of_lading"])
            containers.update(d["transport"]["containers"])
        # a fresh server: distinct references are registrations without a duplicate finding
        self.assertEqual((len(invoices), len(bills), len(containers)), (20, 20, 20))
