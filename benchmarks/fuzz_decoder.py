"""Decoder fuzzing, on demand: a million inputs through ``FrameDecoder`` and ``decode_message``.

Run: ``python benchmarks/fuzz_decoder.py [--inputs 1000000] [--seed 1] [--seconds S]``.
``--hypothesis`` drives the same checks through Hypothesis' ``fuzz_one_input`` instead (slower);
``--replay FILE`` re-runs one reproducer written by an earlier run.

Uses atheris when it is importable (``--atheris``; coverage-guided, runs until stopped),
otherwise a self-contained seeded random + mutation fuzzer. Inputs mix pure random bytes,
mutated valid frames of every message type, truncated and concatenated frames, long runs
without a delimiter, and CRC-valid frames around damaged payloads (so the payload decoders,
not the CRC, meet the damage). Each input is fed in random chunks to a fresh decoder and
checked against section 2 of firmware_protocol.md, re-implemented independently in the
oracle the fuzz test shares (``tests/protocol/wire_oracle.py``; ``--hypothesis`` draws its
streams from ``tests/protocol/wire_strategies.py``, the test's strategies):

- ``feed`` returns only ``Frame``/``FrameFault`` values and never raises;
- the decoder never holds more than 250 bytes;
- each run of bytes ended by ``0x00`` gives exactly one result, the one the spec's receive
  rules give (oversize, stuffing, too short, CRC by zlib, else the frame), whatever the
  chunking; so ``0x00`` always resynchronises, which a valid frame appended after
  ``garbage 0x00`` checks directly;
- a frame is accepted only if its CRC matches, and it re-encodes to exactly its wire bytes;
- ``decode_message`` returns a message that re-encodes to exactly the payload the CRC
  covered (except BOOT's documented reading of unlisted reasons as UNKNOWN), or raises
  ``PayloadError`` with a NAK code; nothing else.

Any failure is printed and its input written, as one hex line per chunk, to
``fuzz-crash-<seed>-<n>.hex`` (in ``--crash-dir``, default the current folder).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import itertools
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

# The oracle and the strategies are the fuzz test's own (one copy each, in tests/protocol).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "protocol"))

from wire_oracle import (
    MAX_PAYLOAD,
    RECEIVER_BUFFER_BOUND,
    Violation,
    check_message,
    check_stream,
    chunked,
)

from tenscontrol.protocol import (
    Ack,
    Boot,
    ChannelCapabilities,
    ChannelTelemetry,
    DeviceState,
    Fault,
    Frame,
    FrameFaultKind,
    Heartbeat,
    Hello,
    Identity,
    IdentityFlag,
    Lead,
    Message,
    MsgType,
    Nak,
    NakCode,
    Pattern,
    PayloadError,
    ResetReason,
    Setpoint,
    Start,
    Stop,
    Telemetry,
    Waveform,
    decode_message,
    encode_frame,
    encode_message,
    encode_payload,
    message_type,
)

POOL_SIZE = 4_096


class Stats:
    """What the run saw."""

    def __init__(self) -> None:
        self.inputs = 0
        self.bytes = 0
        self.frames_ok = 0
        self.messages_ok = 0
        self.resyncs_checked = 0
        self.faults: Counter[str] = Counter()
        self.payload_errors: Counter[str] = Counter()
        self.crashes = 0


def check(chunks: list[bytes], stats: Stats, expect_last: tuple[Message, int] | None) -> None:
    """Feed ``chunks`` to a fresh decoder, check it with the shared oracle, count what it saw;
    raise :class:`Violation` on any breach."""
    checked = check_stream(chunks)
    stats.bytes += sum(len(chunk) for chunk in chunks)
    for _, result in checked:
        if isinstance(result, Frame):
            stats.frames_ok += 1
            outcome = check_message(result)
            if isinstance(outcome, PayloadError):
                stats.payload_errors[NakCode(outcome.code).name] += 1
            else:
                stats.messages_ok += 1
        else:
            stats.faults[result.kind.value] += 1
    if expect_last is not None:
        message, seq = expect_last
        last = checked[-1][1] if checked else None
        if not isinstance(last, Frame) or last.seq != seq or decode_message(last) != message:
            raise Violation(f"no resync: last result {last!r}, expected {message!r}")
        stats.resyncs_checked += 1


# --- random valid messages -----------------------------------------------------------------
def random_message(rng: random.Random) -> Message:
    """Any message of any type, with field values anywhere in their wire ranges."""

    def u(bits: int) -> int:
        # Edges are where decoders break: mostly uniform, often 0 or all ones.
        roll = rng.random()
        return 0 if roll < 0.1 else (1 << bits) - 1 if roll < 0.2 else rng.getrandbits(bits)

    def text() -> str:
        return "".join(chr(rng.randrange(128)) for _ in range(rng.randrange(25)))

    def setpoint() -> Setpoint:
        wave, pattern = rng.choice(list(Waveform)), rng.choice(list(Pattern))
        return Setpoint(u(8), u(32), u(32), u(16), wave, pattern, u(32), u(8))

    kind = rng.randrange(10)
    if kind == 0:
        return Hello(u(8), u(8))
    if kind == 1:
        return Start(u(8), u(16))
    if kind == 2:
        return Stop() if rng.random() < 0.5 else Heartbeat()
    if kind == 3:
        return setpoint()
    if kind == 4:
        caps = tuple(
            ChannelCapabilities(
                u(32), u(32), u(32), u(16), u(16), u(8), u(8), u(32), u(32), u(8), u(8)
            )
            for _ in range(rng.randrange(5))
        )
        firmware = (u(8), u(8), u(8))
        return Identity(
            *(u(8), u(8), u(8), u(8)),
            IdentityFlag(u(8)),
            firmware,
            text(),
            text(),
            *(u(16), u(16), u(16), u(16), u(32)),
            caps,
        )
    if kind == 5:
        request = rng.choice(list(MsgType))
        if request is MsgType.START:
            return Ack(request, Start(u(8), u(16)))
        return Ack(request, setpoint()) if request is MsgType.SET else Ack(request)
    if kind == 6:
        return Nak(u(8), rng.choice(list(NakCode)), u(8))
    if kind == 7:
        channels = tuple(
            ChannelTelemetry(u(32), u(32), rng.choice(list(Lead)), u(16), Fault(u(8)))
            for _ in range(rng.randrange(7))  # at most 6 on the wire (spec 1.1)
        )
        state = rng.choice(list(DeviceState))
        return Telemetry(state, Fault(u(8)), u(16), u(8), u(32), u(32), channels)
    return Boot(rng.choice(list(ResetReason)))


def mutate(rng: random.Random, data: bytes, edits: int) -> bytes:
    """``edits`` random edits: flip a bit, overwrite, insert, delete, truncate, duplicate."""
    out = bytearray(data)
    for _ in range(edits):
        op = rng.randrange(7)
        at = rng.randrange(len(out) + 1)
        if op == 0 or not out:
            out.insert(at, rng.choice((0, 0xFF, rng.randrange(256))))
        elif op == 1:
            out[min(at, len(out) - 1)] ^= 1 << rng.randrange(8)
        elif op == 2:
            out[min(at, len(out) - 1)] = rng.randrange(256)
        elif op == 3:
            del out[min(at, len(out) - 1)]
        elif op == 4:
            del out[at:]
        elif op == 5:
            end = rng.randrange(at, len(out) + 1)
            out[at:at] = out[at:end]
        else:
            out[min(at, len(out) - 1)] = 0  # a delimiter where none belongs
    return bytes(out)


# --- input generators ------------------------------------------------------------------------
class Generator:
    """Seeded inputs, each a list of chunks and, when it ends in a known frame, that frame."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pool: list[tuple[Message, int, bytes]] = []
        while len(self.pool) < POOL_SIZE:  # at most 4 IDENTITY channels: always fits 240 B
            message, seq = random_message(self.rng), self.rng.getrandbits(16)
            self.pool.append((message, seq, encode_message(message, seq)))
        self.kinds: list[Callable[[], bytes]] = [
            self.random_bytes,
            self.mutated_frames,
            self.mutated_frames,
            self.cut_and_joined_frames,
            self.long_run,
            self.damaged_payload,
            self.damaged_payload,
        ]

    def frame(self) -> tuple[Message, int, bytes]:
        return self.pool[self.rng.randrange(POOL_SIZE)]

    def random_bytes(self) -> bytes:
        rng = self.rng
        n = rng.randrange(600)
        if rng.random() < 0.5:
            return rng.randbytes(n)
        alphabet = rng.choice((b"\x00\x01\x02\xff", b"\x01\x02\x03\x04\x05", b"\x00\xfe\xff"))
        return bytes(rng.choices(alphabet, k=n))

    def mutated_frames(self) -> bytes:
        wire = b"".join(self.frame()[2] for _ in range(self.rng.randrange(1, 4)))
        return mutate(self.rng, wire, self.rng.randrange(1, 5))

    def cut_and_joined_frames(self) -> bytes:
        rng, parts = self.rng, []
        for _ in range(rng.randrange(1, 6)):
            wire = self.frame()[2]
            roll = rng.random()
            if roll < 0.4:
                wire = wire[: rng.randrange(len(wire))]  # cut short, maybe delimiter lost
            elif roll < 0.6:
                wire = wire[rng.randrange(len(wire)) :]  # joined mid-frame
            elif roll < 0.7:
                wire = wire[:-1]  # delimiter lost: two frames run together
            parts.append(wire)
            if rng.random() < 0.2:
                parts.append(rng.randbytes(rng.randrange(8)))
        return b"".join(parts)

    def long_run(self) -> bytes:
        rng = self.rng
        n = rng.randrange(RECEIVER_BUFFER_BOUND - 5, 5_000)
        if rng.random() < 0.5:
            return bytes([rng.randrange(1, 256)]) * n
        return bytes(rng.randrange(1, 256) for _ in range(n // 16)) * 16

    def damaged_payload(self) -> bytes:
        """A real payload, damaged, framed again with a correct CRC (and sometimes any type)."""
        rng = self.rng
        message, seq, _ = self.frame()
        payload = mutate(rng, encode_payload(message), rng.randrange(1, 4))[:MAX_PAYLOAD]
        msg_type = message_type(message) if rng.random() < 0.9 else rng.randrange(256)
        return encode_frame(rng.randrange(256) if rng.random() < 0.1 else 1, msg_type, seq, payload)

    def next(self) -> tuple[list[bytes], tuple[Message, int] | None]:
        rng = self.rng
        stream = rng.choice(self.kinds)()
        expect: tuple[Message, int] | None = None
        if rng.random() < 0.3:
            message, seq, wire = self.frame()
            stream += b"\x00" + wire  # resync: garbage, 0x00, then a frame decodes exactly
            expect = (message, seq)
        return split(rng, stream), expect


def split(rng: random.Random, stream: bytes) -> list[bytes]:
    """Random chunks, as serial reads would give them; sometimes one byte at a time."""
    if not stream or rng.random() < 0.3:
        return [stream]
    if rng.random() < 0.02:
        return [stream[i : i + 1] for i in range(len(stream))]
    cuts = sorted(rng.randrange(len(stream) + 1) for _ in range(rng.randrange(1, 8)))
    edges = [0, *cuts, len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(edges)]


# --- drivers ----------------------------------------------------------------------------------
def report_crash(
    stats: Stats, chunks: list[bytes], error: BaseException, seed: int, folder: Path
) -> None:
    """Print a failure and write its reproducer (one hex line per chunk)."""
    stats.crashes += 1
    print(f"CRASH #{stats.crashes} at input {stats.inputs}: {type(error).__name__}: {error}")
    if stats.crashes <= 20:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"fuzz-crash-{seed}-{stats.inputs}.hex"
        lines = [f"# {type(error).__name__}: {error}", *(c.hex() for c in chunks)]
        path.write_text("\n".join(lines) + "\n")
        print(f"  reproducer: {path} (replay with --replay {path})")


def run_random(args: argparse.Namespace, stats: Stats) -> None:
    generator = Generator(args.seed)
    deadline = time.perf_counter() + args.seconds if args.seconds else None
    while stats.inputs < args.inputs:
        if deadline is not None and stats.inputs % 1024 == 0 and time.perf_counter() > deadline:
            break
        chunks, expect = generator.next()
        stats.inputs += 1
        try:
            check(chunks, stats, expect)
        except Exception as error:  # a fuzzer's job: record everything, keep going
            report_crash(stats, chunks, error, args.seed, args.crash_dir)


def run_hypothesis(args: argparse.Namespace, stats: Stats) -> None:
    """Hypothesis reads each random buffer as the choices that build a stream, drawn from the
    fuzz test's own strategy (noise, frames whole, cut or re-framed around a damaged payload,
    runs, delimiters), cut into chunks."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from wire_strategies import streams

    @settings(database=None)
    @given(streams(max_pieces=6), st.lists(st.integers(0, 2_000), max_size=8))
    def target(stream: bytes, cuts: list[int]) -> None:
        last[:] = chunked(stream, cuts)
        check(last, stats, None)

    last: list[bytes] = []  # the chunks of the latest example: what a reproducer holds
    fuzz_one_input = target.hypothesis.fuzz_one_input  # type: ignore[attr-defined]
    rng = random.Random(args.seed)
    deadline = time.perf_counter() + args.seconds if args.seconds else None
    while stats.inputs < args.inputs:
        if deadline is not None and stats.inputs % 1024 == 0 and time.perf_counter() > deadline:
            break
        buffer = rng.randbytes(rng.randrange(16, 4_000))
        stats.inputs += 1
        try:
            fuzz_one_input(buffer)
        except Exception as error:
            report_crash(stats, list(last), error, args.seed, args.crash_dir)


def run_atheris(args: argparse.Namespace, stats: Stats) -> None:  # pragma: no cover
    """Coverage-guided: atheris picks the bytes; the first byte picks the chunk size."""
    atheris = importlib.import_module("atheris")  # optional; never a dependency

    def target(data: bytes) -> None:
        size = (data[0] if data else 0) + 1
        body = data[1:]
        stats.inputs += 1
        check([body[i : i + size] for i in range(0, len(body), size)] or [b""], stats, None)

    atheris.Setup([sys.argv[0], f"-runs={args.inputs}", f"-seed={args.seed}"], target)
    atheris.Fuzz()


def replay(path: Path) -> int:
    chunks = [bytes.fromhex(line) for line in path.read_text().splitlines() if line[:1] != "#"]
    stats = Stats()
    check(chunks, stats, None)  # raises with the traceback if it still fails
    print(f"{path}: no failure ({stats.frames_ok} frames, faults {dict(stats.faults)})")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--inputs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=0.0, help="stop after this long")
    parser.add_argument("--crash-dir", type=Path, default=Path())
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--hypothesis", action="store_true", help="use fuzz_one_input")
    mode.add_argument("--atheris", action="store_true", help="coverage-guided, if installed")
    mode.add_argument("--replay", type=Path, help="re-run one reproducer file")
    args = parser.parse_args()
    if args.replay:
        return replay(args.replay)
    if args.atheris and importlib.util.find_spec("atheris") is None:
        parser.error("atheris is not installed; run without --atheris for the built-in fuzzer")
    stats = Stats()
    runner = run_atheris if args.atheris else run_hypothesis if args.hypothesis else run_random
    mode_name = runner.__name__.removeprefix("run_")
    print(f"fuzzing FrameDecoder + decode_message: mode {mode_name}, seed {args.seed}")
    began = time.perf_counter()
    runner(args, stats)
    wall = time.perf_counter() - began
    print(f"inputs run          {stats.inputs:>12,}  ({stats.bytes / 1e6:,.1f} MB)")
    print(f"wall time           {wall:>12.1f} s")
    print(f"inputs/s            {stats.inputs / wall:>12,.0f}")
    print(f"frames decoded ok   {stats.frames_ok:>12,}  (CRC passed)")
    print(f"messages decoded    {stats.messages_ok:>12,}")
    print(f"resyncs checked     {stats.resyncs_checked:>12,}")
    for kind in FrameFaultKind:
        print(f"fault {kind.value:<13} {stats.faults[kind.value]:>12,}")
    print("PayloadError, by the NAK code it carries:")
    for code, count in sorted(stats.payload_errors.items()):
        print(f"  {code:<17} {count:>12,}")
    print(f"crashes             {stats.crashes:>12,}")
    return 1 if stats.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
