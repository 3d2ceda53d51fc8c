"""tenscontrol.files, the one place files are opened (hazard 17): regular files only, no
link followed, 0600 from the first byte, replaced rather than overwritten, appended to only
when the file is already the product's own kind, nothing blocks on a FIFO."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tenscontrol.files import (
    FileRefused,
    Publish,
    ReplacedFile,
    check_private_folder,
    open_append,
    open_lock,
    open_new,
    output,
    private_dir,
    read_regular,
)

OTHER_UID = 65534  # nobody


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def is_own(head: bytes) -> bool:
    return head.startswith(b"OWN\n")


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask: a file that comes out 0600 did so by itself."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path, 0o666)
    return path


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file somebody else cares about (a system account file, say), mode 0644."""
    path = tmp_path / "passwd"
    path.write_text("root:x:0:0\n")
    path.chmod(0o644)
    return path


def untouched(path: Path, text: str = "root:x:0:0\n", mode: int = 0o644) -> bool:
    return path.read_text() == text and mode_of(path) == mode


# ---- ReplacedFile / output: exports, PNGs, settings, traces


@pytest.mark.usefixtures("open_umask")
def test_a_new_file_is_0600_from_creation(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with ReplacedFile(path, publish=Publish.AT_OPEN) as replaced:
        assert mode_of(path) == 0o600  # before any byte went in
        replaced.text().write("a,b\n")
    assert path.read_text() == "a,b\n"
    assert mode_of(path) == 0o600


def test_an_existing_file_is_replaced_by_a_new_private_one(victim: Path) -> None:
    before = victim.stat().st_ino
    with output(victim) as stream:
        stream.write("new\n")
    assert victim.read_text() == "new\n"
    assert mode_of(victim) == 0o600
    assert victim.stat().st_ino != before  # a new file: the old one's mode was never changed


def test_a_hard_link_to_another_file_leaves_that_file_alone(tmp_path: Path, victim: Path) -> None:
    link = tmp_path / "export.csv"
    os.link(victim, link)
    with output(link) as stream:
        stream.write("health data\n")
    assert untouched(victim)
    assert link.read_text() == "health data\n"


def test_a_symlink_is_refused_and_its_target_untouched(tmp_path: Path, victim: Path) -> None:
    link = tmp_path / "out.csv"
    link.symlink_to(victim)
    with pytest.raises(FileRefused, match="symbolic link"), output(link) as stream:
        stream.write("x")
    assert untouched(victim)
    assert link.is_symlink()


def test_a_fifo_is_refused_without_blocking(fifo: Path) -> None:
    with pytest.raises(FileRefused, match="FIFO"), output(fifo):
        pass
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert mode_of(fifo) == 0o666 & ~_umask()


def test_a_device_node_is_refused_and_keeps_its_mode() -> None:
    before = mode_of(Path("/dev/null"))
    with pytest.raises(FileRefused, match="character device"), output("/dev/null"):
        pass
    assert mode_of(Path("/dev/null")) == before


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="folder"), output(tmp_path):
        pass


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="no such folder"), output(tmp_path / "no" / "x.csv"):
        pass


def test_an_error_while_writing_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, victim: Path
) -> None:
    def write_half() -> None:
        with output(victim) as stream:
            stream.write("half")
            raise RuntimeError("disk went away")

    with pytest.raises(RuntimeError):
        write_half()
    assert untouched(victim)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["passwd"]


def test_dash_is_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    with output("-") as stream:
        stream.write("to stdout\n")
    assert capsys.readouterr().out == "to stdout\n"


def test_a_published_stream_is_visible_while_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "trace.txt"
    with output(path, publish=Publish.AT_OPEN) as stream:
        stream.write("> 00 01\n")
        stream.flush()
        assert path.read_text() == "> 00 01\n"  # a crash now keeps what was traced


# ---- open_append: simulator logs, the pain diary's line in a session log


