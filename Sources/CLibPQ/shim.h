#ifndef CLIBPQ_SHIM_H
#define CLIBPQ_SHIM_H
#include <dlfcn.h>
/* Debian keeps the header in /usr/include/postgresql, other systems on the standard path. */
#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>
#endif
#include <stddef.h>

/*
 * libpq is loaded with dlopen on first use rather than linked: it pulls in about twenty libraries
 * (OpenSSL, Kerberos, LDAP, GnuTLS, ...) whose loading took about 5 ms of every debtctl start, also of
 * `--version`, `help` and the server mode that never connects to PostgreSQL. The wrappers below have
 * libpq's signatures (taken from libpq-fe.h with __typeof__) and the names dl_PQ...; each resolves its
 * symbol once and caches it.
 */
static inline void *clibpq_library(void) {
    static void *handle;
    void *h = __atomic_load_n(&handle, __ATOMIC_ACQUIRE);
    if (!h) {
        h = dlopen("libpq.so.5", RTLD_LAZY | RTLD_LOCAL);
        if (!h) h = dlopen("libpq.so", RTLD_LAZY | RTLD_LOCAL);
        if (h) __atomic_store_n(&handle, h, __ATOMIC_RELEASE);
    }
    return h;
}

/* True when libpq could be loaded. */
static inline int clibpq_available(void) { return clibpq_library() != NULL; }

/* Why it could not be loaded (dlerror's text), or NULL. */
static inline const char *clibpq_load_error(void) { return clibpq_library() ? NULL : dlerror(); }

