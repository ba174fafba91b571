"""``twinning-kg build`` interrupted: the disk fills up while it writes (an ``OSError(ENOSPC)``
injected into the write, and a real ``EFBIG`` from ``RLIMIT_FSIZE`` in a subprocess), or the
process is killed with SIGKILL half way. Every time the previous build is still there byte for
byte, and no temporary file is left where a harvester would see it.

The first test moved here from tests/app/test_build.py (issue 8).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

import pytest
from click.testing import CliRunner

from tests.hostile.probes import copy_site
from tests.live_server import server_env
from twinning_kg.cli import main
from twinning_kg.publishing import build as build_module
from twinning_kg.publishing.build import MANIFEST
from twinning_kg.publishing.files import FileDigest, write_atomically

#: Limits a child's file size, ignores SIGXFSZ (so a write past it fails with EFBIG instead of
#: killing the process), then becomes ``python -m twinning_kg ARGS``.
LIMITED: Final = """
import os, resource, signal, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
os.execv(sys.executable, [sys.executable, "-m", "twinning_kg", *sys.argv[2:]])
"""
#: Triples added to the data so that a build takes long enough to be killed while it writes.
BULK_TRIPLES: Final = 10_000


def _files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _build(root: Path, out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "twinning_kg", "build", "--out", str(out)],
        cwd=root,
        env={**server_env(), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def built(tmp_path: Path) -> Iterator[tuple[Path, Path, dict[str, bytes]]]:
    """A copy of the sources, a build of it, and the build's files."""
    root = copy_site(tmp_path / "site")
    out = tmp_path / "out"
    done = _build(root, out)
    assert done.returncode == 0, done.stderr
    yield root, out, _files(out)


def test_a_build_interrupted_half_way_leaves_the_last_good_files_byte_for_byte(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert runner.invoke(main, ["build", "--out", str(out)]).exit_code == 0
    before = _files(out)

    def disk_full_in_the_catalogue(path: Path, pieces: Iterable[bytes]) -> FileDigest:
        if path.name != "catalog.ttl":
            return write_atomically(path, pieces)
        data = b"".join(pieces)

        def half_then_fail() -> Iterator[bytes]:
            yield data[: len(data) // 2]
            raise OSError(28, "No space left on device")

        return write_atomically(path, half_then_fail())

    monkeypatch.setattr(build_module, "write_atomically", disk_full_in_the_catalogue)
    # Another public URL: the new catalogue differs from the old one in every download URL.
    env = {"TWINNING_BASE_URL": "http://mirror.example/"}
    result = runner.invoke(main, ["build", "--out", str(out)], env=env)
    assert result.exit_code == 2
    assert "No space left on device" in result.output
    after = _files(out)
    assert sorted(after) == sorted(before), "no temporary file is left behind"
    assert after["catalog.ttl"] == before["catalog.ttl"]
    assert after[MANIFEST] == before[MANIFEST], "the manifest still describes the last good build"
    assert b"mirror.example" not in after["catalog.ttl"]


def test_a_real_efbig_from_rlimit_fsize_leaves_the_last_build(
    built: tuple[Path, Path, dict[str, bytes]],
) -> None:
    root, out, before = built
    largest = max(len(data) for data in before.values())
    limit = largest // 2
    command = [sys.executable, "-c", LIMITED, str(limit), "build", "--out", str(out)]
    # another public URL: every catalogue and VoID file would differ from the last build's
    env = {**server_env(), "TWINNING_BASE_URL": "http://mirror.example/"}
    done = subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr
    assert "File too large" in errors[0]
    assert "Traceback" not in done.stderr
    assert _files(out) == before  # byte for byte, and no temporary file left


def test_a_build_killed_while_it_writes_leaves_the_last_build(
    built: tuple[Path, Path, dict[str, bytes]], tmp_path: Path
) -> None:
    root, out, before = built
    with (root / "data" / "siedlce" / "bulk.nt").open("w", encoding="utf-8") as file:
        for n in range(BULK_TRIPLES):
            file.write(f'<urn:example:item:{n}> <urn:example:label> "item {n}" .\n')
    command = [sys.executable, "-m", "twinning_kg", "build", "--out", str(out)]
    log = tmp_path / "build.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=root, env=server_env(), stdout=output, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 240
            while not any(path.name.endswith(".tmp") for path in out.rglob(".*")):
                assert process.poll() is None, log.read_text(encoding="utf-8")
                assert time.monotonic() < deadline, "the build never started writing"
                time.sleep(0.005)
            os.kill(process.pid, signal.SIGKILL)  # half way through writing its first file
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    after = _files(out)
    left = sorted(name for name in after if name not in before)
    # the killed process's temporary file may stay, hidden, and is no published file
    assert all(Path(name).name.startswith(".") and name.endswith(".tmp") for name in left), left
    assert after[MANIFEST] == before[MANIFEST]  # the manifest is written last
    # the next build completes over it; the build is deterministic, so each file the killed
    # one left is either the last build's, byte for byte, or exactly what the new build writes
    again = _build(root, out)
    assert again.returncode == 0, again.stderr
    new = _files(out)
    assert new[MANIFEST] != before[MANIFEST]
    torn = [name for name in before if after[name] not in (before[name], new.get(name))]
    assert torn == []
    replaced = [name for name in before if after[name] != before[name]]
    print(f"\n[killed build] files already replaced when killed: {replaced}")
