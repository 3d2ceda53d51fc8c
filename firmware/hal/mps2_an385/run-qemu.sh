#!/usr/bin/env bash
# Run the mps2-an385 firmware under QEMU with UART0 on a new pty, like `tens simulate --pty`:
# the first stdout line is "port: <path>"; SIGINT or SIGTERM stops QEMU and exits 0.
#
#   firmware/hal/mps2_an385/run-qemu.sh [ELF]   (default: firmware/build/tens-fw-mps2.elf)
#
# No -icount: the firmware's time is TIMER0, which QEMU runs on the host's clock (with
# -icount it would follow the instruction count, not the wall). QEMU does not model the
# baud rate.
#
# The pty is held open here for QEMU's whole life, and "port:" is printed only once bytes
# pass through it both ways. QEMU's pty backend reads nothing while no process has the pty
# open, and then looks for one only once a second (a timer): a host's first bytes waited
# up to 1 s after every open, longer than a host's 3 x 250 ms handshake (issue 15). Held,
# the backend finds the holder at its first look (when the UART comes up, or at the next
# tick) and never loses it, so every host's bytes reach the firmware at once, as on a real
# serial port. The proof that it reads: the holder writes a lone 0x00 (an empty frame) and
# waits for the one the firmware answers with while it holds BOOT (board.c); a byte from
# the firmware alone proves nothing, QEMU may pass those before it reads. What the
# firmware sends while no host has the port open then waits in the pty (about 20 KB; past
# that the firmware's writes give up), and a host's open discards it (pyserial flushes
# input on open); what it sent before the first look may be lost, so it holds BOOT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
elf=${1:-$here/../../build/tens-fw-mps2.elf}
if [ ! -f "$elf" ]; then
    echo "error: $elf not found: build it with 'make -C firmware mps2'" >&2
    exit 2
fi
if ! command -v qemu-system-arm >/dev/null 2>&1; then
    echo "error: qemu-system-arm not found: apt-get install qemu-system-arm" >&2
    exit 2
fi

coproc QEMU { exec qemu-system-arm -M mps2-an385 -nographic -monitor none -serial pty \
    -kernel "$elf" 2>&1; }
qemu_pid=$QEMU_PID
exec {qemu_out}<&"${QEMU[0]}" # a plain descriptor: a coproc's is not passed to children
stop() {
    kill -TERM "$qemu_pid" 2>/dev/null || true
}
trap stop INT TERM

port=""
while IFS= read -r -t 10 line <&"$qemu_out"; do
    case $line in
    *"char device redirected to "*)
        port=${line#*redirected to }
        port=${port%% *}
        break
        ;;
    esac
done
if [ -z "$port" ]; then
    echo "error: QEMU did not name its pty" >&2
    stop
    exit 1
fi

# The holder: opens the pty, sends a lone 0x00, takes the firmware's answer, says so, then
# keeps the pty open until QEMU is gone. A child, never this shell: it cannot become a
# session's controlling terminal, and it ends with QEMU even if this script is killed.
exec {held}< <(
    {
        printf '\0' >&0
        dd bs=1 count=1 status=none of=/dev/null && echo found
        exec tail --pid="$qemu_pid" -f /dev/null
    } <>"$port" 2>/dev/null
)
holder_pid=$!
stop() {
    kill -TERM "$qemu_pid" "$holder_pid" 2>/dev/null || true
}
found=""
IFS= read -r -t 5 found <&"$held" || true
if [ "$found" != found ]; then
    echo "error: no answer through $port within 5 s: QEMU is not passing bytes, or $elf" \
        "is not this board's firmware (it answers a lone 0x00 while it holds BOOT)" >&2
    stop
    exit 1
fi
echo "port: $port"
# keep reading what QEMU prints, so that it never blocks on a full pipe
cat <&"$qemu_out" >/dev/null &
# a signal ends the first wait early (the trap runs); wait again so QEMU is reaped
wait "$qemu_pid" || true
wait "$qemu_pid" 2>/dev/null || true
kill -TERM "$holder_pid" 2>/dev/null || true
exit 0