#define CLIBPQ_RESOLVE(name)                                                            \
    static __typeof__(&name) cached;                                                   \
    __typeof__(&name) f = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);                  \
    if (!f) {                                                                          \
        void *lib = clibpq_library();                                                  \
        f = lib ? (__typeof__(&name))dlsym(lib, #name) : NULL;                         \
        if (f) __atomic_store_n(&cached, f, __ATOMIC_RELEASE);                         \
    }

static inline PGconn *dl_PQconnectdb(const char *conninfo) { CLIBPQ_RESOLVE(PQconnectdb) return f ? f(conninfo) : NULL; }
static inline PGconn *dl_PQconnectdbParams(const char *const *keywords, const char *const *values, int expand) {
    CLIBPQ_RESOLVE(PQconnectdbParams) return f ? f(keywords, values, expand) : NULL;
}
/* PQconnectdbParams with the conninfo (a URL, key=value pairs, or empty for the PG* variables) as an
   expanded dbname and `fallback_application_name`, which a name in the conninfo or PGAPPNAME overrides. */
static inline PGconn *dl_PQconnectdbNamed(const char *conninfo, const char *application) {
    const char *const keywords[] = {"dbname", "fallback_application_name", NULL};
    const char *const values[] = {conninfo, application, NULL};
    return dl_PQconnectdbParams(keywords, values, 1);
}
static inline ConnStatusType dl_PQstatus(const PGconn *c) { CLIBPQ_RESOLVE(PQstatus) return f ? f(c) : CONNECTION_BAD; }
static inline void dl_PQfinish(PGconn *c) { CLIBPQ_RESOLVE(PQfinish) if (f) f(c); }
static inline void dl_PQreset(PGconn *c) { CLIBPQ_RESOLVE(PQreset) if (f) f(c); }
static inline char *dl_PQerrorMessage(const PGconn *c) { CLIBPQ_RESOLVE(PQerrorMessage) return f ? f(c) : NULL; }
static inline int dl_PQsocket(const PGconn *c) { CLIBPQ_RESOLVE(PQsocket) return f ? f(c) : -1; }
static inline int dl_PQserverVersion(const PGconn *c) { CLIBPQ_RESOLVE(PQserverVersion) return f ? f(c) : 0; }
static inline char *dl_PQuser(const PGconn *c) { CLIBPQ_RESOLVE(PQuser) return f ? f(c) : NULL; }
static inline char *dl_PQhost(const PGconn *c) { CLIBPQ_RESOLVE(PQhost) return f ? f(c) : NULL; }
static inline char *dl_PQport(const PGconn *c) { CLIBPQ_RESOLVE(PQport) return f ? f(c) : NULL; }
static inline char *dl_PQdb(const PGconn *c) { CLIBPQ_RESOLVE(PQdb) return f ? f(c) : NULL; }
static inline PQnoticeProcessor dl_PQsetNoticeProcessor(PGconn *c, PQnoticeProcessor p, void *arg) {
    CLIBPQ_RESOLVE(PQsetNoticeProcessor) return f ? f(c, p, arg) : NULL;
}

static inline PGresult *dl_PQexec(PGconn *c, const char *q) { CLIBPQ_RESOLVE(PQexec) return f ? f(c, q) : NULL; }
static inline PGresult *dl_PQexecParams(PGconn *c, const char *q, int n, const Oid *types, const char *const *values,
                                        const int *lengths, const int *formats, int resultFormat) {
    CLIBPQ_RESOLVE(PQexecParams) return f ? f(c, q, n, types, values, lengths, formats, resultFormat) : NULL;
}
static inline int dl_PQsendQueryParams(PGconn *c, const char *q, int n, const Oid *types, const char *const *values,
                                       const int *lengths, const int *formats, int resultFormat) {
    CLIBPQ_RESOLVE(PQsendQueryParams) return f ? f(c, q, n, types, values, lengths, formats, resultFormat) : 0;
}
static inline int dl_PQsetSingleRowMode(PGconn *c) { CLIBPQ_RESOLVE(PQsetSingleRowMode) return f ? f(c) : 0; }
static inline PGresult *dl_PQgetResult(PGconn *c) { CLIBPQ_RESOLVE(PQgetResult) return f ? f(c) : NULL; }
static inline int dl_PQconsumeInput(PGconn *c) { CLIBPQ_RESOLVE(PQconsumeInput) return f ? f(c) : 0; }
static inline PGnotify *dl_PQnotifies(PGconn *c) { CLIBPQ_RESOLVE(PQnotifies) return f ? f(c) : NULL; }
static inline void dl_PQfreemem(void *p) { CLIBPQ_RESOLVE(PQfreemem) if (f) f(p); }
static inline int dl_PQputCopyData(PGconn *c, const char *buffer, int n) { CLIBPQ_RESOLVE(PQputCopyData) return f ? f(c, buffer, n) : -1; }
static inline int dl_PQputCopyEnd(PGconn *c, const char *error) { CLIBPQ_RESOLVE(PQputCopyEnd) return f ? f(c, error) : -1; }

static inline ExecStatusType dl_PQresultStatus(const PGresult *r) { CLIBPQ_RESOLVE(PQresultStatus) return f ? f(r) : PGRES_FATAL_ERROR; }
static inline char *dl_PQresultErrorMessage(const PGresult *r) { CLIBPQ_RESOLVE(PQresultErrorMessage) return f ? f(r) : NULL; }
static inline char *dl_PQresultErrorField(const PGresult *r, int code) { CLIBPQ_RESOLVE(PQresultErrorField) return f ? f(r, code) : NULL; }
static inline int dl_PQntuples(const PGresult *r) { CLIBPQ_RESOLVE(PQntuples) return f ? f(r) : 0; }
static inline int dl_PQnfields(const PGresult *r) { CLIBPQ_RESOLVE(PQnfields) return f ? f(r) : 0; }
static inline char *dl_PQgetvalue(const PGresult *r, int row, int column) { CLIBPQ_RESOLVE(PQgetvalue) return f ? f(r, row, column) : NULL; }
static inline int dl_PQgetisnull(const PGresult *r, int row, int column) { CLIBPQ_RESOLVE(PQgetisnull) return f ? f(r, row, column) : 1; }
static inline int dl_PQgetlength(const PGresult *r, int row, int column) { CLIBPQ_RESOLVE(PQgetlength) return f ? f(r, row, column) : 0; }
static inline Oid dl_PQftype(const PGresult *r, int column) { CLIBPQ_RESOLVE(PQftype) return f ? f(r, column) : 0; }
static inline char *dl_PQcmdTuples(PGresult *r) { CLIBPQ_RESOLVE(PQcmdTuples) return f ? f(r) : NULL; }
static inline void dl_PQclear(PGresult *r) { CLIBPQ_RESOLVE(PQclear) if (f) f(r); }

static inline PGcancel *dl_PQgetCancel(PGconn *c) { CLIBPQ_RESOLVE(PQgetCancel) return f ? f(c) : NULL; }
static inline void dl_PQfreeCancel(PGcancel *c) { CLIBPQ_RESOLVE(PQfreeCancel) if (f) f(c); }
static inline int dl_PQcancel(PGcancel *c, char *buffer, int size) { CLIBPQ_RESOLVE(PQcancel) return f ? f(c, buffer, size) : 0; }

#undef CLIBPQ_RESOLVE
#endif
