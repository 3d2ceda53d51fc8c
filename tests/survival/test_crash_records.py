"""What the records say after the worst endings (issue 13, hazard 13), on real processes.

* ``kill -9`` while the current rises: the log's highest current (its ``max_delivered``
  safety records) is within half a milliampere of what the simulator, in its own process,
  really delivered, while the 1 Hz telemetry alone would be well behind.
* A full disk, as a file-size limit (``ulimit -f``) on ``tens start --simulate``: output
  stopped and confirmed, one ``error:`` line, exit 5, no torn line, and history saying what
  happened.
"""

from __future__ import annotations

import csv
import io
import json
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

from survival.survival_helpers import (
    DEADLINE_S,
    PtyRig,
    outputs,
    read_jsonl,
    session_log,
    sim_events,
    tens,
    wait_jsonl,
)
from tenscontrol.records.logreader import read_log
from tenscontrol.session.recorder import MAX_RECORD_STEP_UA

#: How far the host may be behind the device when it dies: the frames still in flight
#: (telemetry every 50 ms; the soft start rises 2 mA/s, 0.1 mA per frame), uA.
IN_FLIGHT_UA = 400
#: How much the current rises after the telemetry line the test waited for before the kill:
#: more than the records may lag, so that 1 Hz telemetry alone could not pass, uA.
RISE_BEFORE_KILL_UA = 1_500


def test_kill_9_while_rising_keeps_the_highest_current_on_record(
    home: Path, env: dict[str, str], sim_log: Path, pty_rig: PtyRig
) -> None:
    with pty_rig() as ctl:  # low-back, 20 mA: a 10 s soft start
        ctl.wait_stimulating()
        logged = wait_jsonl(
            session_log(home),
            lambda r: r.get("event") == "telemetry" and r["delivered_ua"]["1"] > 0,
        )
        level = logged["delivered_ua"]["1"] + RISE_BEFORE_KILL_UA
        wait_jsonl(sim_log, lambda e: e["event"] == "output" and e["amplitude_ua"] >= level)
        killed_at = time.monotonic()
        ctl.proc.send_signal(signal.SIGKILL)
        assert ctl.proc.wait(DEADLINE_S) == -signal.SIGKILL
    truth = max(e["amplitude_ua"] for e in outputs(sim_events(sim_log), 1) if e["t"] < killed_at)
    record = read_log(session_log(home))
    assert record.status == "interrupted"
    best = record.max_delivered_ua
    print(f"kill -9: delivered {truth} uA, on record {best}")
    assert set(best) == {1}  # low-back has one channel: no channel 2 of the device
    assert truth - MAX_RECORD_STEP_UA - IN_FLIGHT_UA <= best[1] <= truth
    telemetry_only = max(e["delivered_ua"]["1"] for e in record.events if e["event"] == "telemetry")
    assert best[1] > telemetry_only  # what the records add over the 1 Hz samples

    history = tens(env, "history", "--json")
    assert history.returncode == 0, history.stderr
    (row,) = json.loads(history.stdout)["sessions"]
    assert (row["max_ua"], row["max_ua_by_channel"]) == (best[1], {"1": best[1]})
    report = tens(env, "report", "last", "--json")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["channels"][0]["max_delivered_ua"] == best[1]
    exported = tens(env, "export", "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    (line,) = csv.DictReader(io.StringIO(exported.stdout))
    assert (line["max_ua_ch1"], line["max_ua_ch2"]) == (str(best[1]), "")


#: The file-size limit of the child, bytes: a few seconds of a fast-forwarded session log.
FILE_LIMIT_BYTES = 40 * 1024


def _limit_file_size() -> None:  # pragma: no cover - runs in the child before exec
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT_BYTES, FILE_LIMIT_BYTES))


def test_a_full_disk_stops_with_one_error_line_exit_5_and_no_torn_line(
    home: Path, env: dict[str, str]
) -> None:
    command = [
        sys.executable,
        "-m",
        "tenscontrol.cli",
        "start",
        "--profile",
        "low-back",
        "--simulate",
        "--speed",
        "20",
        "--intensity",
        "20",
        "--duration",
        "20m",
        "--json",
        "--yes",
        "--no-diary",
    ]
    done = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        preexec_fn=_limit_file_size,
        check=False,
    )
    assert done.returncode == 5, done.stderr
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    log_path = session_log(home)
    assert line.startswith(f"error: cannot write the session log {log_path}: disk full (EFBIG")
    assert line.endswith("; output stopped and confirmed")
    end = [r for r in map(json.loads, done.stdout.splitlines()) if r["event"] == "end"]
    assert len(end) == 1
    assert (end[0]["reason"], end[0]["exit_code"], end[0]["stop_confirmed"]) == (
        "log_write_failed",
        5,
        True,
    )

    data = log_path.read_bytes()
    assert len(data) <= FILE_LIMIT_BYTES
    assert data.endswith(b"\n")  # the line the limit cut short was cut off again
    assert len(read_jsonl(log_path)) == data.count(b"\n")  # every line whole
    record = read_log(log_path)
    assert not record.torn
    assert record.bad_lines == 0
    history = tens(env, "history")
    assert history.returncode == 0, history.stderr
    if record.summary is not None:  # the reason fitted in a last small line
        assert (record.status, record.reason) == ("incomplete", "log_write_failed")
        assert "log incomplete" in history.stdout
    else:
        assert record.status == "interrupted"
        assert "interrupted" in history.stdout
