"""``twinning-kg build``: what it writes, byte-identical rebuilds, atomic replacement, staleness."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import ROOT
from tests.rdf_files import parse_rdf
from twinning_kg.cli import main
from twinning_kg.publishing.build import MANIFEST, ensure_build, is_current, read_manifest
from twinning_kg.publishing.dumps import DUMP_FORMATS
from twinning_kg.publishing.files import FileDigest
from twinning_kg.settings import Settings

EXPECTED_FILES = sorted(
    [MANIFEST]
    + [f"{stem}.{ext}" for stem in ("catalog", "void") for ext in ("jsonld", "nt", "rdf", "ttl")]
    + ["dumps/SHA256SUMS"]
    + [
        f"dumps/{stem}{fmt.suffix}"
        for stem in ("twinning", "ontology", "city-siedlce")
        for fmt in DUMP_FORMATS
    ]
)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINNING_")}
    env.update(extra)
    return env


def test_build_writes_dumps_catalogue_void_checksums_and_a_manifest(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(main, ["build", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(_files(tmp_path / "out")) == EXPECTED_FILES
    assert "built" in result.output
    assert "5," in result.output or "triples" in result.output


def test_sha256sums_and_the_manifest_describe_the_files_exactly(settings: Settings) -> None:
    out = settings.build_dir
    manifest = read_manifest(out)
    assert manifest is not None
    for name, digest in manifest.files.items():
        data = (out / name).read_bytes()
        assert digest == FileDigest(size=len(data), sha256=hashlib.sha256(data).hexdigest())
    sums = (out / "dumps" / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert len(sums) == 3 * len(DUMP_FORMATS)
    for line in sums:
        checksum, name = line.split("  ")
        assert hashlib.sha256((out / "dumps" / name).read_bytes()).hexdigest() == checksum


def test_dumps_hold_the_whole_graph_and_keep_named_graphs_where_they_can(
    settings: Settings,
) -> None:
    manifest = read_manifest(settings.build_dir)
    assert manifest is not None
    for stem in ("twinning", "ontology", "city-siedlce"):
        for fmt in DUMP_FORMATS:
            data = (settings.build_dir / "dumps" / f"{stem}{fmt.suffix}").read_bytes()
            triples, graphs = parse_rdf(data, fmt.media_type, compressed=fmt.compressed)
            assert len(triples) == manifest.triples[stem], f"{stem}{fmt.suffix}"
            if fmt.keeps_graphs:
                prefix = "https://twinning.example.org/graph/"
                assert graphs and all(g.startswith(prefix) for g in graphs)
                if stem == "twinning":
                    assert {g.removeprefix(prefix).split("/")[0] for g in graphs} == {
                        "ontology",
                        "data",
                        "shapes",
                    }
                if stem == "city-siedlce":
                    assert all(g.startswith(prefix + "data/siedlce/") for g in graphs)


def test_the_same_input_gives_byte_identical_files(runner: CliRunner, tmp_path: Path) -> None:
    """Built twice, once here and once in another process with another hash seed."""
    first, second = tmp_path / "first", tmp_path / "second"
    assert runner.invoke(main, ["build", "--out", str(first)]).exit_code == 0
    subprocess.run(
        [sys.executable, "-m", "twinning_kg", "build", "--out", str(second)],
        cwd=ROOT,
        env=_clean_env(PYTHONHASHSEED="4242"),
        check=True,
        capture_output=True,
        timeout=120,
    )
    one, two = _files(first), _files(second)
    assert sorted(one) == sorted(two) == EXPECTED_FILES
    different = [name for name in one if one[name] != two[name]]
    assert different == []


def test_build_if_stale_does_nothing_for_a_current_build_and_rebuilds_after_a_change(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = str(tmp_path / "out")
    assert runner.invoke(main, ["build", "--out", out]).exit_code == 0
    again = runner.invoke(main, ["build", "--out", out, "--if-stale"])
    assert again.exit_code == 0
    assert "current" in again.output
    changed = runner.invoke(
        main, ["build", "--out", out, "--if-stale"], env={"TWINNING_PUBLISHER_NAME": "Gmina X"}
    )
    assert changed.exit_code == 0
    assert "built" in changed.output
    assert "Gmina X" in (tmp_path / "out" / "catalog.ttl").read_text(encoding="utf-8")


def test_a_build_is_current_until_the_data_or_a_setting_changes(tmp_path: Path) -> None:
    settings = Settings(root=ROOT, build_dir=tmp_path / "b")
    assert not is_current(settings, tmp_path / "b")
    assert ensure_build(settings) is True
    assert is_current(settings, tmp_path / "b")
    assert ensure_build(settings) is False
    assert not is_current(Settings(root=ROOT, licence_iri="https://x.example/l"), tmp_path / "b")
    (tmp_path / "b" / "dumps" / "twinning.ttl").unlink()
    assert not is_current(settings, tmp_path / "b")


def test_build_fails_cleanly_when_the_output_cannot_be_written(
    runner: CliRunner, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(main, ["build", "--out", str(blocker / "out")])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") or "error: " in result.output
    assert "Traceback" not in result.output
