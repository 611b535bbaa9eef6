#!/usr/bin/env python3
"""Time a MicroVAX 3900 from power-on to the console prompt and to 4.3BSD's shell.

usage: vax-boot-timer.py LABEL -- COMMAND [ARG...]

Runs COMMAND on a pseudo-terminal (as a person at the console would see it), waits for the
console ROM's `>>>`, types `boot dua0`, waits for the single-user `# `, types an `echo` and
waits for its output, then stops the command. Prints one line:
  LABEL prompt_s shell_s
(wall seconds from the start to `>>>` and to `# `); a point not reached is `-` (the reason
goes to stderr and the exit status is 1). VAX_BOOT_LOG=FILE keeps the console output.
"""
import os
import pty
import select
import signal
import sys
import time

TIMEOUT = 600.0


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    label, command = argv[1], argv[3:]
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    seen = b""
    log = open(os.environ.get("VAX_BOOT_LOG", os.devnull), "wb")

    def wait_for(text):
        nonlocal seen
        want = text.encode()
        while want not in seen:
            left = t0 + TIMEOUT - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{label}: no '{text}' after {TIMEOUT:g} s")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                raise EOFError(f"{label}: the emulator ended before '{text}'")
            log.write(chunk)
            seen += chunk
            if b"\nsim> " in seen:  # SIMH stopped and gave its own prompt
                raise EOFError(f"{label}: the simulator stopped before '{text}'")
        seen = seen[seen.index(want) + len(want):]
        return time.monotonic() - t0

    def type_line(line):
        for ch in line.encode() + b"\r":
            os.write(fd, bytes([ch]))
            time.sleep(0.02)

    prompt = shell = None
    try:
        prompt = wait_for(">>>")
        type_line("boot dua0")
        wait_for("Automatic reboot failed")
        shell = wait_for("# ")
        type_line('echo ok-"bench"')
        wait_for("ok-bench")
    except (TimeoutError, EOFError) as e:
        print(e, file=sys.stderr)
        shell = None
    finally:
        try:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        except OSError:
            pass
    fmt = lambda t: "-" if t is None else f"{t:.2f}"
    print(f"{label} {fmt(prompt)} {fmt(shell)}")
    return 0 if shell is not None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
