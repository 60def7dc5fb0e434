#include "interrupts.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <stddef.h>
#include <string.h>

static volatile sig_atomic_t interrupted;
static void *volatile target;
static volatile debt_cancel_fn cancel;
/* The self-pipe: the handler writes a byte, so a wait on any thread (poll) wakes up. */
static int wake[2] = {-1, -1};

static void on_interrupt(int signo) {
    (void)signo;
    int saved = errno;
    interrupted = 1;
    if (wake[1] >= 0) {
        char byte = 1;
        (void)write(wake[1], &byte, 1);
    }
    void *t = target;
    debt_cancel_fn f = cancel;
    if (t && f) {
        char message[256];
        (void)f(t, message, (int)sizeof message);
    }
    errno = saved;
}

int debt_interrupts_install(void) {
    if (wake[0] < 0) {
        if (pipe(wake) != 0) return -1;
        for (int i = 0; i < 2; i++) {
            fcntl(wake[i], F_SETFL, fcntl(wake[i], F_GETFL) | O_NONBLOCK);
            fcntl(wake[i], F_SETFD, FD_CLOEXEC);
        }
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGINT, &action, NULL) != 0) return -1;
    /* A process can start with SIGINT blocked (the mask is inherited across exec, e.g. from a thread of
       a program that spawned us): the handler would then never run. */
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGINT);
    return pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
}

int debt_interrupts_pending(void) { return interrupted != 0; }
void debt_interrupts_clear(void) {
    interrupted = 0;
    char drain[64];
    if (wake[0] >= 0)
        while (read(wake[0], drain, sizeof drain) > 0) {
        }
}
int debt_interrupts_wake_fd(void) { return wake[0]; }
void *debt_interrupts_target(void) { return target; }

void debt_interrupts_set_target(void *t, debt_cancel_fn fn) {
    /* Clear first so the handler never pairs a new handle with a stale function or the reverse. */
    target = NULL;
    cancel = fn;
    target = t;
}
