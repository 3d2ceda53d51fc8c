"""Is a host name this machine? One answer for the driver's network URLs and the
simulator's TCP server.

Only ``localhost`` and literal loopback addresses (``127.0.0.0/8``, ``::1``) count; any
other name is refused without asking DNS. A name resolved here could resolve elsewhere a
moment later, when the connection is made (DNS rebinding), so a check that resolves proves
nothing about where the bytes go. ``--allow-remote`` is the way to reach another machine.
"""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """True if ``host`` is ``localhost`` or a literal loopback address (IPv4 or IPv6,
    brackets allowed)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
