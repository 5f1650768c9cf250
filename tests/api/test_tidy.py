"""API tests: request bodies are decoded at the edge (http/) and the services receive the decoded
structs. A body that is not a JSON object is still refused with the one "type" error at "" (before
anything else is looked at), whichever decoder the route uses, and a body's errors still come all
at once with the service's own."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness


class T11TidyBodies(ApiCase):
    NOT_OBJECTS = [[], [{"name": "x"}]]  # the top level is an object or an array (else 400)

    def assert_not_object(self, method, path, token, message="the body must be a JSON object"):
        for body in self.NOT_OBJECTS:
            st, b, _ = self.call(method, path, token, body)
            self.assertEqual(st, 422, (path, body, b))
            self.assertEqual(error_codes(b), [("type", "")], (path, body, b))
            self.assertEqual(b["errors"][0]["message"], message, (path, body, b))

    def test_not_an_object_is_one_type_error(self):
        n = self.registered()["number"]
        self.assert_not_object("PUT", "/api/v1/customs-offices/01T9", "admin")
        self.assert_not_object("POST", "/api/v1/risk/rules", "risk", "a rule is a JSON object")
        self.assert_not_object("POST", "/api/v1/declarations/%s/cancellation" % n, "active")
        self.assert_not_object("POST", "/api/v1/declarations/%s/decisions" % n, "officer")
        self.assert_not_object("POST", "/api/v1/declarations/%s/inspection-results" % n,
                               "active")
        self.assert_not_object("POST", "/api/v1/post-clearance/cases", "officer")

    def test_the_role_is_checked_before_the_body(self):
        # a decoded body reaches the service with its errors: the role still answers first
        st, b, _ = self.call("PUT", "/api/v1/customs-offices/01T9", "officer", [])
        self.assertEqual(st, 403, b)
        st, b, _ = self.call("POST", "/api/v1/risk/rules", "active", {"x": 1})
        self.assertEqual(st, 403, b)

    def test_decoder_and_service_errors_together(self):
        # the decoder's (unknown field, empty name) and the service's (the office code) at once
        st, b, _ = self.call("PUT", "/api/v1/customs-offices/ZZ1", "admin", {"name": "", "x": 1})
        self.assertEqual(st, 422, b)
        self.assertEqual(sorted(error_codes(b)),
                         [("office_code", "/code"), ("type", "/name"), ("unknown_field", "/x")])

    def test_inspection_result_lines_checked_against_the_declaration(self):
        # the lines are decoded as given and checked by the service against the declaration
        n = self.registered()["number"]
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/inspection-results" % n, "active",
                             {"reference": "CERT-1", "items": [0, 99, "one"]})
        self.assertEqual(st, 422, b)
        got = error_codes(b)
        for i in range(3):
            self.assertIn(("line", "/items/%d" % i), got)
