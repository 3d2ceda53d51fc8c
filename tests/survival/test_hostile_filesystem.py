"""Every file ``tens`` writes or reads, on a hostile filesystem (hazard 17).

Real ``tens`` processes, as an attacker on the same machine (or a slip of the keyboard)
would set them up: symlinks to a file somebody cares about, FIFOs, a device node, hard
links, a runtime folder of another user, a disk that is full. Each case gets one ``error:``
line naming the path, exit 2, nothing written, nothing blocked; or, where the product can
do its job another way (a private runtime folder), it does and says nothing wrong.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.processes import child_env, tens
from tenscontrol.records.logwriter import SessionLogWriter

FAST = ("--simulate", "--speed", "600", "--yes", "--no-diary", "--duration", "1m")
START = ("start", "--profile", "low-back", "--intensity", "5", *FAST)
VICTIM_TEXT = "root:x:0:0:root:/root:/bin/sh\n"
OTHER_UID = 65534  # nobody


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def refused(done: subprocess.CompletedProcess[str], path: Path | str, why: str) -> bool:
    """Exit 2 with exactly one ``error:`` line naming ``path`` and ``why``, no traceback."""
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    return (
        done.returncode == 2
        and len(errors) == 1
        and str(path) in errors[0]
        and why in errors[0]
        and "Traceback" not in done.stderr
    )


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A system account file, as far as this test knows: 0644, somebody else's content."""
    path = tmp_path / "passwd"
    path.write_text(VICTIM_TEXT)
    path.chmod(0o644)
    return path


def untouched(victim: Path) -> bool:
    return victim.read_text() == VICTIM_TEXT and mode_of(victim) == 0o644


@pytest.fixture
def recorded(home: Path) -> str:
    """One finished session log in ``home`` (written by the product's own writer)."""
    writer = SessionLogWriter.create("20300101T000000Z-low-back", home)
    header = {
        "type": "header",
        "schema": 1,
        "session_id": writer.session_id,
        "started_wall": 1_893_456_000.0,
        "simulated": True,
        "profile": {"name": "low-back"},
        "device": {"model": "SIM", "serial_number": "S1", "firmware": "1.0"},
        "limits": {"1": {"ceiling_ua": 50_000}},
    }
    writer.write(header, sync=True)
    writer.write({"type": "event", "t_ms": 0, "event": "start", "channels": [1]}, sync=True)
    for second in range(1, 4):
        delivered = {"1": second * 1_000}
        telemetry = {"setpoint_ua": delivered, "delivered_ua": delivered}
        writer.write(
            {"type": "event", "t_ms": second * 1_000, "event": "telemetry", **telemetry},
            sync=False,
        )
    summary: dict[str, object] = {"type": "summary", "reason": "completed", "duration_ms": 3_000}
    summary |= {"max_delivered_ua": {"1": 3_000}, "ended_wall": 1_893_456_003.0}
    writer.write(summary, sync=True)
    writer.close()
    return writer.session_id


# ---- hostile output paths: every option that writes a file


def symlink_to(victim: Path, tmp_path: Path) -> Path:
    link = tmp_path / "out"
    link.symlink_to(victim)
    return link


def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def char_device(tmp_path: Path) -> Path:
    """A copy of /dev/null made with mknod (root only), so its mode can be watched."""
    path = tmp_path / "null"
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    path.chmod(0o666)
    return path


