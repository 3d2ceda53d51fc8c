/*
 * eventlog.c - the JSON-lines event log, opened the way the product opens its files.
 */
#include "eventlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int log_fd = -1;
static int64_t wall_offset_us;

/* The start every line of an event log has. */
static const char own_prefix[] = "{\"t\": ";

static bool refuse(int fd, char *error, size_t cap, const char *path, const char *why)
{
    if (fd >= 0) {
        close(fd);
    }
    snprintf(error, cap, "--log %.120s: %s", path, why);
    return false;
}

bool eventlog_open(const char *path, char *error, size_t cap)
{
    /* O_NONBLOCK: a FIFO must not hang the open; O_NOFOLLOW: no link is followed;
     * O_RDWR: the first bytes are read back to recognise a log of our own */
    int flags = O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    int fd = open(path, flags);
    bool created = false;
    if (fd < 0 && errno == ENOENT) {
        fd = open(path, flags | O_CREAT | O_EXCL, 0600);
        created = fd >= 0;
    }
    if (fd < 0) {
        return refuse(-1, error, cap, path,
                      errno == ELOOP ? "is a symbolic link; refusing to follow it"
                                     : strerror(errno));
    }
    struct stat info;
    if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        return refuse(fd, error, cap, path, "is not a regular file");
    }
    if (info.st_uid != geteuid()) {
        return refuse(fd, error, cap, path, "belongs to another user");
    }
    if (info.st_nlink != 1u) {
        return refuse(fd, error, cap, path, "has other hard links");
    }
    if ((info.st_mode & 077u) != 0u) {
        return refuse(fd, error, cap, path, "is readable by other users");
    }
    if (!created && info.st_size > 0) {
        char head[sizeof own_prefix];
        /* read through the same descriptor: what is checked is what is appended to */
        ssize_t n = pread(fd, head, sizeof own_prefix - 1u, 0);
        if (n != (ssize_t)(sizeof own_prefix - 1u) ||
            memcmp(head, own_prefix, sizeof own_prefix - 1u) != 0) {
            return refuse(fd, error, cap, path, "is not an event log; refusing to append to it");
        }
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        return refuse(fd, error, cap, path, strerror(errno));
    }
    log_fd = fd;
    return true;
}

void eventlog_set_wall_offset(int64_t offset_us)
{
    wall_offset_us = offset_us;
}

void eventlog_write(uint64_t at_us, const char *event, const char *fields)
{
    if (log_fd < 0) {
        return;
    }
    int64_t wall_us = (int64_t)at_us + wall_offset_us;
    char line[512];
    int n = snprintf(line, sizeof line,
                     "{\"t\": %lld.%06lld, \"mono\": %llu.%06llu, \"event\": \"%s\"%s%s}\n",
                     (long long)(wall_us / 1000000), (long long)(wall_us % 1000000),
                     (unsigned long long)(at_us / 1000000u), (unsigned long long)(at_us % 1000000u),
                     event, fields[0] != '\0' ? ", " : "", fields);
    if (n > 0 && (size_t)n < sizeof line) {
        /* one write per line; a failed write loses the line, never the device's timing */
        ssize_t written = write(log_fd, line, (size_t)n);
        (void)written;
    }
}

void eventlog_close(void)
{
    if (log_fd >= 0) {
        close(log_fd);
        log_fd = -1;
    }
}
