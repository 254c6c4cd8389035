#ifndef CCURL_H
#define CCURL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Outcome of `ccurl_post`.
typedef enum {
    CCURL_OK = 0,           ///< a response arrived (any HTTP status)
    CCURL_UNAVAILABLE = 1,  ///< libcurl could not be loaded (message in `error`)
    CCURL_TRANSPORT = 2,    ///< connection, TLS or timeout failure (libcurl's message in `error`)
    CCURL_CANCELLED = 3,    ///< `ccurl_cancel` was called while the request ran
    CCURL_TOO_LARGE = 4,    ///< the response body exceeded `max_body_bytes`
} ccurl_result;

/// A response: HTTP status and body (malloc'd, NUL-terminated; release with `ccurl_response_free`).
typedef struct {
    long status;
    char *body;
    size_t length;
    int curl_code;      ///< libcurl's CURLcode for CCURL_TRANSPORT, else 0
    char error[320];
} ccurl_response;

/// A flag one thread sets to abort a request another thread is running.
typedef struct ccurl_cancel ccurl_cancel;

ccurl_cancel *ccurl_cancel_create(void);
void ccurl_cancel_set(ccurl_cancel *flag);
void ccurl_cancel_destroy(ccurl_cancel *flag);

/// Whether libcurl can be loaded; fills `error` (of `capacity` bytes) when not.
int ccurl_available(char *error, size_t capacity);

/// POSTs `body` to `url` with the given header lines ("Name: value") and waits for the whole response; blocks the
/// calling thread. `timeout_ms` bounds the whole exchange; `cancel` may be NULL.
ccurl_result ccurl_post(const char *url, const char *const *headers, size_t header_count, const void *body,
                        size_t body_length, long timeout_ms, size_t max_body_bytes, ccurl_cancel *cancel,
                        ccurl_response *response);

void ccurl_response_free(ccurl_response *response);

#ifdef __cplusplus
}
#endif

#endif