@pytest.mark.usefixtures("open_umask")
def test_append_creates_a_private_file(tmp_path: Path) -> None:
    path = tmp_path / "sim.jsonl"
    os.close(open_append(path, is_own=is_own, what="a test log"))
    assert mode_of(path) == 0o600


def test_append_goes_on_after_the_products_own_content(tmp_path: Path) -> None:
    path = tmp_path / "sim.jsonl"
    fd = open_new(path)
    os.write(fd, b"OWN\n")
    os.close(fd)
    fd = open_append(path, is_own=is_own, what="a test log")
    os.write(fd, b"more\n")
    os.close(fd)
    assert path.read_bytes() == b"OWN\nmore\n"


def test_append_refuses_a_file_of_another_kind(victim: Path) -> None:
    victim.chmod(0o600)
    with pytest.raises(FileRefused, match="not a test log"):
        open_append(victim, is_own=is_own, what="a test log")
    assert untouched(victim, mode=0o600)


def test_append_refuses_a_link_a_fifo_and_a_device(
    tmp_path: Path, victim: Path, fifo: Path
) -> None:
    link = tmp_path / "log"
    link.symlink_to(victim)
    for path, why in ((link, "symbolic link"), (fifo, "FIFO"), (Path("/dev/null"), "device")):
        with pytest.raises(FileRefused, match=why):
            open_append(path, is_own=lambda head: True, what="a test log")
    assert untouched(victim)


def test_append_refuses_a_hard_linked_or_shared_file(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"OWN\n")
    path.chmod(0o600)
    os.link(path, tmp_path / "other")
    with pytest.raises(FileRefused, match="hard links"):
        open_append(path, is_own=is_own, what="a test log")
    (tmp_path / "other").unlink()
    path.chmod(0o644)
    with pytest.raises(FileRefused, match="readable by other users"):
        open_append(path, is_own=is_own, what="a test log")
    assert mode_of(path) == 0o644


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_append_refuses_a_file_of_another_user(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"OWN\n")
    path.chmod(0o600)
    os.chown(path, OTHER_UID, OTHER_UID)
    with pytest.raises(FileRefused, match="another user"):
        open_append(path, is_own=is_own, what="a test log")


# ---- lock files and private folders


def test_a_lock_file_link_is_refused_and_its_target_keeps_its_mode(
    tmp_path: Path, victim: Path
) -> None:
    lock = tmp_path / "control.lock"
    lock.symlink_to(victim)
    with pytest.raises(FileRefused, match="symbolic link"):
        open_lock(lock)
    assert untouched(victim)


@pytest.mark.usefixtures("open_umask")
def test_private_dir_makes_0700_folders(tmp_path: Path) -> None:
    folder = private_dir(tmp_path / "a" / "b")
    assert mode_of(folder) == 0o700
    assert mode_of(folder.parent) == 0o700


def test_a_folder_others_can_write_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(FileRefused, match="written by other users"):
        check_private_folder(shared)
    shared.chmod(0o770)
    with pytest.raises(FileRefused, match="written by other users"):
        check_private_folder(shared)
    check_private_folder(shared, strict=False)  # a data root shared with one's own group


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a folder to another user")
def test_a_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, OTHER_UID, OTHER_UID)
    with pytest.raises(FileRefused, match="another user"):
        private_dir(theirs)
    assert mode_of(theirs) == 0o700


# ---- reading what a person named


def test_reading_a_fifo_is_refused_at_once(fifo: Path) -> None:
    with pytest.raises(FileRefused, match="FIFO"):
        read_regular(fifo)


def test_reading_a_folder_or_an_oversized_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="folder"):
        read_regular(tmp_path)
    big = tmp_path / "big.toml"
    big.write_bytes(b"x" * 101)
    with pytest.raises(FileRefused, match="larger than 100 bytes"):
        read_regular(big, limit=100)
    assert read_regular(big, limit=101) == b"x" * 101


def test_reading_through_a_link_a_person_made_is_fine(tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    real.write_text("name = 'x'\n")
    (tmp_path / "link.toml").symlink_to(real)
    assert read_regular(tmp_path / "link.toml") == b"name = 'x'\n"


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
