/*
 * main.c - tens-fw-posix: the reference firmware's core served on a pty, with a simulated
 * front end (afe.c), the fault options of `tens simulate` (options.c) and its event log
 * (eventlog.c). This file is the board's main loop and its time base.
 *
 * Time is CLOCK_MONOTONIC in microseconds (a free-running 64-bit counter already, so no
 * extension is needed), the same clock as the event log's "mono" stamps. The firmware runs
 * at the instants it asks for even when the OS wakes this process late (run_to). The loop waits
 * in ppoll(2) for the host's bytes until the core's next due time or the next injection,
 * with SIGINT and SIGTERM unblocked only inside the wait, so a signal is never missed.
 * Exit status: 0 after SIGINT/SIGTERM, 2 for a bad command line, 1 when the pty fails.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "afe.h"
#include "core.h"
#include "eventlog.h"
#include "hal.h"
#include "options.h"
#include "port.h"

#define EXIT_USAGE 2
#define EXIT_PORT 1
/* Longest wait without looking at the clock, us (the core asks sooner anyway). */
#define MAX_WAIT_US 100000u
#define US_PER_S 1000000u

static volatile sig_atomic_t stop_requested;
static tc_core_t core;

static void on_signal(int signum)
{
    (void)signum;
    stop_requested = 1;
}

static uint64_t clock_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * US_PER_S + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t now_us(void)
{
    return clock_us(CLOCK_MONOTONIC);
}

/* --- the event log's view of the core's events (the simulator's names and fields) ----- */
static const char *fault_name(uint32_t bit)
{
    switch (bit) {
    case TC_FAULT_LEAD_OFF: return "LEAD_OFF";
    case TC_FAULT_OVER_DELIVERY: return "OVER_DELIVERY";
    case TC_FAULT_OVER_CURRENT: return "OVER_CURRENT";
    case TC_FAULT_LOW_BATTERY: return "LOW_BATTERY";
    case TC_FAULT_HOST_LOST: return "HOST_LOST";
    case TC_FAULT_INTERNAL: return "INTERNAL";
    default: return "UNKNOWN";
    }
}

static const char *reason_name(uint32_t reason)
{
    switch (reason) {
    case TC_BOOT_POWER_ON: return "POWER_ON";
    case TC_BOOT_MCU_WATCHDOG: return "MCU_WATCHDOG";
    case TC_BOOT_BROWN_OUT: return "BROWN_OUT";
    case TC_BOOT_SOFTWARE_RESET: return "SOFTWARE_RESET";
    default: return "UNKNOWN";
    }
}

static const char *nak_name(uint32_t code)
{
    static const char *const names[] = {"?", "BAD_LENGTH", "UNKNOWN_TYPE", "UNSUPPORTED_VERSION",
                                        "BAD_CHANNEL", "OUT_OF_RANGE", "BAD_STATE",
                                        "FAULT_LATCHED", "LEAD_OFF", "LOW_BATTERY", "INTERNAL"};
    return code < sizeof names / sizeof names[0] ? names[code] : "?";
}

static const char *drop_name(uint32_t why)
{
    static const char *const names[] = {"stuffing", "too_short", "oversize", "crc"};
    return why < 4u ? names[why] : "?";
}

