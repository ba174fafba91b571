"""Atomic writes: an interrupted write never leaves half a file where the last good one was."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from twinning_kg.publishing.files import chunks, write_atomically


def test_write_atomically_writes_the_bytes_and_reports_size_and_sha256(tmp_path: Path) -> None:
    data = b"x" * 200_000
    digest = write_atomically(tmp_path / "sub" / "file.bin", chunks(data))
    assert (tmp_path / "sub" / "file.bin").read_bytes() == data
    assert digest.size == len(data)
    assert digest.sha256 == hashlib.sha256(data).hexdigest()


def test_a_write_that_fails_half_way_leaves_the_previous_file_byte_for_byte(
    tmp_path: Path,
) -> None:
    target = tmp_path / "dump.ttl"
    write_atomically(target, [b"the last good build\n"])
    before = target.read_bytes()

    def half_then_fail() -> Iterator[bytes]:
        yield b"half of the new "
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_atomically(target, half_then_fail())
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["dump.ttl"], "no temporary file is left"


def test_an_interrupt_half_way_also_leaves_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "dump.ttl"
    write_atomically(target, [b"old"])

    def interrupted() -> Iterator[bytes]:
        yield b"new"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, interrupted())
    assert target.read_bytes() == b"old"
    assert len(list(tmp_path.iterdir())) == 1
