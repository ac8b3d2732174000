"""A process of a test's own whose output (stdout and stderr together) is read as it comes."""

from __future__ import annotations

import signal
import subprocess
import threading

import pytest

from tests.test_settings import ROOT

DEADLINE = 60  # seconds for any one step


class Process:
    """A process whose output (stdout and stderr together) is read as it comes."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()
        with self.changed:
            self.process.wait()
            self.changed.notify_all()

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)

    def wait_for(self, text: str, times: int = 1) -> None:
        """Until `text` has been printed `times` times; fails if the process ends first."""
        with self.changed:
            self.changed.wait_for(
                lambda: self.count(text) >= times or self.process.poll() is not None, DEADLINE
            )
        if self.count(text) < times:
            state = "ended" if self.process.poll() is not None else "is still running"
            pytest.fail(f"{text!r} not printed {times}x; the process {state}:\n{self.output}")

    @property
    def output(self) -> str:
        return "".join(self.lines)[-3000:]

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
            try:
                self.process.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.reader.join(timeout=10)
        return self.process.returncode
