/*
 * port.h - the posix board's serial port: a pseudo-terminal pair, both ends raw. The
 * board keeps the slave end open itself, so the pty survives hosts coming and going and
 * what the firmware sends while no host listens waits in the pty (until its buffer is
 * full; then it is dropped, as a UART with no one listening would lose it).
 */
#ifndef TC_POSIX_PORT_H
#define TC_POSIX_PORT_H

#include <stdbool.h>
#include <stddef.h>

/* Open a new pty; false with a reason in error when it cannot. */
bool port_open(char *error, size_t cap);

/* The slave's path, for the host ("port: <path>"). */
const char *port_path(void);

/* The master's descriptor, to wait on; -1 once closed. */
int port_fd(void);

/* Close both ends: the port goes away, as an unplugged USB device's does. */
void port_close(void);

/* Bytes the firmware wrote that the pty could not take. */
unsigned long port_dropped(void);

#endif
