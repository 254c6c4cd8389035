#ifndef REFINERY_CZLIB_SHIM_H
#define REFINERY_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 (a macro, which Swift cannot call) for gzip or zlib streams, detected from their header.
static inline int czlib_inflate_init_auto(z_stream *stream) { return inflateInit2(stream, 15 + 32); }
#endif
