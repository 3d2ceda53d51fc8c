"""Faults that only a real port shows: an unplugged pty, a rebooting device, over a pty and
a socket, on the real clock."""

from __future__ import annotations

import pytest

from device.device_helpers import setpoint
from tenscontrol.device import TensDevice
from tenscontrol.errors import DeviceRebooted, PortLost
from tenscontrol.sim.faults import SimOptions
from tenscontrol.sim.server import PtyServer, SimServer, TcpServer


@pytest.mark.parametrize("server_type", [PtyServer, TcpServer])
def test_unplug_mid_stimulation_raises_port_lost(server_type: type[SimServer]) -> None:
    with server_type(SimOptions(unplug_at_us=600_000)) as server:
        device = TensDevice.open(server.port)
        try:
            device.start([1])
            device.set_channel(setpoint(1, 2_000))
            with pytest.raises(PortLost):
                device.wait(3.0)
            with pytest.raises(PortLost):
                device.stop()
        finally:
            device.close()


@pytest.mark.parametrize("server_type", [PtyServer, TcpServer])
def test_reboot_mid_stimulation_raises_and_output_stays_zero(
    server_type: type[SimServer],
) -> None:
    with server_type(SimOptions(reboot_at_us=600_000)) as server:
        with TensDevice.open(server.port) as device:
            device.start([1])
            device.set_channel(setpoint(1, 2_000))
            with pytest.raises(DeviceRebooted):
                device.wait(3.0)
        with server.lock:
            assert server.model.channel(1).delivered_ua == 0
            assert server.model.channel(1).setpoint_ua == 0
