"""Regenerate every image's lock (requirements.lock, with hashes) from its requirements.in.

Locks are for the images' platform: Linux x86_64 (manylinux_2_28) and the Python
of the images' Debian release (images/images.toml). A framework image's lock is
resolved with the foundations lock as constraints, so the packages the images
share keep the same versions everywhere.

The course layer (images/course/requirements.in: what every image adds on top of its stack)
is resolved with the foundations lock as constraints too. The hub image (hub/requirements.in)
is locked the same way.

Usage: python -m tools.lock [image ... | course | hub]     (make lock)
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from dlcourse.manifest import ROOT, load_images

PLATFORM = "x86_64-manylinux_2_28"
COURSE = "course"  # images/course: the layer every image adds on top of its stack
# Left out of every lock, with their reasons (uv's --no-emit-package; the images install
# locks with --no-deps and `pip check` still passes):
LEFT_OUT = {
    # jsonschema's optional checker of the "iri" format, pulled in by jupyter-events'
    # jsonschema[format-nongpl]: it compiles an Earley grammar at import, 1.5 to 1.8 CPU-seconds
    # in every process that imports jsonschema (each Jupyter server start, the hub, papermill,
    # nbgrader). Without it jsonschema skips that one format check.
    "rfc3987-syntax": "1.5 CPU-s at every Jupyter server start",
    "lark": "only rfc3987-syntax needs it",
}


def pins_without_hashes(lock: Path) -> str:
    """The `name==version` lines of a lock, usable as pip/uv constraints."""
    return (
        "\n".join(m.group(0) for m in re.finditer(r"^[A-Za-z0-9_.\-\[\]]+==[^\s\\;]+", lock.read_text(), re.M)) + "\n"
    )


def compile_lock(folder: Path, python: str, constraints: Path | None) -> None:
    cmd = [
        sys.executable,
        "-m",
        "uv",
        "pip",
        "compile",
        "requirements.in",
        "--python-version",
        python,
        "--python-platform",
        PLATFORM,
        "--generate-hashes",
        "--native-tls",
        "--quiet",
        "--custom-compile-command",
        "make lock",
        "-o",
        "requirements.lock",
    ]
    for package in LEFT_OUT:
        cmd += ["--no-emit-package", package]
    if constraints:
        cmd += ["--constraint", str(constraints)]
    print(f"==> locking {folder.relative_to(ROOT)} (Python {python}, {PLATFORM})", flush=True)
    subprocess.run(cmd, cwd=folder, check=True)


def main(argv: list[str]) -> int:
    images = load_images()
    wanted = argv or [*images.images, COURSE, "hub"]
    unknown = [name for name in wanted if name not in images.images and name not in (COURSE, "hub")]
    if unknown:
        print(f"error: unknown image(s) {unknown}; images are {list(images.images)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        for name in images.build_order():
            if name not in wanted:
                continue
            parent = images.images[name].parent
            constraints = None
            if parent:
                constraints = Path(tmp) / f"{parent}.txt"
                constraints.write_text(pins_without_hashes(ROOT / "images" / parent / "requirements.lock"))
            compile_lock(ROOT / "images" / name, images.python, constraints)
        if COURSE in wanted:  # on top of every stack: the foundations pins, which every stack shares
            constraints = Path(tmp) / "foundations.txt"
            constraints.write_text(pins_without_hashes(ROOT / "images" / "foundations" / "requirements.lock"))
            compile_lock(ROOT / "images" / COURSE, images.python, constraints)
    if "hub" in wanted:  # the hub image runs on the same Debian release
        compile_lock(ROOT / "hub", images.python, None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
