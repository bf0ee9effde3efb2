"""Packaging: a deterministic code zip, and a locked dependency layer built outside previews."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from data_plane_runs import one, outputs, run
from payments.handlers import migrator
from pcizone.config.loader import find_repo_root
from pcizone.offline.errors import ProgramError
from pcizone.offline.runner import run_stack
from pcizone.payments_deploy import layer, layer_artifact, layer_lock
from pcizone.payments_deploy.archive import lambda_code_hash, sha256_hex, zip_bytes
from pcizone.payments_deploy.code_package import build_code_package

REPO = find_repo_root()


def _copy_service(tmp_path: Path) -> Path:
    shutil.copytree(
        REPO / "services" / "payments" / "payments",
        tmp_path / "services" / "payments" / "payments",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(
        REPO / "services" / "payments" / "migrations",
        tmp_path / "services" / "payments" / "migrations",
    )
    return tmp_path


def test_code_zip_is_deterministic_and_holds_the_package_and_migrations(tmp_path: Path) -> None:
    root = _copy_service(tmp_path)
    first = build_code_package(root)
    data = (root / first.path).read_bytes()
    assert sha256_hex(data) == first.sha256
    (root / first.path).unlink()
    # Same tree, different mtimes and a stray bytecode file: the same bytes again.
    (root / "services/payments/payments/__pycache__").mkdir()
    (root / "services/payments/payments/__pycache__/x.cpython-312.pyc").write_bytes(b"\0")
    for path in (root / "services/payments/payments").rglob("*.py"):
        path.touch()
    again = build_code_package(root)
    assert again == first and (root / again.path).read_bytes() == data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert "payments/handlers/api.py" in names and "payments/handlers/migrator.py" in names
    assert "migrations/0001_payments.sql" in names
    assert not [n for n in names if n.endswith(".pyc") or "__pycache__" in n]
    assert first.lambda_hash == lambda_code_hash(first.sha256)


def test_code_change_is_a_new_zip_and_only_migrations_move_the_migration_hash(
    tmp_path: Path,
) -> None:
    root = _copy_service(tmp_path)
    before = build_code_package(root)
    (root / "services/payments/payments/handlers/api.py").write_text(
        "# changed\n", encoding="utf-8"
    )
    code_changed = build_code_package(root)
    assert code_changed.sha256 != before.sha256
    assert code_changed.migrations_sha256 == before.migrations_sha256
    (root / "services/payments/migrations/0099_extra.sql").write_text(
        "SELECT 1;\n", encoding="utf-8"
    )
    migration_added = build_code_package(root)
    assert migration_added.migrations_sha256 != before.migrations_sha256


def test_the_migrator_computes_the_same_migrations_hash_as_the_deploy() -> None:
    package = build_code_package(REPO)
    assert (
        migrator.migrations_digest(REPO / "services/payments/migrations")
        == package.migrations_sha256
    )


def test_zip_bytes_ignore_input_order() -> None:
    entries = [("b.txt", b"2"), ("a/x.py", b"1")]
    assert zip_bytes(entries) == zip_bytes(list(reversed(entries)))


def test_layer_zip_leaves_out_per_machine_files(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "pkg").mkdir(parents=True)
    (site / "pkg/__init__.py").write_text("x = 1\n")
    (site / "pkg-1.0.dist-info").mkdir()
    for name in ("METADATA", "RECORD", "INSTALLER", "REQUESTED", "direct_url.json"):
        (site / "pkg-1.0.dist-info" / name).write_text(name)
    (site / "bin").mkdir()
    (site / "bin/tool").write_text("#!/somewhere/python\n")
    with zipfile.ZipFile(io.BytesIO(layer.layer_zip(site))) as archive:
        assert archive.namelist() == ["python/pkg-1.0.dist-info/METADATA", "python/pkg/__init__.py"]


def test_the_committed_lock_is_complete() -> None:
    lock = layer_lock.read_lock()
    assert lock.python == "3.12"
    assert lock.platforms == ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
    names = {p.name for p in lock.pins}
    assert {"psycopg", "psycopg-binary", "pydantic", "pydantic-core", "structlog", "boto3"} <= names
    assert all(len(h) == 64 for p in lock.pins for h in p.sha256)
    assert lock.artifact_path == f"build/layer/payments-deps-{lock.layer_sha256[:16]}.zip"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(layerSha256=""), "incomplete (a hash is missing)"),
        (
            lambda d: d.update(platforms=["manylinux2014_x86_64"]),
            "locked for Python 3.12 on manylinux2014_x86_64",
        ),
        (lambda d: d.pop("packages"), "unreadable (KeyError"),
    ],
)
def test_a_broken_lock_is_one_clear_error(tmp_path: Path, edit: object, message: str) -> None:
    data = json.loads(layer_lock.LOCK_FILE.read_text())
    edit(data)  # type: ignore[operator]
    path = tmp_path / "layer.lock.json"
    path.write_text(json.dumps(data))
    with pytest.raises(layer_lock.LayerLockError, match=re.escape(message)):
        layer_lock.read_lock(path)
    with pytest.raises(layer_lock.LayerLockError, match="missing; run `make layer`"):
        layer_lock.read_lock(tmp_path / "absent.json")


def test_a_build_that_differs_from_the_lock_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layer, "install_and_zip", lambda pins, cache: b"not the locked layer")
    with pytest.raises(layer_lock.LayerLockError, match=re.escape("differs from layer.lock.json")):
        layer.build(tmp_path)
    assert not (tmp_path / "build").exists()


def test_preview_declares_the_locked_layer_whether_or_not_it_is_built() -> None:
    lock = layer_lock.read_lock()
    recorded = run("dev-alice")
    version = one(recorded.resources, "aws:lambda/layerVersion:LayerVersion", "payments-layer")
    assert version.inputs["code"].path == lock.artifact_path
    assert version.inputs["sourceCodeHash"] == lock.lambda_hash
    assert version.inputs["compatibleArchitectures"] == ["arm64"]
    assert version.inputs["compatibleRuntimes"] == ["python3.12"]
    built = (REPO / lock.artifact_path).is_file()
    # The recorded archive hash is the file's when built, absent when not: never a guess.
    assert (
        (version.inputs["code"].sha256 == lock.layer_sha256)
        if built
        else version.inputs["code"].sha256 is None
    )


def test_status_needs_no_network(capsys: pytest.CaptureFixture[str]) -> None:
    assert layer.main(["status"]) == 0
    line = capsys.readouterr().out
    assert line.startswith("layer build/layer/payments-deps-")
    assert "psycopg-binary==3.3.9" in line


def _lock_for_a_layer_nobody_built(tmp_path: Path) -> layer_lock.LayerLock:
    data = json.loads(layer_lock.LOCK_FILE.read_text())
    data["layerSha256"] = hashlib.sha256(b"a layer this machine never built").hexdigest()
    path = tmp_path / "layer.lock.json"
    path.write_text(json.dumps(data))
    return layer_lock.read_lock(path)


def test_without_the_built_layer_a_preview_still_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = _lock_for_a_layer_nobody_built(tmp_path)
    monkeypatch.setattr(layer_lock, "LOCK_FILE", tmp_path / "layer.lock.json")
    assert not (REPO / lock.artifact_path).exists()
    recorded = run_stack("dev-alice", stack_outputs={"org": outputs("org"), "dev": outputs("dev")})
    version = one(recorded.resources, "aws:lambda/layerVersion:LayerVersion", "payments-layer")
    assert version.inputs["code"].path == lock.artifact_path
    assert version.inputs["code"].sha256 is None  # nothing read: the file does not exist
    assert version.inputs["sourceCodeHash"] == lock.lambda_hash


def test_a_real_deploy_without_the_built_layer_stops_with_what_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = _lock_for_a_layer_nobody_built(tmp_path)
    monkeypatch.setattr(layer_lock, "LOCK_FILE", tmp_path / "layer.lock.json")
    monkeypatch.setattr(layer_artifact, "_deploying_for_real", lambda: True)
    with pytest.raises(ProgramError) as raised:
        run_stack("dev-alice", stack_outputs={"org": outputs("org"), "dev": outputs("dev")})
    assert (
        f"the Lambda dependency layer {lock.artifact_path} is not built: run `make layer`"
        in str(raised.value)
    )