WRITERS: dict[str, Callable[[Path, str], list[str]]] = {
    "export": lambda path, sid: ["export", "--format", "csv", "--output", str(path)],
    "report --png": lambda path, sid: ["report", sid, "--png", str(path)],
    "preview --png": lambda path, sid: ["profile", "preview", "low-back", "--png", str(path)],
    "start --trace": lambda path, sid: [*START, "--trace", str(path)],
}


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_an_output_that_is_a_symlink_is_refused(
    command: str, env: dict[str, str], recorded: str, victim: Path, tmp_path: Path, home: Path
) -> None:
    link = symlink_to(victim, tmp_path)
    done = tens(env, *WRITERS[command](link, recorded))
    assert refused(done, link, "symbolic link"), done.stderr
    assert untouched(victim)
    assert len(list((home / "sessions").iterdir())) == 1  # no session was started


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_an_output_that_is_a_fifo_is_refused_without_blocking(
    command: str, env: dict[str, str], recorded: str, tmp_path: Path
) -> None:
    pipe = fifo(tmp_path)
    done = tens(env, *WRITERS[command](pipe, recorded))
    assert refused(done, pipe, "FIFO"), done.stderr
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
@pytest.mark.parametrize("command", sorted(WRITERS))
def test_an_output_that_is_a_device_node_is_refused_and_keeps_its_mode(
    command: str, env: dict[str, str], recorded: str, tmp_path: Path
) -> None:
    node = char_device(tmp_path)
    done = tens(env, *WRITERS[command](node, recorded))
    assert refused(done, node, "character device"), done.stderr
    assert mode_of(node) == 0o666


def test_dev_stdout_is_refused_with_a_hint_and_dash_works(
    env: dict[str, str], recorded: str
) -> None:
    done = tens(env, "export", "--format", "csv", "--output", "/dev/stdout")
    assert refused(done, "/dev/stdout", "symbolic link"), done.stderr
    assert "hint: use - for standard output" in done.stderr
    dash = tens(env, "export", "--format", "csv", "--output", "-")
    assert dash.returncode == 0
    assert recorded in dash.stdout


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_outputs_are_0600_from_creation_whatever_the_umask(
    command: str, env: dict[str, str], recorded: str, tmp_path: Path
) -> None:
    path = tmp_path / "made"
    done = tens(env, *WRITERS[command](path, recorded), umask=0)
    assert done.returncode == 0, done.stderr
    assert mode_of(path) == 0o600
    assert path.stat().st_size > 0


def test_a_hard_link_output_leaves_the_linked_file_alone(
    env: dict[str, str], recorded: str, victim: Path, tmp_path: Path
) -> None:
    link = tmp_path / "sessions.csv"
    os.link(victim, link)
    done = tens(env, "export", "--format", "csv", "--output", str(link))
    assert done.returncode == 0, done.stderr
    assert untouched(victim)
    assert recorded in link.read_text()


