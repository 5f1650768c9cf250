/* The supervision scan decoder (json_scan.h). */
#include "codec/json_scan.h"

#include <string.h>

int json_scan_decode(json_t *body, const char **payload, errs *e)
{
    const char *scanned = json_string_value(json_object_get(body, "payload"));
    *payload = NULL;
    if (!json_is_object(body) || json_object_size(body) != 1 || !scanned || !*scanned ||
        strlen(scanned) > 8000)
        return errs_add(e, "payload", "", "the body is {\"payload\": \"<scanned text>\"}");
    *payload = scanned;
    return 0;
}
