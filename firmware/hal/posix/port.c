/*
 * port.c - the pty, and hal.h's tc_hal_write() over it.
 */
#include "port.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "hal.h"

static int master = -1;
static int slave = -1;
static char path[128];
static unsigned long dropped;

static bool make_raw(int fd)
{
    struct termios tio;
    if (tcgetattr(fd, &tio) != 0) {
        return false;
    }
    cfmakeraw(&tio);
    return tcsetattr(fd, TCSANOW, &tio) == 0;
}

bool port_open(char *error, size_t cap)
{
    master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0 ||
        ptsname_r(master, path, sizeof path) != 0) {
        snprintf(error, cap, "cannot open a pseudo-terminal: %s", strerror(errno));
        return false;
    }
    slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    /* raw on both ends: no echo, no line discipline between the firmware and the host */
    if (slave < 0 || !make_raw(slave) || !make_raw(master)) {
        snprintf(error, cap, "cannot set up %s: %s", path, strerror(errno));
        return false;
    }
    int flags = fcntl(master, F_GETFL);
    if (flags < 0 || fcntl(master, F_SETFL, flags | O_NONBLOCK) != 0) {
        snprintf(error, cap, "cannot make the pty non-blocking: %s", strerror(errno));
        return false;
    }
    return true;
}

const char *port_path(void)
{
    return path;
}

int port_fd(void)
{
    return master;
}

void port_close(void)
{
    if (master >= 0) {
        close(master);
        master = -1;
    }
    if (slave >= 0) {
        close(slave);
        slave = -1;
    }
}

unsigned long port_dropped(void)
{
    return dropped;
}

void tc_hal_write(const uint8_t *bytes, size_t len)
{
    size_t done = 0u;
    while (master >= 0 && done < len) {
        ssize_t n = write(master, bytes + done, len - done);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            break; /* full (EAGAIN) or gone: the rest is lost; the host resyncs on 0x00 */
        }
    }
    dropped += (unsigned long)(len - done);
}