void tc_hal_event(const tc_event_t *e)
{
    char f[160] = "";
    const char *name = "?";
    switch (e->kind) {
    case TC_EV_BOOT:
        name = "boot";
        snprintf(f, sizeof f, "\"reason\": \"%s\"", reason_name(e->a));
        break;
    case TC_EV_HELLO:
        name = "hello";
        snprintf(f, sizeof f, "\"selected_version\": %u", e->a);
        break;
    case TC_EV_START:
        name = "start";
        snprintf(f, sizeof f, "\"channel_mask\": %u, \"watchdog_ms\": %u", e->a, e->b);
        break;
    case TC_EV_STOP:
        name = "stop";
        break;
    case TC_EV_SET:
        name = "set";
        snprintf(f, sizeof f,
                 "\"channel\": %u, \"amplitude_ua\": %u, \"rate_mhz\": %u, \"width_us\": %u",
                 e->channel, e->a, e->b, e->c);
        break;
    case TC_EV_NAK:
        name = "nak";
        snprintf(f, sizeof f, "\"request_type\": %u, \"code\": \"%s\", \"field\": %u", e->a,
                 nak_name(e->b), e->c);
        break;
    case TC_EV_WATCHDOG:
        name = "watchdog";
        snprintf(f, sizeof f, "\"timeout_ms\": %u", e->a);
        break;
    case TC_EV_FAULT:
        name = "fault";
        if (e->channel == 0u) {
            snprintf(f, sizeof f, "\"channel\": null, \"fault\": \"%s\"", fault_name(e->a));
        } else {
            snprintf(f, sizeof f, "\"channel\": %u, \"fault\": \"%s\"", e->channel,
                     fault_name(e->a));
        }
        break;
    case TC_EV_LEAD:
        name = "lead";
        snprintf(f, sizeof f, "\"channel\": %u, \"lead\": \"%s\"", e->channel,
                 e->a == TC_LEAD_OK ? "on" : "off");
        break;
    case TC_EV_FRAME_ERROR:
        name = "frame_error";
        snprintf(f, sizeof f, "\"kind\": \"%s\", \"length\": %u", drop_name(e->a), e->b);
        break;
    }
    eventlog_write(e->at_us, name, f);
}

/* --- the board ------------------------------------------------------------------------ */
static void reset_core(const options_t *opt, tc_boot_reason_t reason, uint64_t t)
{
    tc_config_t config = {opt->channels, reason, false};
    if (!tc_core_init(&core, &config, t)) {
        /* options.c keeps channels in 1..6: cannot happen, but never run on a bad config */
        fprintf(stderr, "tens-fw-posix: the core refused its configuration\n");
        port_close();
        _exit(EXIT_PORT);
    }
}

/* Apply one injection at t; false once the port is gone (unplug). */
static bool inject(const options_t *opt, const injection_t *item, uint64_t t)
{
    char f[96] = "";
    switch (item->kind) {
    case INJECT_LEAD_OFF:
    case INJECT_LEAD_ON:
        afe_set_lead_off(item->channel, item->kind == INJECT_LEAD_OFF);
        break;
    case INJECT_OVERDELIVER:
        snprintf(f, sizeof f, "\"channel\": %u, \"percent\": %u", item->channel, item->percent);
        eventlog_write(t, "overdeliver", f);
        afe_set_overdeliver(item->channel, item->percent);
        break;
    case INJECT_LOW_BATTERY:
        snprintf(f, sizeof f, "\"battery_mv\": %u", AFE_BATTERY_LOW_MV);
        eventlog_write(t, "low_battery", f);
        afe_set_battery_low();
        break;
    case INJECT_INTERNAL_FAULT:
        eventlog_write(t, "internal_fault", "");
        afe_set_hardware_failed();
        break;
    case INJECT_REBOOT:
        eventlog_write(t, "reboot", "\"reason\": \"MCU_WATCHDOG\"");
        afe_power_off();
        reset_core(opt, TC_BOOT_MCU_WATCHDOG, t);
        return true;
    case INJECT_UNPLUG:
        eventlog_write(t, "unplug", "");
        afe_power_off();
        port_close();
        return false;
    }
    tc_core_poll(&core, t); /* the firmware sees the change at once */
    return true;
}

/*
 * Run the firmware up to t: every instant it asked for (and every injection) in order, at
 * that instant, then t itself. A board process the OS ran late thus stamps telemetry and
 * trips its watchdog at the instants a microcontroller would have, as the Python
 * simulator does; only the bytes reach the host late. False once the port is gone.
 */
