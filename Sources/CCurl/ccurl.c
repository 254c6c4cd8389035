// HTTP POST through libcurl, loaded with dlopen on first use. Linking libcurl (or FoundationNetworking, which links
// it) maps it and its ~30 TLS, Kerberos and LDAP libraries into every process at start-up, ~6 MiB of resident
// pages and a few milliseconds, although only the remote backend uses them. The few entry points and option
// numbers used here are part of libcurl's stable ABI (soname libcurl.so.4), so no development headers are needed.

#include "ccurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Option numbers: CURLOPTTYPE_LONG 0, OBJECTPOINT 10000, FUNCTIONPOINT 20000, OFF_T 30000 plus the option's index.
enum {
    OPT_WRITEDATA = 10001,
    OPT_URL = 10002,
    OPT_ERRORBUFFER = 10010,
    OPT_WRITEFUNCTION = 20011,
    OPT_POSTFIELDS = 10015,
    OPT_USERAGENT = 10018,
    OPT_HTTPHEADER = 10023,
    OPT_NOPROGRESS = 43,
    OPT_XFERINFODATA = 10057,
    OPT_NOSIGNAL = 99,
    OPT_TIMEOUT_MS = 155,
    OPT_POSTFIELDSIZE_LARGE = 30120,
    OPT_XFERINFOFUNCTION = 20219,
    INFO_RESPONSE_CODE = 0x200000 + 2,
    GLOBAL_ALL = 3,
    CODE_WRITE_ERROR = 23,
    CODE_ABORTED_BY_CALLBACK = 42,
    ERROR_BUFFER_SIZE = 256,
};

struct curl_slist;

static struct {
    void *handle;
    char error[256];
    int (*global_init)(long flags);
    void *(*easy_init)(void);
    void (*easy_reset)(void *easy);
    int (*easy_setopt)(void *easy, int option, ...);
    int (*easy_perform)(void *easy);
    int (*easy_getinfo)(void *easy, int info, ...);
    void (*easy_cleanup)(void *easy);
    const char *(*easy_strerror)(int code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *line);
    void (*slist_free_all)(struct curl_slist *list);
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void) {
    static const char *const names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl-nss.so.4", "libcurl.so"};
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !curl.handle; i++) {
        curl.handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    }
    if (!curl.handle) {
        snprintf(curl.error, sizeof curl.error,
                 "libcurl is not installed (looked for libcurl.so.4; Debian: apt-get install libcurl4)");
        return;
    }
#define SYMBOL(field, name)                                                                                      \
    do {                                                                                                         \
        *(void **)(&curl.field) = dlsym(curl.handle, name);                                                      \
        if (!curl.field) {                                                                                       \
            snprintf(curl.error, sizeof curl.error, "libcurl lacks %s", name);                                   \
            dlclose(curl.handle);                                                                                \
            curl.handle = NULL;                                                                                  \
            return;                                                                                              \
        }                                                                                                        \
    } while (0)
    SYMBOL(global_init, "curl_global_init");
    SYMBOL(easy_init, "curl_easy_init");
    SYMBOL(easy_reset, "curl_easy_reset");
    SYMBOL(easy_setopt, "curl_easy_setopt");
    SYMBOL(easy_perform, "curl_easy_perform");
    SYMBOL(easy_getinfo, "curl_easy_getinfo");
    SYMBOL(easy_cleanup, "curl_easy_cleanup");
    SYMBOL(easy_strerror, "curl_easy_strerror");
    SYMBOL(slist_append, "curl_slist_append");
    SYMBOL(slist_free_all, "curl_slist_free_all");
#undef SYMBOL
    int code = curl.global_init(GLOBAL_ALL);  // not thread-safe: once, here
    if (code != 0) {
        snprintf(curl.error, sizeof curl.error, "curl_global_init failed: %s", curl.easy_strerror(code));
        curl.handle = NULL;
    }
}

int ccurl_available(char *error, size_t capacity) {
    pthread_once(&load_once, load);
    if (!curl.handle && error && capacity > 0) snprintf(error, capacity, "%s", curl.error);
    return curl.handle != NULL;
}

// Finished handles kept for the next request: a handle keeps its connections open (HTTP keep-alive, TLS sessions)
// across curl_easy_reset, so consecutive requests to one endpoint skip the TCP and TLS handshakes.
enum { IDLE_HANDLES = 64 };
static void *idle[IDLE_HANDLES];
static int idle_count;
static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;

static void *take_handle(void) {
    void *easy = NULL;
    pthread_mutex_lock(&idle_lock);
    if (idle_count > 0) easy = idle[--idle_count];
    pthread_mutex_unlock(&idle_lock);
    return easy ? easy : curl.easy_init();
}

static void return_handle(void *easy) {
    curl.easy_reset(easy);  // drops the options that point into the finished call's stack frame
    pthread_mutex_lock(&idle_lock);
    if (idle_count < IDLE_HANDLES) {
        idle[idle_count++] = easy;
        easy = NULL;
    }
    pthread_mutex_unlock(&idle_lock);
    if (easy) curl.easy_cleanup(easy);
}

struct ccurl_cancel {
    atomic_int set;
};

