#ifndef CEDITLINE_SHIM_H
#define CEDITLINE_SHIM_H
#include <stdio.h>
#include <editline/readline.h>

/* Swift 6 refuses C globals as unsafe: these accessors are the only way the REPL touches them. */
static inline FILE *cedit_stderr(void) { return stderr; }
static inline FILE *cedit_stdout(void) { return stdout; }
#endif
