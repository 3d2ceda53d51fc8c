"""Discovery lists only tenscontrol VID:PID ports and never writes to any other."""

from __future__ import annotations

import json
from types import SimpleNamespace

from click.testing import CliRunner

from tenscontrol.cli.main import cli
from tenscontrol.protocol.constants import USB_PID, USB_VID
from tenscontrol.transport.discovery import list_serial_ports


def fake_ports() -> list[SimpleNamespace]:
    return [
        SimpleNamespace(
            device="/dev/ttyUSB9", description="a modem", vid=0x1A86, pid=0x7523, serial_number=None
        ),
        SimpleNamespace(
            device="/dev/ttyACM7",
            description="TENS",
            vid=USB_VID,
            pid=USB_PID,
            serial_number="A1",
        ),
    ]


def test_only_matching_ports_are_listed_unless_all_is_asked(mocker: object) -> None:
    mocker.patch(  # type: ignore[attr-defined]
        "serial.tools.list_ports.comports", return_value=fake_ports()
    )
    assert [c.device for c in list_serial_ports()] == ["/dev/ttyACM7"]
    everything = list_serial_ports(include_all=True)
    assert [c.device for c in everything] == ["/dev/ttyACM7", "/dev/ttyUSB9"]
    assert everything[0].usb_id == "1209:7e4e"


def test_probe_never_opens_a_port_that_does_not_match(mocker: object) -> None:
    mocker.patch(  # type: ignore[attr-defined]
        "serial.tools.list_ports.comports", return_value=fake_ports()
    )
    opened = mocker.patch(  # type: ignore[attr-defined]
        "tenscontrol.cli.devices_cmd.TensDevice.open", side_effect=AssertionError("opened")
    )
    result = CliRunner().invoke(cli, ["devices", "--all", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["devices"]
    assert {r["port"] for r in rows} == {"/dev/ttyACM7", "/dev/ttyUSB9"}
    opened.assert_not_called()


def test_probe_a_named_simulator_shows_its_identity() -> None:
    result = CliRunner().invoke(cli, ["devices", "--probe", "--port", "sim://", "--json"])
    assert result.exit_code == 0, result.output
    (row,) = [r for r in json.loads(result.output)["devices"] if r["port"] == "sim://"]
    assert row["identity"]["model"] == "TC-SIM-2"
    assert row["identity"]["simulated"] is True
    assert row["identity"]["channels"][0]["max_amplitude_ua"] == 80_000


def test_probe_text_labels_the_simulator() -> None:
    result = CliRunner().invoke(cli, ["devices", "--port", "sim://"])
    assert result.exit_code == 0, result.output
    assert "SIMULATED" in result.output


def test_a_named_port_that_fails_exits_with_its_code() -> None:
    result = CliRunner().invoke(cli, ["devices", "--port", "/dev/ttyTENS-none"])
    assert result.exit_code == 3
    assert "not found" in result.output
