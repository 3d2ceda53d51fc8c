#!/usr/bin/env bash
# Run the mps2-an385 firmware under QEMU with UART0 on a new pty, like `tens simulate --pty`:
# the first stdout line is "port: <path>"; SIGINT or SIGTERM stops QEMU and exits 0.
#
#   firmware/hal/mps2_an385/run-qemu.sh [ELF]   (default: firmware/build/tens-fw-mps2.elf)
#
# No -icount: the firmware's time is TIMER0, which QEMU runs on the host's clock (with
# -icount it would follow the instruction count, not the wall). QEMU does not model the
# baud rate; bytes sent while no host has the pty open are lost (the firmware holds BOOT).
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
echo "port: $port"
# keep reading what QEMU prints, so that it never blocks on a full pipe
cat <&"$qemu_out" >/dev/null &
# a signal ends the first wait early (the trap runs); wait again so QEMU is reaped
wait "$qemu_pid" || true
wait "$qemu_pid" 2>/dev/null || true
exit 0
