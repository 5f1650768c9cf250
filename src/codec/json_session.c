/* The sign-in decoders (json_session.h). */
#include "codec/json_session.h"

#include <string.h>

void json_login_decode(json_t *body, login_in *l, errs *e)
{
    const char *k;
    json_t *v;
    if (!json_is_object(body))
        errs_add(e, "type", "", "send a JSON object {\"username\",\"password\"}");
    json_object_foreach(body, k,
                        v) if (strcmp(k, "username") && strcmp(k, "password") && strcmp(k, "role"))
        errs_add(e, "unknown_field", "/", "unknown field '%s'", k);
    l->username = json_string_value(json_object_get(body, "username"));
    l->password = json_string_value(json_object_get(body, "password"));
    l->role = json_string_value(json_object_get(body, "role"));
    const char *un = l->username, *pw = l->password;
    if (json_is_object(body) && (!un || !*un || strlen(un) > 63))
        errs_add(e, "username", "/username", "the username is required (a string)");
    if (json_is_object(body) && (!pw || !*pw || strlen(pw) > 200))
        errs_add(e, "password", "/password",
                 "the password is required (a string of at most 200 characters)");
    if (json_object_get(body, "role") && !l->role)
        errs_add(e, "role", "/role", "role is a string");
}

int json_session_role_decode(json_t *body, const char **role, errs *e)
{
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) if (strcmp(k, "role")) return errs_add(
        e, "unknown_field", "", "only \"role\" can be changed");
    *role = json_string_value(json_object_get(body, "role"));
    if (!*role)
        return errs_add(e, "role", "", "role is required (a string)");
    return 0;
}
