#ifndef DEBT_INTERRUPTS_H
#define DEBT_INTERRUPTS_H

/*
 * Ctrl-C for interactive use (debtctl shell): a SIGINT handler that records the interrupt and sends
 * a cancel request for the statement running on the armed connection, as psql does. The state lives
 * in interrupts.c, once per process; the cancel function is libpq's PQcancel, passed in by the caller
 * (documented by libpq as safe to call from a signal handler).
 */
typedef int (*debt_cancel_fn)(void *cancel, char *message, int size);

/* Installs the handler without SA_RESTART, so a blocking poll or read returns EINTR. */
int debt_interrupts_install(void);
int debt_interrupts_pending(void);
void debt_interrupts_clear(void);
/* Readable after a SIGINT until cleared (-1 before install): waits poll it beside their own fd. */
int debt_interrupts_wake_fd(void);
/* The cancel handle a SIGINT uses (NULL: none). */
void *debt_interrupts_target(void);
void debt_interrupts_set_target(void *cancel, debt_cancel_fn fn);

#endif
