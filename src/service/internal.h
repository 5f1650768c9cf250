/* Helpers shared by the service modules (not part of the service API): the kernel. */
#ifndef ECUSTOMS_SERVICE_INTERNAL_H
#define ECUSTOMS_SERVICE_INTERNAL_H

#include "service/kernel.h"

#endif
