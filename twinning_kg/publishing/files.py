"""Atomic file writes: a temporary file in the same folder, fsync, then rename over the target.

An interrupted write (an exception, a full disk, a killed process) never leaves half a file
where the last good one was: readers see the old file or the new one, nothing in between.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final, cast

CHUNK_BYTES: Final = 1 << 16


@dataclass(frozen=True, slots=True)
class FileDigest:
    """What a harvester checks: the size in bytes and the SHA-256 of a written file."""

    size: int
    sha256: str


def chunks(data: bytes, size: int = CHUNK_BYTES) -> Iterable[bytes]:
    """Split ``data`` into pieces of at most ``size`` bytes.

    >>> [len(piece) for piece in chunks(b"x" * 5, size=2)]
    [2, 2, 1]
    """
    for start in range(0, len(data), size):
        yield data[start : start + size]


class _DigestWriter:
    """A binary file that also counts and hashes what goes through it."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self.handle.flush()


def write_atomically(path: Path, pieces: Iterable[bytes]) -> FileDigest:
    """Write ``pieces`` to ``path`` through a temporary file renamed into place at the end.

    If anything fails before the rename, the temporary file is removed and ``path`` keeps its
    previous content byte for byte. The folder is created if it is missing.

    :raises OSError: when the folder or the file cannot be written (``path`` is left as it was).
    """

    def produce(output: BinaryIO) -> None:
        for piece in pieces:
            output.write(piece)

    return write_streamed(path, produce)


def write_streamed(path: Path, produce: Callable[[BinaryIO], None]) -> FileDigest:
    """Like :func:`write_atomically`, for a writer that ``produce`` writes to as it goes.

    :raises OSError: when the folder or the file cannot be written (``path`` is left as it was).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as handle:
            writer = _DigestWriter(handle)
            produce(cast(BinaryIO, writer))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return FileDigest(size=writer.size, sha256=writer.digest.hexdigest())
