"""API tests: GET /api/v1/declarations/{n} copies the stored items and tax totals as text
(codec/json_span.c) where the other answers build the view with jansson. Both must say the same,
whatever the spacing and escaping of the document the declarant sent."""
import json

from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness


class T12GetViewCopiesText(ApiCase):
    def same_view(self, reply, got):
        for key in ("items", "taxes", "declaration", "id", "number", "status", "channel",
                    "customs_value", "reasons", "decisions"):
            self.assertEqual(got.get(key), reply.get(key), key)

    def test_spaced_and_escaped_document(self):
        d = declaration(items=[
            item(desc='Điện thoại "di động" {128 GB} [đen], \\ / tab\tend'),
            item("85044019", "5000", "5", desc="Sạc 25 W"),
            item("85171300", "7", "9", desc="}]\",{[")])
        # pretty-printed, every non-ASCII character as a \\u escape, a key order of its own
        raw = json.dumps(d, indent=3, ensure_ascii=True, sort_keys=True).replace(
            '": ', '"  :\n ').encode()
        st, created, _ = self.call("POST", "/api/v1/declarations", "active", raw=raw)
        self.assertEqual(st, 201, created)
        # a draft's modification answers with the view built with jansson
        st, modified, _ = self.call("PUT", "/api/v1/declarations/" + created["id"], "active",
                                    raw=raw)
        self.assertEqual(st, 200, modified)
        self.same_view(modified, self.get(created["id"]))
        number = self.register(created["id"])["number"]
        for token in ("active", "officer"):
            got = self.get(number, token)
            self.assertEqual([i["line"] for i in got["items"]], [1, 2, 3])
            self.assertEqual([i["description"] for i in got["items"]],
                             [i["description"] for i in d["items"]])
            self.assertNotIn("items", got["declaration"])
            self.assertEqual(got["declaration"]["importer"], d["importer"])
            for it in got["items"]:
                self.assertIn("customs_value", it)
                self.assertIn("import_duty", it["taxes"])

    def test_one_item(self):
        # one item: its text is the whole "items" array of the document
        d = declaration(items=[item()])
        reply = self.registered(decl=d)
        got = self.get(reply["number"], "officer")
        self.assertEqual(len(got["items"]), 1)
        self.assertEqual(got["items"][0]["line"], 1)
        self.assertEqual(got["declaration"]["invoice"], d["invoice"])
