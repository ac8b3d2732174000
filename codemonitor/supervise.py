"""Keep a command running: start it again whenever it dies.

    python -m codemonitor.supervise [--pause SECONDS] -- COMMAND [ARGUMENT …]

`make run` runs the background worker under it. The command is started again `--pause` seconds
(2 by default) after it ends with a failure or is killed; the supervisor ends with it when it
exits successfully. SIGTERM, SIGINT and SIGHUP are passed on to the command, and the supervisor
then ends when the command does. On a server the service manager does this job instead
(docs/DEPLOYMENT.md: a systemd unit with Restart=always). Needs no Django.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from types import FrameType

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def supervise(command: Sequence[str], pause: float = 2.0) -> int:
    """Run `command` until it succeeds or a signal asks it to stop; its last exit code."""
    stop = threading.Event()
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, frame: FrameType | None) -> None:
        stop.set()
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    for signum in FORWARDED:
        signal.signal(signum, forward)
    code = 0
    while not stop.is_set():
        # In a process group of its own: Ctrl+C in a terminal reaches the supervisor only,
        # which passes it on once (a second signal would make the worker drop its task).
        child = subprocess.Popen(command, process_group=0)  # noqa: S603 (the caller's own)
        if stop.is_set():  # the signal came while it was starting
            child.terminate()
        code = child.wait()
        if code == 0 or stop.is_set():
            break
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        print(
            f"supervise: {command[0]} {how}; starting it again in {pause:g} s",
            file=sys.stderr,
            flush=True,
        )
        stop.wait(pause)
    return code if code >= 0 else 128 - code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pause", type=float, default=2.0, help="seconds before a restart")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGUMENT …]")
    options = parser.parse_args(argv)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("no command to supervise")
    return supervise(command, options.pause)


if __name__ == "__main__":
    sys.exit(main())