ccurl_cancel *ccurl_cancel_create(void) {
    ccurl_cancel *flag = malloc(sizeof *flag);
    if (flag) atomic_init(&flag->set, 0);
    return flag;
}

void ccurl_cancel_set(ccurl_cancel *flag) {
    if (flag) atomic_store(&flag->set, 1);
}

void ccurl_cancel_destroy(ccurl_cancel *flag) { free(flag); }

typedef struct {
    char *data;
    size_t length, capacity, limit;
    int too_large, out_of_memory;
    ccurl_cancel *cancel;
} sink;

static size_t write_body(char *bytes, size_t size, size_t count, void *context) {
    sink *s = context;
    size_t n = size * count;
    if (s->length + n > s->limit) {
        s->too_large = 1;
        return 0;  // libcurl stops with CURLE_WRITE_ERROR
    }
    if (s->length + n + 1 > s->capacity) {
        size_t capacity = s->capacity ? s->capacity : 16384;
        while (capacity < s->length + n + 1) capacity *= 2;
        char *grown = realloc(s->data, capacity);
        if (!grown) {
            s->out_of_memory = 1;
            return 0;
        }
        s->data = grown;
        s->capacity = capacity;
    }
    memcpy(s->data + s->length, bytes, n);
    s->length += n;
    s->data[s->length] = 0;
    return n;
}

static int progress(void *context, int64_t download_total, int64_t downloaded, int64_t upload_total,
                    int64_t uploaded) {
    (void)download_total, (void)downloaded, (void)upload_total, (void)uploaded;
    sink *s = context;
    return s->cancel && atomic_load(&s->cancel->set);  // nonzero aborts the transfer
}

ccurl_result ccurl_post(const char *url, const char *const *headers, size_t header_count, const void *body,
                        size_t body_length, long timeout_ms, size_t max_body_bytes, ccurl_cancel *cancel,
                        ccurl_response *response) {
    memset(response, 0, sizeof *response);
    if (!ccurl_available(response->error, sizeof response->error)) return CCURL_UNAVAILABLE;
    if (cancel && atomic_load(&cancel->set)) return CCURL_CANCELLED;
    void *easy = take_handle();
    if (!easy) {
        snprintf(response->error, sizeof response->error, "curl_easy_init failed");
        return CCURL_TRANSPORT;
    }
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) list = curl.slist_append(list, headers[i]);
    // libcurl would otherwise send "Expect: 100-continue" for large bodies and wait a second for servers that
    // never answer it.
    list = curl.slist_append(list, "Expect:");
    sink s = {.limit = max_body_bytes, .cancel = cancel};
    char message[ERROR_BUFFER_SIZE] = {0};
    curl.easy_setopt(easy, OPT_URL, url);
    curl.easy_setopt(easy, OPT_HTTPHEADER, list);
    curl.easy_setopt(easy, OPT_POSTFIELDSIZE_LARGE, (int64_t)body_length);
    curl.easy_setopt(easy, OPT_POSTFIELDS, body);
    curl.easy_setopt(easy, OPT_USERAGENT, "refinery");
    curl.easy_setopt(easy, OPT_WRITEFUNCTION, write_body);
    curl.easy_setopt(easy, OPT_WRITEDATA, &s);
    curl.easy_setopt(easy, OPT_NOPROGRESS, 0L);
    curl.easy_setopt(easy, OPT_XFERINFOFUNCTION, progress);
    curl.easy_setopt(easy, OPT_XFERINFODATA, &s);
    curl.easy_setopt(easy, OPT_NOSIGNAL, 1L);  // threads: no SIGALRM-based DNS timeouts
    curl.easy_setopt(easy, OPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 0L);
    curl.easy_setopt(easy, OPT_ERRORBUFFER, message);
    int code = curl.easy_perform(easy);
    long status = 0;
    curl.easy_getinfo(easy, INFO_RESPONSE_CODE, &status);
    if (code == 0) {
        return_handle(easy);
    } else {
        curl.easy_cleanup(easy);  // a failed transfer's connection is not worth keeping
    }
    curl.slist_free_all(list);

    ccurl_result result = CCURL_OK;
    if (code == CODE_ABORTED_BY_CALLBACK && cancel && atomic_load(&cancel->set)) {
        result = CCURL_CANCELLED;
        snprintf(response->error, sizeof response->error, "cancelled");
    } else if (code == CODE_WRITE_ERROR && s.too_large) {
        result = CCURL_TOO_LARGE;
        snprintf(response->error, sizeof response->error, "the response exceeded %zu bytes", max_body_bytes);
    } else if (code == CODE_WRITE_ERROR && s.out_of_memory) {
        result = CCURL_TRANSPORT;
        snprintf(response->error, sizeof response->error, "out of memory reading the response");
    } else if (code != 0) {
        result = CCURL_TRANSPORT;
        response->curl_code = code;
        snprintf(response->error, sizeof response->error, "%s", message[0] ? message : curl.easy_strerror(code));
    }
    if (result != CCURL_OK) {
        free(s.data);
        return result;
    }
    response->status = status;
    response->body = s.data;
    response->length = s.length;
    return CCURL_OK;
}

void ccurl_response_free(ccurl_response *response) {
    free(response->body);
    response->body = NULL;
    response->length = 0;
}
