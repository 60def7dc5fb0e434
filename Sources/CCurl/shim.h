#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H
#include <curl/curl.h>
#include <dlfcn.h>
#include <stddef.h>

/*
 * libcurl is loaded with dlopen on first use rather than linked: only server mode needs it, and its
 * dependency chain (nghttp2, ssh2, rtmp, brotli, ...) would otherwise be loaded by every debtctl start.
 * Each wrapper is typed, which also covers the variadic curl_easy_setopt/getinfo Swift cannot call.
 */
static inline void *ccurl_library(void) {
    static void *handle;
    if (!handle) handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!handle) handle = dlopen("libcurl.so", RTLD_NOW | RTLD_LOCAL);
    return handle;
}

static inline void *ccurl_symbol(const char *name) {
    void *lib = ccurl_library();
    return lib ? dlsym(lib, name) : NULL;
}

/* True when libcurl could be loaded. */
static inline int ccurl_available(void) { return ccurl_library() != NULL; }

static inline CURL *ccurl_easy_init(void) {
    CURL *(*f)(void) = (CURL * (*)(void)) ccurl_symbol("curl_easy_init");
    return f ? f() : NULL;
}
static inline void ccurl_easy_cleanup(CURL *h) {
    void (*f)(CURL *) = (void (*)(CURL *))ccurl_symbol("curl_easy_cleanup");
    if (f) f(h);
}
static inline void ccurl_easy_reset(CURL *h) {
    void (*f)(CURL *) = (void (*)(CURL *))ccurl_symbol("curl_easy_reset");
    if (f) f(h);
}
static inline CURLcode ccurl_easy_perform(CURL *h) {
    CURLcode (*f)(CURL *) = (CURLcode(*)(CURL *))ccurl_symbol("curl_easy_perform");
    return f ? f(h) : CURLE_FAILED_INIT;
}
static inline const char *ccurl_easy_strerror(CURLcode c) {
    const char *(*f)(CURLcode) = (const char *(*)(CURLcode))ccurl_symbol("curl_easy_strerror");
    return f ? f(c) : "libcurl is not available";
}
static inline struct curl_slist *ccurl_slist_append(struct curl_slist *l, const char *s) {
    struct curl_slist *(*f)(struct curl_slist *, const char *) =
        (struct curl_slist * (*)(struct curl_slist *, const char *)) ccurl_symbol("curl_slist_append");
    return f ? f(l, s) : l;
}
static inline void ccurl_slist_free_all(struct curl_slist *l) {
    void (*f)(struct curl_slist *) = (void (*)(struct curl_slist *))ccurl_symbol("curl_slist_free_all");
    if (f) f(l);
}

typedef CURLcode (*ccurl_setopt_fn)(CURL *, CURLoption, ...);
typedef CURLcode (*ccurl_getinfo_fn)(CURL *, CURLINFO, ...);

static inline CURLcode ccurl_setopt_long(CURL *h, CURLoption o, long v) {
    ccurl_setopt_fn f = (ccurl_setopt_fn)ccurl_symbol("curl_easy_setopt");
    return f ? f(h, o, v) : CURLE_FAILED_INIT;
}
static inline CURLcode ccurl_setopt_string(CURL *h, CURLoption o, const char *v) {
    ccurl_setopt_fn f = (ccurl_setopt_fn)ccurl_symbol("curl_easy_setopt");
    return f ? f(h, o, v) : CURLE_FAILED_INIT;
}
static inline CURLcode ccurl_setopt_pointer(CURL *h, CURLoption o, void *v) {
    ccurl_setopt_fn f = (ccurl_setopt_fn)ccurl_symbol("curl_easy_setopt");
    return f ? f(h, o, v) : CURLE_FAILED_INIT;
}
static inline CURLcode ccurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) {
    ccurl_setopt_fn f = (ccurl_setopt_fn)ccurl_symbol("curl_easy_setopt");
    return f ? f(h, o, v) : CURLE_FAILED_INIT;
}
static inline CURLcode ccurl_setopt_write(CURL *h, size_t (*cb)(char *, size_t, size_t, void *)) {
    ccurl_setopt_fn f = (ccurl_setopt_fn)ccurl_symbol("curl_easy_setopt");
    return f ? f(h, CURLOPT_WRITEFUNCTION, cb) : CURLE_FAILED_INIT;
}
static inline CURLcode ccurl_setopt_progress(CURL *h, int (*cb)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t)) {
    ccurl_setopt_fn f = (ccurl_setopt_fn)ccurl_symbol("curl_easy_setopt");
    return f ? f(h, CURLOPT_XFERINFOFUNCTION, cb) : CURLE_FAILED_INIT;
}
static inline CURLcode ccurl_getinfo_long(CURL *h, CURLINFO i, long *v) {
    ccurl_getinfo_fn f = (ccurl_getinfo_fn)ccurl_symbol("curl_easy_getinfo");
    return f ? f(h, i, v) : CURLE_FAILED_INIT;
}
#endif