static bool run_to(const options_t *opt, uint64_t t0, size_t *next, uint64_t t)
{
    for (unsigned guard = 0u; guard < 100000u; guard++) {
        uint64_t due = tc_core_next_due_us(&core);
        bool injection_first = *next < opt->injection_count &&
                               t0 + opt->injections[*next].at_us <= due;
        if (injection_first) {
            due = t0 + opt->injections[*next].at_us;
        }
        if (due > t) {
            break;
        }
        afe_set_time(due);
        if (injection_first) {
            if (!inject(opt, &opt->injections[(*next)++], due)) {
                return false;
            }
        } else {
            tc_core_poll(&core, due);
        }
    }
    afe_set_time(t);
    tc_core_poll(&core, t);
    return true;
}

/* Serve until a signal or an unplug; true after an unplug. */
static bool serve(const options_t *opt, uint64_t t0)
{
    size_t next = 0u;
    uint8_t buf[4096];
    while (!stop_requested) {
        uint64_t t = now_us();
        if (!run_to(opt, t0, &next, t)) {
            return true;
        }
        uint64_t due = tc_core_next_due_us(&core);
        if (next < opt->injection_count && t0 + opt->injections[next].at_us < due) {
            due = t0 + opt->injections[next].at_us;
        }
        uint64_t wait = due > t ? due - t : 0u;
        wait = wait < MAX_WAIT_US ? wait : MAX_WAIT_US;
        struct timespec timeout = {(time_t)(wait / US_PER_S), (long)(wait % US_PER_S) * 1000L};
        struct pollfd pfd = {port_fd(), POLLIN, 0};
        sigset_t open_mask;
        sigemptyset(&open_mask);
        int ready = ppoll(&pfd, 1, &timeout, &open_mask);
        if (ready > 0 && (pfd.revents & POLLIN) != 0) {
            ssize_t n = read(port_fd(), buf, sizeof buf);
            if (n > 0) {
                t = now_us();
                if (!run_to(opt, t0, &next, t)) {
                    return true;
                }
                tc_core_receive(&core, buf, (size_t)n, t);
            }
        } else if (ready < 0 && errno != EINTR) {
            fprintf(stderr, "tens-fw-posix: waiting on the pty failed: %s\n", strerror(errno));
            return false;
        }
    }
    return false;
}

int main(int argc, char **argv)
{
    options_t opt;
    char error[OPT_ERROR_LEN];
    if (!options_parse(argc, argv, &opt, error, sizeof error)) {
        fprintf(stderr, "error: %s\n", error);
        return EXIT_USAGE;
    }
    if (opt.help) {
        fputs(options_usage(), stdout);
        return 0;
    }
    if (opt.log != NULL && !eventlog_open(opt.log, error, sizeof error)) {
        fprintf(stderr, "error: %s\n", error);
        return EXIT_USAGE;
    }
    /* SIGINT/SIGTERM stay blocked but inside ppoll/sigsuspend; a dead host is no reason to die */
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGTERM);
    sigprocmask(SIG_BLOCK, &blocked, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* power-on: the front end comes up with every gate closed, then the firmware starts */
    afe_init(opt.channels);
    if (!port_open(error, sizeof error)) {
        fprintf(stderr, "error: %s\n", error);
        return EXIT_PORT;
    }
    uint64_t wall = clock_us(CLOCK_REALTIME);
    uint64_t t0 = now_us();
    afe_set_time(t0);
    eventlog_set_wall_offset((int64_t)(wall - t0));
    reset_core(&opt, TC_BOOT_POWER_ON, t0);
    printf("port: %s\n", port_path());
    fflush(stdout);

    if (serve(&opt, t0)) {
        fprintf(stderr, "tens-fw-posix: unplug_at reached, the port is gone\n");
        sigset_t none;
        sigemptyset(&none);
        while (!stop_requested) {
            sigsuspend(&none);
        }
    }
    afe_set_time(now_us());
    afe_power_off(); /* the process ends: the simulated hardware loses its power */
    port_close();
    eventlog_close();
    return 0;
}
