"""API tests: a declarant deletes or replaces an attachment before clearance:
DELETE and PUT /api/v1/declarations/{n}/attachments/{id}, audited in the hash-chained trail with the
person, refused from clearance on (409 attachment_locked), and the bad inputs."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness
import hashlib

from test_attachments import JPEG_HEAD, PDF, PNG_HEAD, T16AttachBase, unique
from test_office import add_user


def path(key, aid):
    return "/api/v1/declarations/%s/attachments/%s" % (key, aid)


class T16AttachChange(T16AttachBase):
    def replace(self, key, aid, data, ctype, filename="new.png", kind=None, token="active", expect=200):
        q = "filename=%s" % urllib.parse.quote(filename) if filename is not None else ""
        if kind is not None:
            q += "&kind=%s" % urllib.parse.quote(kind)
        st, b, _ = self.call("PUT", path(key, aid) + "?" + q, token, raw=data, ctype=ctype)
        self.assertEqual(st, expect, b)
        return b

    def listed(self, key):
        st, b, _ = self.call("GET", "/api/v1/declarations/%s/attachments" % key, "active")
        self.assertEqual(st, 200, b)
        return b

    def test_delete_and_replace_by_a_person_are_audited(self):
        username = "decl.attach.%d" % os.getpid()
        add_user(self.env, username, ACTIVE, "declarant", name="Trần Thị Mai")
        tok = run_cli("token", "create", "--db", self.env.db, "--user", username).stdout.strip()
        d = self.create()
        a1 = self.upload(d["id"], unique(PNG_HEAD), "image/png", "photo", "goods.png")
        number = self.register(d["id"])["number"]
        a2 = self.upload(number, PDF, "application/pdf", "invoice", "invoice.pdf")
        a3 = self.upload(number, unique(JPEG_HEAD), "image/jpeg", "packing_list", "packing.jpg")
        # replace the invoice: same id and place, the new bytes served, the previous hash audited
        new = unique(PNG_HEAD)
        r = self.replace(number, a2["id"], new, "image/png", "Hoá đơn sửa.png", token=tok)
        self.assertEqual((r["id"], r["kind"], r["filename"], r["content_type"], r["size"], r["sha256"]),
                         (a2["id"], "invoice", "Hoá đơn sửa.png", "image/png", len(new),
                          hashlib.sha256(new).hexdigest()))
        st, body, h = self.fetch(number, a2["id"])
        self.assertEqual((st, body, h["Content-Type"]), (200, new, "image/png"))
        # and a kind may change with it
        r = self.replace(number, a3["id"], PDF, "application/pdf", "contract.pdf", kind="contract")
        self.assertEqual((r["kind"], r["sha256"]), ("contract", a2["sha256"]))
        # delete the first: gone from the list and not served
        st, b, _ = self.call("DELETE", path(number, a1["id"]), tok)
        self.assertEqual((st, b["deleted"], b["id"], b["sha256"]), (200, True, a1["id"], a1["sha256"]), b)
        st, _, _ = self.fetch(number, a1["id"])
        self.assertEqual(st, 404)
        lst = self.listed(number)
        self.assertEqual([a["id"] for a in lst["attachments"]], [a2["id"], a3["id"]])
        self.assertEqual(lst["total_bytes"], len(new) + len(PDF))
        # a new file after a deletion takes the next place (not the count's, which is taken)
        a4 = self.upload(number, unique(PNG_HEAD), "image/png", "photo", "again.png")
        self.assertEqual([a["id"] for a in self.listed(number)["attachments"]], [a2["id"], a3["id"], a4["id"]])
        # the hash-chained trail: who, what, and both hashes
        evs = {e["action"]: e for e in self.events(number, "officer")
               if e["action"] in ("attachment_replaced", "attachment_deleted")}
        rep = [e for e in self.events(number) if e["action"] == "attachment_replaced"]
        self.assertEqual([(e["detail"]["attachment"], e["detail"]["previous_sha256"], e["detail"]["sha256"])
                          for e in rep],
                         [(a2["id"], a2["sha256"], hashlib.sha256(new).hexdigest()),
                          (a3["id"], a3["sha256"], a2["sha256"])])
        self.assertEqual((rep[0]["user"], rep[0]["user_name"]), (username, "Trần Thị Mai"))
        dl = evs["attachment_deleted"]
        self.assertEqual((dl["detail"]["attachment"], dl["detail"]["previous_sha256"], dl["user"],
                          dl["user_name"], dl["role"]), (a1["id"], a1["sha256"], username, "Trần Thị Mai",
                                                         "declarant"))
        self.assertEqual(self.env.audit_problems(), [])

    def test_locked_after_clearance(self):
        number = self.registered()["number"]
        a = self.upload(number, unique(PNG_HEAD), "image/png", "photo", "p.png")
        self.assertEqual(self.decide(number, "clear")["status"], "cleared")
        b = self.replace(number, a["id"], unique(PNG_HEAD), "image/png", expect=409)
        self.assertEqual(error_codes(b), [("attachment_locked", "")])
        st, b, _ = self.call("DELETE", path(number, a["id"]), "active")
        self.assertEqual((st, error_codes(b)), (409, [("attachment_locked", "")]), b)
        st, body, _ = self.fetch(number, a["id"])
        self.assertEqual((st, hashlib.sha256(body).hexdigest()), (200, a["sha256"]))
        # adding a document stays possible (a post-clearance request may need one)
        self.upload(number, unique(PNG_HEAD), "image/png", "photo", "later.png")

    def test_cancelled_is_closed(self):
        number = self.registered()["number"]
        a = self.upload(number, unique(PNG_HEAD), "image/png", "photo", "p.png")
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/cancellation" % number, "active",
                             {"reason_code": "H07", "reason": "wrong consignee"})
        self.assertEqual(st, 200, b)
        st, b, _ = self.call("DELETE", path(number, a["id"]), "active")
        self.assertEqual((st, error_codes(b)), (409, [("closed", "")]), b)

    def test_bad_inputs(self):
        number = self.registered()["number"]
        a = self.upload(number, unique(PNG_HEAD), "image/png", "photo", "p.png")
        # every error of a replacement at once
        b = self.replace(number, a["id"], b"", "application/zip", filename="a/b", kind="passport", expect=422)
        self.assertEqual(sorted(error_codes(b)), sorted([("unknown_kind", "kind"), ("filename", "filename"),
                                                         ("unsupported_type", "Content-Type"),
                                                         ("empty", "body")]))
        b = self.replace(number, a["id"], unique(PNG_HEAD), "image/png", filename=None, expect=422)
        self.assertEqual(error_codes(b), [("required", "filename")])
        b = self.replace(number, a["id"], b"just text", "application/pdf", expect=422)
        self.assertEqual(error_codes(b), [("wrong_type", "body")])
        b = self.replace(number, a["id"], PDF, "image/png", expect=422)
        self.assertEqual(error_codes(b), [("type_mismatch", "body")])
        b = self.replace(number, a["id"], PDF, "application/pdf", kind="inspection_photo", expect=422)
        self.assertEqual(error_codes(b), [("kind_not_yours", "kind")])
        b = self.replace(number, a["id"], b"\x89PNG\r\n\x1a\n" + b"x" * (4 * 1024 * 1024), "image/png",
                         expect=422)
        self.assertEqual(error_codes(b), [("too_large", "body")])
        # unknown attachment, unknown declaration, another enterprise's
        for method, data in (("DELETE", None), ("PUT", unique(PNG_HEAD))):
            kw = {"raw": data, "ctype": "image/png"} if data else {}
            q = "?filename=x.png" if data else ""
            st, b, _ = self.call(method, path(number, "0" * 32) + q, "active", **kw)
            self.assertEqual((st, error_codes(b)), (404, [("not_found", "")]), b)
            st, b, _ = self.call(method, path("109999999999", a["id"]) + q, "active", **kw)
            self.assertEqual(st, 404, b)
            st, b, _ = self.call(method, path(number, a["id"]) + q, "other", **kw)
            self.assertEqual(st, 404, b)
            # customs roles do not change a declarant's dossier
            for tok in ("officer", "risk"):
                st, b, _ = self.call(method, path(number, a["id"]) + q, tok, **kw)
                self.assertEqual(st, 403, b)
        # an officer's inspection photo is not the declarant's
        ph = self.upload(number, unique(JPEG_HEAD), "image/jpeg", "inspection_photo", "c.jpg", token="officer")
        st, b, _ = self.call("DELETE", path(number, ph["id"]), "active")
        self.assertEqual((st, error_codes(b)), (403, [("kind_not_yours", "")]), b)
        # nothing changed
        self.assertEqual([x["sha256"] for x in self.listed(number)["attachments"]], [a["sha256"], ph["sha256"]])
