"""Zip bombs and peak memory, for the tests of what an upload may cost."""

from __future__ import annotations

import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

MB = 1024 * 1024
T = TypeVar("T")


def peak_memory(call: Callable[[], T]) -> tuple[T, int]:
    """What `call` returns, and the most memory Python held while it ran (tracemalloc)."""
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def zip_bomb(path: Path, *, megabytes: int = 200, part: str = "mimetype") -> Path:
    """A zip file (a couple of hundred KB) whose one part expands to `megabytes` of zeros,
    written in 1 MB chunks so that making it holds no more than that."""
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as made,
        made.open(part, "w") as inside,
    ):
        for _ in range(megabytes):
            inside.write(bytes(MB))
    assert path.stat().st_size < 300_000
    return path
