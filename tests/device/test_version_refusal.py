"""The host refuses a device that selects a protocol version outside the HELLO range the
host offered (issue 14: HELLO(1,1) answered with selected 2 used to give a full session)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pytest_mock import MockerFixture

from device.device_helpers import OpenVirtualDevice
from tenscontrol.errors import IncompatibleDevice
from tenscontrol.protocol import Identity, Message, encode_message
from tenscontrol.sim.model import DeviceModel
from tenscontrol.sim.wire import DeviceWire


def selects(version: int, mocker: MockerFixture) -> None:
    """Make the simulator answer every HELLO it can serve with ``selected_version``."""
    real = DeviceModel.identity

    def answer(self: DeviceModel, selected_version: int = 1) -> Identity:
        identity = real(self, selected_version)
        if not selected_version:
            return identity
        return replace(identity, selected_version=version, device_max_version=2)

    mocker.patch.object(DeviceModel, "identity", answer)


@pytest.mark.parametrize("version", [2, 7])
def test_a_version_outside_the_offered_range_is_refused_naming_both(
    version: int, mocker: MockerFixture, open_virtual_device: OpenVirtualDevice
) -> None:
    selects(version, mocker)
    with pytest.raises(
        IncompatibleDevice, match=rf"selected protocol {version}, outside"
    ) as refused:
        open_virtual_device()
    assert "range 1-1 this host offered" in str(refused.value)
    assert "the device speaks 1-2" in str(refused.value)


def test_the_offered_version_is_accepted(
    mocker: MockerFixture, open_virtual_device: OpenVirtualDevice
) -> None:
    selects(1, mocker)
    device = open_virtual_device()  # the `device` fixture would connect before the patch
    assert device.info is not None
    assert device.info.protocol_version == 1


def test_no_common_version_is_refused_naming_the_devices_range(
    mocker: MockerFixture, open_virtual_device: OpenVirtualDevice
) -> None:
    real = DeviceModel.identity

    def only_version_2(self: DeviceModel, selected_version: int = 1) -> Identity:
        return replace(
            real(self, 0), selected_version=0, device_min_version=2, device_max_version=2
        )

    mocker.patch.object(DeviceModel, "identity", only_version_2)
    expected = "speaks protocol 2-2, this host speaks 1"
    with pytest.raises(IncompatibleDevice, match=expected):
        open_virtual_device()


def test_an_identity_written_in_another_version_byte_is_named_not_called_silence(
    mocker: MockerFixture, open_virtual_device: OpenVirtualDevice
) -> None:
    """A device that selects its own version 2 and answers in version byte 2: the host
    cannot read the answer, and says so instead of "no answer to HELLO"."""

    def in_version_2(self: DeviceWire, message: Message, seq: int) -> None:
        self._out += encode_message(message, seq, 2)

    mocker.patch.object(DeviceWire, "reply", in_version_2)
    with pytest.raises(IncompatibleDevice, match="answers in protocol version 2, outside"):
        open_virtual_device()