def test_a_full_disk_leaves_the_old_export_whole(
    env: dict[str, str], recorded: str, tmp_path: Path
) -> None:
    path = tmp_path / "sessions.csv"
    path.write_text("the export of last week\n")
    assert tens(env, "history").returncode == 0  # the index is written before the disk fills
    done = tens(env, "export", "--format", "csv", "--output", str(path), file_size_limit=16)
    assert refused(done, path, "cannot write"), done.stderr
    assert path.read_text() == "the export of last week\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_report_read_by_head_still_saves_its_png(
    env: dict[str, str], recorded: str, tmp_path: Path
) -> None:
    png = tmp_path / "session.png"
    child = subprocess.Popen(
        [sys.executable, "-m", "tenscontrol.cli", "report", recorded, "--png", str(png)],
        env={**env, "COLUMNS": "80"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    assert child.stderr is not None
    child.stdout.readline()
    child.stdout.close()  # `| head -1`
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=30) == 0, stderr
    assert "Traceback" not in stderr
    assert png.read_bytes().startswith(b"\x89PNG")


# ---- the simulator's event log


def sim_log_env(home: Path, log: Path) -> dict[str, str]:
    return child_env(home, sim_options=f"log={log}")


def test_the_simulator_log_never_appends_to_a_foreign_file(home: Path, victim: Path) -> None:
    done = tens(sim_log_env(home, victim), *START)
    assert refused(done, victim, "not a simulator event log"), done.stderr
    assert untouched(victim)


def test_the_simulator_log_refuses_a_link_and_a_fifo(
    home: Path, victim: Path, tmp_path: Path
) -> None:
    link = symlink_to(victim, tmp_path)
    pipe = fifo(tmp_path)
    for path, why in ((link, "symbolic link"), (pipe, "FIFO")):
        done = tens(sim_log_env(home, path), *START)
        assert refused(done, path, why), done.stderr
    assert untouched(victim)


def test_tens_simulate_refuses_a_foreign_log_at_once(env: dict[str, str], victim: Path) -> None:
    done = tens(env, "simulate", "--pty", "--log", str(victim))
    assert refused(done, victim, "not a simulator event log"), done.stderr
    assert untouched(victim)


def test_the_simulator_log_appends_to_its_own_log(home: Path, tmp_path: Path) -> None:
    log = tmp_path / "sim.jsonl"
    first = tens(sim_log_env(home, log), *START, umask=0)
    assert first.returncode == 0, first.stderr
    size = log.stat().st_size
    assert mode_of(log) == 0o600
    second = tens(sim_log_env(home, log), *START)
    assert second.returncode == 0, second.stderr
    assert log.stat().st_size > size


# ---- the data and runtime folders


def test_a_symlinked_index_is_refused(
    env: dict[str, str], recorded: str, home: Path, victim: Path
) -> None:
    (home / "sessions.sqlite3").symlink_to(victim)
    done = tens(env, "history")
    assert refused(done, home / "sessions.sqlite3", "symbolic link"), done.stderr
    assert untouched(victim)


def test_a_symlinked_lock_file_is_refused_and_its_target_keeps_its_mode(
    env: dict[str, str], home: Path, victim: Path
) -> None:
    run_dir = home / "run"
    run_dir.mkdir(parents=True, mode=0o700)
    (run_dir / "control.lock").symlink_to(victim)
    done = tens(env, *START)
    assert refused(done, run_dir / "control.lock", "symbolic link"), done.stderr
    assert untouched(victim)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a folder to another user")
def test_a_runtime_folder_planted_by_another_user_is_not_used(tmp_path: Path) -> None:
    """No TENS_HOME, no XDG_RUNTIME_DIR: the runtime folder falls back to one under TMPDIR,
    which another user can create first. Then the product uses a private one of its own."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    planted = tmp / f"runtime-{os.getuid()}"
    planted.mkdir(mode=0o700)
    os.chown(planted, OTHER_UID, OTHER_UID)
    data = tmp_path / "data"
    env = {**os.environ, "TMPDIR": str(tmp), "XDG_DATA_HOME": str(data), "HOME": str(tmp_path)}
    for name in ("TENS_HOME", "XDG_RUNTIME_DIR", "TENS_PORT", "TENS_SIM_OPTIONS"):
        env.pop(name, None)
    status = tens(env, "status")
    assert status.returncode == 1, status.stderr  # no session: not a traceback
    assert "Traceback" not in status.stderr
    done = tens(env, *START)
    assert done.returncode == 0, done.stderr
    assert (data / "tenscontrol" / "run" / "control.lock").exists()
    assert list(planted.iterdir()) == []


# ---- files read from a path a person gave


def test_a_profile_that_is_a_fifo_is_refused_at_once(env: dict[str, str], tmp_path: Path) -> None:
    pipe = tmp_path / "fifo.toml"
    os.mkfifo(pipe)
    check = ("profile", "check", str(pipe))
    start = ("start", "--profile", str(pipe), "--intensity", "5", *FAST)
    for args in (check, start):
        done = tens(env, *args, timeout=20)
        assert done.returncode == 2, done.stderr
        assert "FIFO" in done.stderr
        assert str(pipe) in done.stderr


def test_settings_that_are_a_fifo_are_refused_at_once(env: dict[str, str], home: Path) -> None:
    home.mkdir(mode=0o700)
    os.mkfifo(home / "config.toml")
    done = tens(env, *START, timeout=20)
    assert refused(done, home / "config.toml", "FIFO"), done.stderr
