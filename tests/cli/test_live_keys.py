"""Keys of the live view: the decoder (pure), the reader over a real pipe, cbreak on a pty."""

from __future__ import annotations

import os
import queue
import termios

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenscontrol.cli.start.keys import ESC_WAIT_S, KeyDecoder, KeyReader, cbreak

UP, DOWN, RIGHT = b"\x1b[A", b"\x1b[B", b"\x1b[C"


@pytest.mark.parametrize(
    ("data", "keys"),
    [
        (UP, ["up1"]),
        (DOWN, ["down1"]),
        (b"\x1bOA\x1bOB", ["up1", "down1"]),  # application cursor mode (SS3)
        (b"+=-_", ["up1", "up1", "down1", "down1"]),
        (b"][", ["up2", "down2"]),
        (b" ", ["pause"]),
        (b"q", ["stop"]),
        (b"Q", ["stop"]),
        (RIGHT + b"\x1b[1;5A", []),  # other keys and modified arrows do nothing
        (b"x\r\n\t1", []),
        (b"\x1bq", ["stop"]),  # Esc then a plain key: the Esc counts, the key is dropped
    ],
)
def test_bytes_become_key_names(data: bytes, keys: list[str]) -> None:
    assert KeyDecoder().feed(data) == keys


def test_a_lone_esc_is_a_stop_only_once_the_sequence_does_not_go_on() -> None:
    decoder = KeyDecoder()
    assert decoder.feed(b"\x1b") == []
    assert decoder.pending
    assert decoder.flush() == ["stop"]
    assert not decoder.pending


def test_an_arrow_split_across_reads_is_one_key() -> None:
    decoder = KeyDecoder()
    assert decoder.feed(b"\x1b") == []
    assert decoder.feed(b"[") == []
    assert decoder.feed(b"A") == ["up1"]
    assert decoder.flush() == []


def test_an_endless_unknown_sequence_is_forgotten() -> None:
    decoder = KeyDecoder()
    assert decoder.feed(b"\x1b[" + b"1" * 40) == []
    assert decoder.feed(b"q") == ["stop"]


@given(st.lists(st.binary(max_size=8), max_size=20))
def test_any_bytes_give_only_known_key_names(chunks: list[bytes]) -> None:
    decoder = KeyDecoder()
    keys = [key for chunk in chunks for key in decoder.feed(chunk)] + decoder.flush()
    assert set(keys) <= {"up1", "down1", "up2", "down2", "pause", "stop"}


def test_the_reader_calls_back_for_keys_written_to_a_real_pipe() -> None:
    read_fd, write_fd = os.pipe()
    got: queue.SimpleQueue[str] = queue.SimpleQueue()
    try:
        with KeyReader(read_fd, got.put):
            os.write(write_fd, UP + b"]")
            assert [got.get(timeout=2), got.get(timeout=2)] == ["up1", "up2"]
            os.write(write_fd, b"\x1b")  # a lone Esc: stop, after ESC_WAIT_S of quiet
            assert got.get(timeout=2 + ESC_WAIT_S) == "stop"
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_the_reader_ends_at_end_of_file() -> None:
    read_fd, write_fd = os.pipe()
    reader = KeyReader(read_fd, lambda key: None)
    with reader:
        os.close(write_fd)
        reader._thread.join(timeout=2)
        assert not reader._thread.is_alive()
    os.close(read_fd)


def test_cbreak_takes_a_terminal_and_gives_its_settings_back() -> None:
    controller, terminal = os.openpty()
    try:
        with os.fdopen(terminal, "r", closefd=False) as stream:
            before = termios.tcgetattr(terminal)
            with cbreak(stream) as fd:
                assert fd == terminal
                during = termios.tcgetattr(terminal)
                assert not during[3] & termios.ICANON  # keys one by one
                assert not during[3] & termios.ECHO
                assert during[3] & termios.ISIG  # Ctrl-C still stops the session
            assert termios.tcgetattr(terminal) == before
    finally:
        os.close(controller)
        os.close(terminal)


def test_cbreak_gives_back_the_terminal_after_an_error() -> None:
    controller, terminal = os.openpty()
    try:
        with os.fdopen(terminal, "r", closefd=False) as stream:
            before = termios.tcgetattr(terminal)
            with pytest.raises(RuntimeError), cbreak(stream):
                raise RuntimeError("boom")
            assert termios.tcgetattr(terminal) == before
    finally:
        os.close(controller)
        os.close(terminal)


def test_cbreak_on_something_that_is_not_a_terminal_yields_none() -> None:
    read_fd, write_fd = os.pipe()
    try:
        with os.fdopen(read_fd, "r", closefd=False) as stream, cbreak(stream) as fd:
            assert fd is None
    finally:
        os.close(read_fd)
        os.close(write_fd)
