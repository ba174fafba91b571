"""Reload the data: parse and validate into a new store, never replacing good data with bad.

One reload at a time across all server processes (a lock file); the process that reloads writes
a generation file, and the others notice it and load the same, already validated, data.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from twinning_kg.errors import (
    DataLoadError,
    ReloadInProgress,
    ReloadRejected,
    ReloadUnsupported,
    TwinningError,
)
from twinning_kg.loading import load_dataset, shown_path, union_graph
from twinning_kg.reports import to_text
from twinning_kg.settings import Settings
from twinning_kg.store import GraphStore
from twinning_kg.store.factory import open_store
from twinning_kg.store.oxigraph import source_version
from twinning_kg.validation import validate_files


@dataclass(frozen=True, slots=True)
class Generation:
    """What the last successful reload loaded."""

    digest: str


def generation_file(settings: Settings) -> Path:
    """Where the digest of the last reloaded data is written."""
    return settings.root / settings.state_dir / "generation.json"


def last_reload_file(settings: Settings) -> Path:
    """Where the outcome of the last reload attempt is written, for every process's /healthz."""
    return settings.root / settings.state_dir / "last-reload.json"


def _write_atomically(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{os.getpid()}.{path.name}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def _shown(exc: DataLoadError, root: Path) -> str:
    """The error's message with its file named relative to ``root`` (no server paths leak)."""
    if not exc.path:
        return exc.message
    return exc.message.replace(exc.path, shown_path(Path(exc.path), root=root), 1)


@contextlib.contextmanager
def reload_lock(settings: Settings) -> Iterator[None]:
    """Hold the server-wide reload lock.

    :raises ReloadInProgress: if another process holds it.
    """
    path = settings.root / settings.state_dir / "reload.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReloadInProgress("A reload is already running; try again when it ends.") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_sources(settings: Settings) -> None:
    """Parse and validate ontology/ and data/ against shapes/.

    :raises ReloadRejected: with ``file:line:col`` or the SHACL report.
    """
    data_paths = [settings.root / settings.ontology_dir, settings.root / settings.data_dir]
    try:
        shapes = union_graph(load_dataset([settings.root / settings.shapes_dir]))
        report = validate_files(data_paths, shapes, root=settings.root)
    except DataLoadError as exc:
        raise ReloadRejected(_shown(exc, settings.root)) from None
    except TwinningError as exc:  # the shapes cannot run: nothing is replaced either
        raise ReloadRejected(f"The data could not be validated: {exc.message}") from None
    if not report.conforms:
        raise ReloadRejected("The data does not conform to the shapes:\n" + to_text(report))


def _build_in_fresh_process(settings: Settings, out: Path) -> None:
    """Run ``twinning-kg load`` in a newly started interpreter, not in this process.

    RocksDB's background threads do not survive a fork, so a forked gunicorn worker should not
    write a store itself; a new interpreter starts clean, and ends (no process is left behind).

    :raises DataLoadError: as build_store does.
    """
    env = {
        **os.environ,
        "TWINNING_ROOT": str(settings.root.resolve()),
        "TWINNING_BASE_IRI": settings.base_iri,
    }
    sources = [str(path) for path in settings.source_dirs]
    command = [sys.executable, "-m", "twinning_kg", "load", "--out", str(out), *sources]
    try:
        done = subprocess.run(  # noqa: S603  # our own interpreter and arguments
            command, env=env, capture_output=True, text=True, timeout=3600, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TwinningError(f"building the store at {out} failed: {exc}") from None
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["no message"]
        raise DataLoadError(lines[-1].removeprefix("error: "), path=str(out))


def load_validated(settings: Settings) -> GraphStore:
    """Check the sources, then build the store the settings name from them.

    :raises ReloadRejected: the data is broken; nothing was replaced.
    :raises ReloadUnsupported: the store cannot be reloaded this way (a remote store).
    """
    spec = settings.store.strip()
    if spec.startswith("sparql:"):
        raise ReloadUnsupported(
            "A remote store is reloaded by pushing to it (twinning-kg push), not here."
        )
    try:
        _, checked = source_version(settings.source_dirs)
    except DataLoadError as exc:
        raise ReloadRejected(_shown(exc, settings.root)) from None
    check_sources(settings)
    try:
        if spec.startswith("oxigraph:"):
            _build_in_fresh_process(settings, Path(spec.partition(":")[2]))
        store = open_store(settings)
    except DataLoadError as exc:
        raise ReloadRejected(_shown(exc, settings.root)) from None
    if store.version.digest != checked.digest:
        raise ReloadRejected(
            "The files changed while the reload checked them; the old data is still served. "
            "Reload again."
        )
    return store


def publish_generation(settings: Settings, digest: str) -> None:
    """Tell the other processes which data to load."""
    _write_atomically(generation_file(settings), {"digest": digest})


def read_generation(settings: Settings) -> Generation | None:
    """The generation the last reload published, if any."""
    try:
        data = json.loads(generation_file(settings).read_text(encoding="utf-8"))
        return Generation(digest=str(data["digest"]))
    except (OSError, ValueError, KeyError):
        return None


def record_reload(settings: Settings, *, ok: bool, error: str | None) -> dict[str, object]:
    """Write the outcome of a reload attempt where every process's /healthz reads it."""
    record: dict[str, object] = {
        "at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "ok": ok,
        "error": error,
    }
    with contextlib.suppress(OSError):
        _write_atomically(last_reload_file(settings), record)
    return record


def read_last_reload(settings: Settings) -> dict[str, object] | None:
    """The outcome of the last reload attempt on this server, if there was one."""
    try:
        data = json.loads(last_reload_file(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
