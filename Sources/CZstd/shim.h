#ifndef REFINERY_CZSTD_SHIM_H
#define REFINERY_CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>
#endif
