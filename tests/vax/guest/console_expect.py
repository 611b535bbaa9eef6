#!/usr/bin/env python3
"""Drive an emulator's console as a person would: wait for a prompt, type a line.

usage: console_expect.py [--timeout SECONDS] STEP... -- COMMAND [ARG...]

Each STEP is `expect:TEXT` (wait until TEXT appears in the output after the previous match)
or `send:TEXT` (type TEXT and a newline). The command's standard input is a pipe the steps
write to; its output is copied to our standard output as it arrives. Exit status 0 when every
step was met, 1 (with a one-line reason on stderr) on a time-out or when the command ended
first. The command is stopped when the steps are done.
"""
import os
import select
import signal
import subprocess
import sys
import time


def main(argv):
    timeout = 60.0
    args = argv[1:]
    if args[:1] == ["--timeout"]:
        timeout = float(args[1])
        args = args[2:]
    if "--" not in args:
        print("usage: console_expect.py [--timeout S] STEP... -- COMMAND...", file=sys.stderr)
        return 2
    split = args.index("--")
    steps, command = args[:split], args[split + 1:]
    for step in steps:
        if not (step.startswith("expect:") or step.startswith("send:")):
            print(f"console_expect: bad step '{step}'", file=sys.stderr)
            return 2
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, bufsize=0)
    deadline = time.monotonic() + timeout
    seen = b""
    status = 0
    try:
        for step in steps:
            kind, text = step.split(":", 1)
            if kind == "send":
                child.stdin.write(text.encode() + b"\n")
                child.stdin.flush()
                continue
            want = text.encode()
            while want not in seen:
                left = deadline - time.monotonic()
                if left <= 0:
                    print(f"\nconsole_expect: timed out after {timeout:g} s waiting for '{text}'",
                          file=sys.stderr)
                    return 1
                ready, _, _ = select.select([child.stdout], [], [], left)
                if not ready:
                    continue
                chunk = os.read(child.stdout.fileno(), 4096)
                if not chunk:
                    print(f"\nconsole_expect: the command ended before '{text}' appeared",
                          file=sys.stderr)
                    return 1
                sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
                seen += chunk
            seen = seen[seen.index(want) + len(want):]
        print("\nconsole_expect: all steps done", file=sys.stderr)
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
