#ifndef CEDITLINE_SHIM_H
#define CEDITLINE_SHIM_H
#include <dlfcn.h>
#include <stdio.h>
#include <histedit.h>

/*
 * libedit's native interface for debtctl's shell, loaded with dlopen when the shell starts: one-shot
 * commands never load it (nor its terminfo dependencies), which keeps debtctl's start-up short.
 * Swift 6 refuses C globals (stdin, stdout, stderr) and cannot call variadic functions (el_set,
 * el_get, history): each use has a typed wrapper here.
 */
static inline void *cedit_library(void) {
    static void *handle;
    if (!handle) handle = dlopen("libedit.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!handle) handle = dlopen("libedit.so", RTLD_NOW | RTLD_LOCAL);
    return handle;
}
static inline void *cedit_symbol(const char *name) {
    void *lib = cedit_library();
    return lib ? dlsym(lib, name) : NULL;
}
/* True when libedit could be loaded and has every function used below. */
static inline int cedit_available(void) {
    static const char *names[] = {"el_init", "el_end", "el_gets", "el_set", "el_get", "el_line", "el_insertstr",
                                  "el_source", "history_init", "history_end", "history", NULL};
    for (const char **n = names; *n; n++)
        if (!cedit_symbol(*n)) return 0;
    return 1;
}

typedef char *(*cedit_prompt_fn)(EditLine *);
typedef unsigned char (*cedit_key_fn)(EditLine *, int);
typedef int (*cedit_el_set_fn)(EditLine *, int, ...);
typedef int (*cedit_el_get_fn)(EditLine *, int, ...);
typedef int (*cedit_history_fn)(History *, HistEvent *, int, ...);

static inline EditLine *cedit_init(const char *program) {
    EditLine *(*f)(const char *, FILE *, FILE *, FILE *) =
        (EditLine * (*)(const char *, FILE *, FILE *, FILE *)) cedit_symbol("el_init");
    return f ? f(program, stdin, stdout, stderr) : NULL;
}
static inline void cedit_end(EditLine *e) {
    void (*f)(EditLine *) = (void (*)(EditLine *))cedit_symbol("el_end");
    if (f) f(e);
}
static inline const char *cedit_gets(EditLine *e, int *count) {
    const char *(*f)(EditLine *, int *) = (const char *(*)(EditLine *, int *))cedit_symbol("el_gets");
    return f ? f(e, count) : NULL;
}
static inline const LineInfo *cedit_line(EditLine *e) {
    const LineInfo *(*f)(EditLine *) = (const LineInfo *(*)(EditLine *))cedit_symbol("el_line");
    return f ? f(e) : NULL;
}
static inline int cedit_insert(EditLine *e, const char *text) {
    int (*f)(EditLine *, const char *) = (int (*)(EditLine *, const char *))cedit_symbol("el_insertstr");
    return f ? f(e, text) : -1;
}
/* Reads ~/.editrc (or $EDITRC), as other libedit programs do. */
static inline int cedit_source(EditLine *e) {
    int (*f)(EditLine *, const char *) = (int (*)(EditLine *, const char *))cedit_symbol("el_source");
    return f ? f(e, NULL) : -1;
}

static inline int cedit_set_prompt(EditLine *e, cedit_prompt_fn fn) {
    cedit_el_set_fn f = (cedit_el_set_fn)cedit_symbol("el_set");
    return f ? f(e, EL_PROMPT, fn) : -1;
}
static inline int cedit_set_string(EditLine *e, int op, const char *value) {
    cedit_el_set_fn f = (cedit_el_set_fn)cedit_symbol("el_set");
    return f ? f(e, op, value) : -1;
}
static inline int cedit_set_int(EditLine *e, int op, int value) {
    cedit_el_set_fn f = (cedit_el_set_fn)cedit_symbol("el_set");
    return f ? f(e, op, value) : -1;
}
static inline int cedit_set_client_data(EditLine *e, void *data) {
    cedit_el_set_fn f = (cedit_el_set_fn)cedit_symbol("el_set");
    return f ? f(e, EL_CLIENTDATA, data) : -1;
}
static inline void *cedit_client_data(EditLine *e) {
    void *data = NULL;
    cedit_el_get_fn f = (cedit_el_get_fn)cedit_symbol("el_get");
    if (f) f(e, EL_CLIENTDATA, &data);
    return data;
}
static inline int cedit_add_function(EditLine *e, const char *name, const char *help, cedit_key_fn fn) {
    cedit_el_set_fn f = (cedit_el_set_fn)cedit_symbol("el_set");
    return f ? f(e, EL_ADDFN, name, help, fn) : -1;
}
static inline int cedit_bind(EditLine *e, const char *key, const char *function) {
    cedit_el_set_fn f = (cedit_el_set_fn)cedit_symbol("el_set");
    return f ? f(e, EL_BIND, key, function, NULL) : -1;
}
/* Terminal modes while editing, e.g. ("-d", "-isig"): Ctrl-C becomes a key the shell binds. */
static inline int cedit_setty(EditLine *e, const char *mode, const char *flag) {
    cedit_el_set_fn f = (cedit_el_set_fn)cedit_symbol("el_set");
    return f ? f(e, EL_SETTY, mode, flag, NULL) : -1;
}

static inline History *cedit_history_init(int size) {
    History *(*init)(void) = (History * (*)(void)) cedit_symbol("history_init");
    cedit_history_fn h = (cedit_history_fn)cedit_symbol("history");
    History *history = init ? init() : NULL;
    HistEvent ev;
    if (history && h) {
        h(history, &ev, H_SETSIZE, size);
        h(history, &ev, H_SETUNIQUE, 1);
    }
    return history;
}
static inline void cedit_history_end(History *history) {
    void (*f)(History *) = (void (*)(History *))cedit_symbol("history_end");
    if (f) f(history);
}
static inline int cedit_use_history(EditLine *e, History *history) {
    cedit_el_set_fn f = (cedit_el_set_fn)cedit_symbol("el_set");
    void *h = cedit_symbol("history");
    return f && h ? f(e, EL_HIST, h, history) : -1;
}
static inline int cedit_history_enter(History *history, const char *line) {
    HistEvent ev;
    cedit_history_fn h = (cedit_history_fn)cedit_symbol("history");
    return h ? h(history, &ev, H_ENTER, line) : -1;
}
static inline int cedit_history_load(History *history, const char *path) {
    HistEvent ev;
    cedit_history_fn h = (cedit_history_fn)cedit_symbol("history");
    return h ? h(history, &ev, H_LOAD, path) : -1;
}
static inline int cedit_history_save(History *history, const char *path) {
    HistEvent ev;
    cedit_history_fn h = (cedit_history_fn)cedit_symbol("history");
    return h ? h(history, &ev, H_SAVE, path) : -1;
}
#endif
