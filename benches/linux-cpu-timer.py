#!/usr/bin/env python3
"""Run a guest and time the lines of its serial console as they arrive.

usage: linux-cpu-timer.py LOG -- COMMAND [ARG...]

Runs COMMAND with stdin from /dev/null, its stdout (the guest's serial console) on a pipe and
its stderr in LOG.err; the console goes to LOG. Prints one line:
  start_s end_s cpu_s
the host's monotonic time, in seconds from just before COMMAND started, at which the lines
`TRAPEZE-BENCH: start` and `TRAPEZE-BENCH: end` arrived, and the CPU time (user+sys) of the
whole run. A marker not seen is `-` and the exit status is 1. Stops COMMAND after
LINUX_CPU_TIMEOUT seconds (default 3600).
"""
import os
import signal
import subprocess
import sys
import time


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    log_path, command = argv[1], argv[3:]
    timeout = float(os.environ.get("LINUX_CPU_TIMEOUT", "3600"))
    marks = {b"TRAPEZE-BENCH: start": None, b"TRAPEZE-BENCH: end": None}
    with open(log_path, "wb") as log, open(log_path + ".err", "wb") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        signal.signal(signal.SIGALRM, lambda *_: proc.kill())
        signal.alarm(int(timeout))
        # Line by line as the emulator writes them (trapeze flushes its serial output at each
        # newline, QEMU writes each byte); the time is taken when the line is complete.
        for line in iter(proc.stdout.readline, b""):
            now = time.monotonic()
            log.write(line)
            for mark, seen in marks.items():
                if seen is None and line.rstrip(b"\r\n") == mark:
                    marks[mark] = now - t0
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = status
        signal.alarm(0)
    fmt = lambda t: "-" if t is None else "%.3f" % t
    start, end = marks.values()
    print(fmt(start), fmt(end), "%.1f" % (usage.ru_utime + usage.ru_stime))
    return 0 if start is not None and end is not None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
