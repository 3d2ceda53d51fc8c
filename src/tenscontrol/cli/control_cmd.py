"""``tens status``, ``tens stop`` and ``tens adjust``: talk to the running session.

They reach the session through its control endpoint (:mod:`tenscontrol.control`:
0600 Unix sockets in the runtime folder, JSON lines); ``tens stop`` has a socket of its own
that other clients cannot fill. No session running: one line on stderr and exit 1, said
only when no session holds the session lock. A session that is running but whose endpoint
does not answer, or answers that it is busy: exit 3 (its output may be on). ``tens stop``
returns once the device has confirmed output 0 (exit 3 when it did not); ``tens adjust``
exits 2 when the session's limits refuse the change, or it names a channel the session
does not have or a level above that channel's ceiling (told in mA, checked against the
session's status before the change is sent).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from tenscontrol import hard_limits as hl
from tenscontrol.cli.exits import EXIT_DEVICE, EXIT_OK, report_errors
from tenscontrol.cli.text import ma, mmss, mmss_left, over_ceiling, parse_ma, target_text
from tenscontrol.control.client import request
from tenscontrol.control.wire import is_busy
from tenscontrol.errors import REMOVE_PADS, ControlBusy, NoSession, TensError, UserInputError

#: ``tens status --watch``: seconds between refreshes.
WATCH_PERIOD_S = 1.0
#: ``tens stop``: longest wait for the session's answer, seconds (the session gives up at 10).
STOP_TIMEOUT_S = 15.0


def _ask(
    message: dict[str, Any], timeout_s: float = 5.0, refused: type[TensError] = TensError
) -> dict[str, Any]:
    """The session's answer; an ``ok: false`` answer becomes a ``refused`` error (for an
    adjust request, whose refusal is about what was typed: :class:`UserInputError`), a
    busy one a :class:`ControlBusy` (exit 3: a session runs, it could not be asked)."""
    answer = request(message, timeout_s=timeout_s)
    if is_busy(answer):
        raise ControlBusy(
            f"a session is running but its control endpoint is {answer['error']}",
            hint="try again in a moment; `tens stop` has a path of its own",
        )
    if answer.get("ok") is not True:
        raise refused(str(answer.get("error", "the session refused the request")))
    return answer


def status_lines(status: dict[str, Any]) -> list[str]:
    """The status object as a few plain lines (SIMULATED first when simulated)."""
    label = "SIMULATED session" if status.get("simulated") else "session"
    output = "STIMULATING" if status.get("stimulating") else "OUTPUT OFF"
    phase = status.get("phase_label") or "-"
    state = status.get("state")
    if state == "ended":
        state = f"ended ({status.get('reason')})"
    lines = [
        f"{label} {status.get('session_id')} (profile {status.get('profile')}): {state}",
        f"{output}; phase {phase}; elapsed {mmss(int(status.get('elapsed_ms') or 0))}, "
        f"remaining {mmss_left(int(status.get('remaining_ms') or 0))}",
    ]
    for c in status.get("channels", []):
        faults = ", ".join(c.get("faults") or []) or "none"
        paused = ", paused" if c.get("paused") else ""
        lines.append(
            f"channel {c['channel']}: setpoint {ma(c['setpoint_ua'])} mA, delivered "
            f"{ma(c['delivered_ua'])} mA, target {target_text(c.get('target_ua'))} of "
            f"{ma(c['ceiling_ua'])} mA ceiling, lead {c['lead'] or '-'}{paused}; faults {faults}"
        )
    battery = status.get("battery_pct")
    lines.append(
        f"link {status.get('link_quality_pct')}%, battery "
        f"{'-' if battery is None else f'{battery}%'}"
    )
    return lines


def _show(status: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(status))
    else:
        click.echo("\n".join(status_lines(status)))


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (per refresh).")
@click.option("--watch", is_flag=True, help="Refresh every second until the session ends.")
@report_errors
def status(as_json: bool, watch: bool) -> None:
    """Show the running session: phase, time, per-channel mA, output, link, battery.

    Exit 1 when no session is running; 3 when one is running but its control endpoint did
    not answer or is busy (its output may be on).

    \b
    Examples:
      tens status
      tens status --json --watch
    """
    try:
        _show(_ask({"cmd": "status"})["status"], as_json)
        while watch:
            time.sleep(WATCH_PERIOD_S)
            try:
                current = _ask({"cmd": "status"})["status"]
            except NoSession:
                click.echo("the session has ended", err=True)
                return
            except ControlBusy as error:  # a crowd at the endpoint: this refresh only
                click.echo(f"warning: {error}", err=True)
                continue
            if not as_json:
                click.echo("")
            _show(current, as_json)
            if current.get("state") == "ended":
                return
    except KeyboardInterrupt:
        return


@click.command("stop")
@report_errors
def stop() -> None:
    """Stop the running session: output 0 at once; returns once the device confirmed 0.

    Uses the session's stop-only socket, which other clients cannot fill. Exit 1 when no
    session is running; 3 when the device did not confirm output 0, or the session did not
    answer (its output may be on).

    \b
    Example:
      tens stop
    """
    try:
        answer = request({"cmd": "stop"}, timeout_s=STOP_TIMEOUT_S)
    except NoSession:
        raise
    except TensError as error:  # asked, but no confirmation: the output may still be on
        answer = {"ok": False, "error": str(error)}
    if answer.get("ok") is not True:
        click.echo(f"error: {answer.get('error')}", err=True)
        click.echo(f"hint: the output may still be on: {REMOVE_PADS}", err=True)
        sys.exit(EXIT_DEVICE)
    click.echo(f"session stopped ({answer.get('reason')}): output 0 mA, confirmed by the device")
    sys.exit(EXIT_OK)


def parse_change(change: str) -> dict[str, int]:
    """``+1``, ``-1`` or ``=MA`` as the request fields ``step`` or ``set_ua`` (uA)."""
    if change in ("+1", "-1", "+", "-"):
        return {"step": -1 if change.startswith("-") else 1}
    if change.startswith("="):
        ua = parse_ma(change[1:].strip(), "tens adjust =MA")
        if ua > hl.MAX_AMPLITUDE_UA:
            raise UserInputError(
                f"{change[1:]} mA is above the hard limit of {ma(hl.MAX_AMPLITUDE_UA)} mA"
            )
        return {"set_ua": ua}
    raise UserInputError(
        f"{change[:20]!r}: use +1, -1 or =MA", hint="for example: tens adjust --channel 2 =12.5"
    )


def _check_channel(
    channel: int, change: str, fields: dict[str, int], status: dict[str, Any]
) -> None:
    """Refuse, before asking the session, a channel it does not have and a level above
    that channel's ceiling (both typed by the user: exit 2, told in mA). The session
    checks again when it applies the change: this is for the message, not the limit."""
    channels = {c.get("channel"): c for c in status.get("channels", [])}
    if channel not in channels:
        numbers = ", ".join(str(n) for n in channels)
        raise UserInputError(
            f"--channel {channel}: the running session has no channel {channel} "
            f"(channels: {numbers})",
            hint=f"for example: tens adjust --channel {next(iter(channels), 1)} +1",
        )
    ceiling = channels[channel].get("ceiling_ua")
    wanted = fields.get("set_ua")
    if isinstance(wanted, int) and isinstance(ceiling, int) and wanted > ceiling:
        raise UserInputError(
            f"{change[:20]}: " + over_ceiling(wanted, ceiling, f"channel {channel}"),
            hint=f"the highest this session allows on channel {channel} is {ma(ceiling)} mA",
        )


@click.command("adjust", context_settings={"ignore_unknown_options": True})
@click.option("--channel", "-c", type=int, default=1, show_default=True, help="Channel number.")
@click.argument("change", metavar="+1|-1|=MA")
@report_errors
def adjust(channel: int, change: str) -> None:
    """Change the intensity of the running session: one step up or down, or set it in mA.

    A step is 1 mA; higher levels are reached through the session's ramp, lower ones at
    once. The session's ceiling and step rate apply (a refusal: exit 2). No session: exit 1;
    a session whose control endpoint did not answer or is busy: exit 3.

    \b
    Examples:
      tens adjust +1
      tens adjust --channel 2 =12.5
    """
    fields = parse_change(change)
    _check_channel(channel, change, fields, _ask({"cmd": "status"})["status"])
    answer = _ask({"cmd": "adjust", "channel": channel, **fields}, refused=UserInputError)
    target = answer.get("target_ua")
    if answer.get("accepted") is not True:
        raise UserInputError(
            f"channel {channel}: refused: {answer.get('why')}",
            hint=f"the target stays at {ma(target if isinstance(target, int) else None)} mA",
        )
    click.echo(f"channel {channel}: target {ma(target if isinstance(target, int) else None)} mA")
