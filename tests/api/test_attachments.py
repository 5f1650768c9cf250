"""API tests: documents attached to declarations."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness
import base64
import hashlib

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_HEAD = b"\x89PNG\r\n\x1a\n"
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
XML = '<?xml version="1.0" encoding="UTF-8"?>\n<invoice><number>SZ-2026-1101</number></invoice>\n'.encode()
FILE_CAP = 4 * 1024 * 1024


def unique(head):
    """Bytes of a given type that no other test stores (the blobs are shared by their hash)."""
    return head + os.urandom(64)


class T16AttachBase(ApiCase):
    def upload(self, key, data, ctype, kind="invoice", filename="invoice.pdf", token="active", expect=201):
        q = "kind=%s&filename=%s" % (urllib.parse.quote(kind), urllib.parse.quote(filename))
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/attachments?%s" % (key, q), token,
                             raw=data, ctype=ctype)
        self.assertEqual(st, expect, b)
        return b

    def fetch(self, key, aid, token="officer"):
        rq = urllib.request.Request(self.env.base + "/api/v1/declarations/%s/attachments/%s" % (key, aid),
                                    headers={"Authorization": "Bearer " + self.env.tokens[token]})
        try:
            with urllib.request.urlopen(rq, timeout=30) as r:
                return r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers


class T16AttachUpload(T16AttachBase):
    def test_upload_list_fetch_before_and_after_registration(self):
        d = self.create()
        key = d["id"]
        up = self.upload(key, PDF, "application/pdf", "invoice", "Hoá đơn SZ-2026-1101.pdf")
        self.assertRegex(up["id"], r"^[0-9a-f]{32}$")
        self.assertEqual(up["sha256"], hashlib.sha256(PDF).hexdigest())
        self.assertEqual(up["content_type"], "application/pdf")
        self.assertEqual(up["size"], len(PDF))
        self.assertEqual(up["filename"], "Hoá đơn SZ-2026-1101.pdf")
        number = self.register(key)["number"]
        png = unique(PNG_HEAD)
        up2 = self.upload(number, png, "image/png", "packing_list", "packing.png")
        xml = self.upload(number, XML, "text/xml; charset=utf-8", "value_declaration", "hq.xml")
        self.assertEqual(xml["content_type"], "application/xml")
        # the list, oldest first, for the enterprise and for customs
        for token in ("active", "officer", "risk", "admin"):
            st, b, _ = self.call("GET", "/api/v1/declarations/%s/attachments" % number, token)
            self.assertEqual(st, 200, b)
            self.assertEqual([a["id"] for a in b["attachments"]], [up["id"], up2["id"], xml["id"]])
            self.assertEqual(b["total_bytes"], len(PDF) + len(png) + len(XML))
        # the bytes with their type
        st, body, h = self.fetch(number, up2["id"])
        self.assertEqual((st, body, h["Content-Type"]), (200, png, "image/png"))
        st, body, h = self.fetch(number, up["id"], "active")
        self.assertEqual((st, body, h["Content-Type"]), (200, PDF, "application/pdf"))
        st, body, h = self.fetch(number, xml["id"])
        self.assertEqual((st, body, h["Content-Type"]), (200, XML, "application/xml"))
        self.assertIn("sandbox", h["Content-Security-Policy"])  # never a page of the portal's origin
        # the hash is in the hash-chained events
        evs = [e for e in self.events(number) if e["action"] == "attach"]
        self.assertEqual([(e["detail"]["attachment"], e["detail"]["sha256"]) for e in evs],
                         [(a["id"], a["sha256"]) for a in (up, up2, xml)])

    def test_jpeg_and_officer_inspection_photo(self):
        number = self.registered()["number"]
        jpg = unique(JPEG_HEAD)
        up = self.upload(number, jpg, "image/jpeg", "inspection_photo", "container.jpg", token="officer")
        self.assertEqual((up["role"], up["kind"]), ("officer", "inspection_photo"))
        st, body, h = self.fetch(number, up["id"], "active")
        self.assertEqual((st, body, h["Content-Type"]), (200, jpg, "image/jpeg"))
        # each attaches its own kinds
        b = self.upload(number, unique(JPEG_HEAD), "image/jpeg", "invoice", "x.jpg", token="officer", expect=422)
        self.assertIn(("kind_not_yours", "kind"), error_codes(b))
        b = self.upload(number, unique(JPEG_HEAD), "image/jpeg", "scanner_image", "x.jpg", expect=422)
        self.assertIn(("kind_not_yours", "kind"), error_codes(b))

    def test_broker_under_mandate(self):
        d = self.create(token="broker", decl=declaration(importer=ACTIVE))
        up = self.upload(d["id"], PDF, "application/pdf", "contract", "contract.pdf", token="broker")
        st, b, _ = self.call("GET", "/api/v1/declarations/%s/attachments" % d["id"], "active")
        self.assertEqual((st, [a["id"] for a in b["attachments"]]), (200, [up["id"]]))


class T16AttachErrors(T16AttachBase):
    def test_all_errors_at_once(self):
        key = self.create()["id"]
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/attachments" % key, "active", raw=b"",
                             ctype="application/zip")
        self.assert_errors(st, b, [("required", "kind"), ("required", "filename"),
                                   ("unsupported_type", "Content-Type"), ("empty", "body")])
        b = self.upload(key, b"MZ\x90\x00 not a document", "application/pdf", "receipt", "a/b.pdf", expect=422)
        self.assertEqual(sorted(error_codes(b)), sorted([("unknown_kind", "kind"), ("filename", "filename"),
                                                         ("wrong_type", "body")]))
        for e in b["errors"]:
            self.assertTrue(e["message"])

    def test_type_by_content_not_name(self):
        key = self.create()["id"]
        # a PNG named .pdf and declared as a PDF
        b = self.upload(key, unique(PNG_HEAD), "application/pdf", "invoice", "invoice.pdf", expect=422)
        self.assertEqual(error_codes(b), [("type_mismatch", "body")])
        # an executable named .png
        b = self.upload(key, b"\x7fELF\x02\x01\x01" + os.urandom(32), "image/png", "photo", "photo.png",
                        expect=422)
        self.assertEqual(error_codes(b), [("wrong_type", "body")])
        st, b, _ = self.call("GET", "/api/v1/declarations/%s/attachments" % key, "active")
        self.assertEqual(b["attachments"], [])

    def test_oversize_file_and_declaration_quota(self):
        key = self.create()["id"]
        big = PDF + b"\0" * (FILE_CAP - len(PDF) + 1)
        b = self.upload(key, big, "application/pdf", "invoice", "big.pdf", expect=422)
        self.assertEqual(error_codes(b), [("too_large", "body")])
        b = self.upload(key, big, "application/pdf", "nonsense", "", expect=422)
        self.assertEqual(sorted(error_codes(b)), sorted([("too_large", "body"), ("unknown_kind", "kind"),
                                                         ("required", "filename")]))
        # exactly the cap is accepted; four of them fill the declaration's 16 MiB
        full = PDF + os.urandom(FILE_CAP - len(PDF))
        for i in range(4):
            self.upload(key, full[:-1] + bytes([i]), "application/pdf", "invoice", "f%d.pdf" % i)
        b = self.upload(key, unique(b"%PDF-"), "application/pdf", "invoice", "one-more.pdf", expect=422)
        self.assertEqual(error_codes(b), [("declaration_quota", "body")])

    def test_other_enterprise_and_unknown(self):
        number = self.registered()["number"]
        up = self.upload(number, unique(PNG_HEAD), "image/png", "photo", "p.png")
        for path in ("/attachments", "/attachments/" + up["id"]):
            st, b, _ = self.call("GET", "/api/v1/declarations/%s%s" % (number, path), "other")
            self.assertEqual(st, 404, b)
        b = self.upload(number, unique(PNG_HEAD), "image/png", "photo", "p.png", token="other", expect=404)
        b = self.upload(number, unique(PNG_HEAD), "image/png", "photo", "p.png", token="carrier", expect=404)
        b = self.upload(number, unique(PNG_HEAD), "image/png", "photo", "p.png", token="risk", expect=403)
        st, b, _ = self.call("GET", "/api/v1/declarations/%s/attachments/%s" % (number, "0" * 32), "officer")
        self.assertEqual(st, 404, b)
        b = self.upload("109999999999", unique(PNG_HEAD), "image/png", "photo", "p.png", expect=404)

    def test_cancelled_declaration_is_closed(self):
        number = self.registered()["number"]
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/cancellation" % number, "active",
                             {"reason_code": "H07", "reason": "wrong consignee"})
        self.assertEqual((st, b["status"]), (200, "cancelled"), b)
        b = self.upload(number, PDF, "application/pdf", "invoice", "i.pdf", expect=409)
        self.assertEqual(error_codes(b), [("closed", "")])


class T16AttachTamper(T16AttachBase):
    def test_swapped_bytes_are_refused(self):
        number = self.registered()["number"]
        png = unique(PNG_HEAD)
        up = self.upload(number, png, "image/png", "photo", "goods.png")
        forged = unique(PNG_HEAD)
        with self.env.connect_db() as c:
            c.execute("UPDATE attachment_blobs SET data = ? WHERE sha256 = ?",
                      (base64.b64encode(forged).decode(), up["sha256"]))
        try:
            st, body, _ = self.fetch(number, up["id"])
            self.assertEqual(st, 500, body)
            err = json.loads(body)["errors"][0]
            self.assertEqual(err["code"], "integrity")
            self.assertIn(up["id"], err["message"])
            self.assertNotIn(forged, body)
            # and the audit trail's verification names it
            p = run_cli("audit", "verify", "--db", self.env.db, check=False)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("TAMPERED: attachment %s of declaration id" % up["id"], p.stdout)
            self.assertIn("do not hash to its SHA-256", p.stdout)
        finally:
            with self.env.connect_db() as c:
                c.execute("UPDATE attachment_blobs SET data = ? WHERE sha256 = ?",
                          (base64.b64encode(png).decode(), up["sha256"]))
        st, body, _ = self.fetch(number, up["id"])
        self.assertEqual((st, body), (200, png))
        self.assertEqual(self.env.audit_problems(), [])

    def test_swapped_row_hash_is_refused(self):
        """Replacing the bytes and the row's hash together still disagrees with the audit event."""
        number = self.registered()["number"]
        up = self.upload(number, unique(PNG_HEAD), "image/png", "photo", "goods.png")
        forged = unique(PNG_HEAD)
        sha = hashlib.sha256(forged).hexdigest()
        with self.env.connect_db() as c:
            c.execute("INSERT INTO attachment_blobs (sha256, size, data) VALUES (?, ?, ?)",
                      (sha, len(forged), base64.b64encode(forged).decode()))
            c.execute("UPDATE attachments SET sha256 = ?, size = ? WHERE id = ?", (sha, len(forged), up["id"]))
        st, body, _ = self.fetch(number, up["id"])
        self.assertEqual(st, 500, body)
        self.assertEqual(json.loads(body)["errors"][0]["code"], "integrity")
        p = run_cli("audit", "verify", "--db", self.env.db, check=False)
        self.assertIn("TAMPERED: attachment %s of declaration id" % up["id"], p.stdout)
        self.assertIn("no attach event records its SHA-256", p.stdout)
        with self.env.connect_db() as c:
            c.execute("UPDATE attachments SET sha256 = ?, size = ? WHERE id = ?",
                      (up["sha256"], up["size"], up["id"]))
