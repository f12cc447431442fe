"""Image CI: run, inside each built image, every notebook that image can run.

The foundations notebooks run in every image (students open them there too);
each framework's notebooks run in its own image. Each run is papermill with
SMOKE=True, the image's kernel, the manifest's wall-clock budget, no network
(--network none proves the course runs offline). Plus a package check per image.

Writes build/smoke/report.json and build/smoke/report.md (image, notebook,
status, seconds, and each image's size) and exits non-zero if anything failed,
naming the image, the notebook, the cell and the error.

Usage: python3 -m tools.smoke [image ...] [--notebook FILE ...]     (make smoke)
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dlcourse.manifest import NOTEBOOKS, ROOT, Images, load_course, load_images
from tools.cli import cli, say, verdict, write_report
from tools.docker_cli import DockerError, image_exists, image_size_mb
from tools.result_cache import ResultCache, image_digest, key, ran, reuse_or_run

REPORT_DIR = ROOT / "build" / "smoke"
RUNNER = ROOT / "tools" / "smoke_runner.py"


def _docker_run(ref: str, out: Path, env: dict[str, str], args: list[str]) -> None:
    cmd = [
        "docker",
        "run",
        "--rm",
        "--network",
        "none",
        "--user",
        "1000:1000",
        "-v",
        f"{RUNNER}:/smoke/runner.py:ro",
        "-v",
        f"{out}:/smoke/out",
        "-v",
        f"{NOTEBOOKS}:/smoke/course:ro",  # the sources: reference solutions in, every check must pass
    ]
    for name, value in env.items():
        cmd += ["-e", f"{name}={value}"]
    cmd += [ref, "python", "/smoke/runner.py", "--out", "/smoke/out", *args]
    tag = ref.split(":")[0].split("/")[-1]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        for line in proc.stdout:  # progress, one line per notebook, named by image
            print(f"[{tag}] {line.rstrip()}", flush=True)
    if proc.returncode != 0:
        raise DockerError(f"the smoke runner itself failed in {ref} (exit {proc.returncode})")


def run_image(images: Images, folder: str, only: set[str] | None = None, inherited_only: bool = False) -> dict:
    """Smoke-test one image; returns its report entry. INHERITED_ONLY: only the notebooks of
    the environments it builds on (make test: the exercise proof runs each notebook in its own image)."""
    image = images.images[folder]
    ref = images.ref(folder)
    if not image_exists(ref):
        raise DockerError(f"image {ref} is not built (run: make images)")
    course = load_course(images=images)
    notebooks = course.for_environments({images.images[f].environment for f in images.lineage(folder)})
    if only is not None:
        notebooks = [nb for nb in notebooks if nb.file in only]
    if inherited_only:
        notebooks = [nb for nb in notebooks if nb.environment != image.environment]
    out = REPORT_DIR / folder
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    out.chmod(0o777)  # written by jovyan (uid 1000) inside the container

    start = time.monotonic()
    cache, runner, digest = ResultCache.from_env(), RUNNER.read_bytes(), image_digest(ref)

    def check(_names: list[str]) -> dict[str, dict]:
        say(f"{ref}: package check")
        args = ["--check", "--framework", image.framework]
        for lib in image.cuda_libs:
            args += ["--cuda-lib", lib]
        _docker_run(ref, out, image.smoke_env, args)
        return {"check": json.loads((out / "check.json").read_text())}

    def smoke(files: list[str]) -> dict[str, dict]:
        say(f"{ref}: {len(files)} notebooks (SMOKE=True), {len(notebooks) - len(files)} passed before as they are")
        budgets = {nb.file: nb.smoke_budget for nb in notebooks}
        (out / "plan.json").write_text(json.dumps([{"file": f, "budget": budgets[f]} for f in files]))
        _docker_run(ref, out, image.smoke_env, ["--plan", "/smoke/out/plan.json", "--course", "/smoke/course"])
        return {r["notebook"]: r for r in json.loads((out / "results.json").read_text())}

    same = {"image": digest, "runner": runner, "env": image.smoke_env}
    check_key = key(kind="check", framework=image.framework, libs=image.cuda_libs, **same)
    checked = reuse_or_run(cache, {"check": check_key}, check, lambda c: c.get("status") == "passed")["check"]
    keys = {
        nb.file: key(kind="smoke", budget=nb.smoke_budget, notebook=(NOTEBOOKS / nb.file).read_bytes(), **same)
        for nb in notebooks
    }
    results = reuse_or_run(cache, keys, smoke, lambda r: not notebook_problems(ref, r))
    return {
        "image": ref,
        "folder": folder,
        "size_mb": round(image_size_mb(ref)),
        "check": checked,
        "notebooks": list(results.values()),
        "seconds": round(time.monotonic() - start, 1),
    }


def failures(entry: dict) -> list[str]:
    problems = []
    if entry["check"].get("status") != "passed":
        problems.append(f"{entry['image']}: package check failed: {json.dumps(entry['check'])}")
    for r in entry["notebooks"]:
        problems += notebook_problems(entry["image"], r)
    return problems


def notebook_problems(ref: str, r: dict) -> list[str]:
    """What failed in one notebook's smoke run R in image REF (nothing: it passed)."""
    if r["status"] != "passed":
        where = f" cell {r['cell']} ({r.get('cell_source', '')})" if r.get("cell") else ""
        return [f"{ref}: {r['notebook']}:{where} {r['status']}: {r.get('error', '')}"]
    if r.get("stderr"):  # warnings a student would see in red
        return [f"{ref}: {r['notebook']}: wrote to stderr: {' | '.join(r['stderr'][:3])}"]
    return []


def markdown(report: list[dict]) -> str:
    lines = [
        "# Smoke report",
        "",
        "| image | size (MB) | framework | CUDA libraries | check |",
        "|---|---:|---|---|---|",
    ]
    for e in report:
        c = e["check"]
        fw = f"{c.get('framework')} {c.get('version')}" if c.get("framework") else "none"
        lines.append(
            f"| {e['image']} | {e['size_mb']} | {fw} | {', '.join(c.get('cuda_libs', [])) or '-'} | {c.get('status')} |"
        )
    lines += ["", "| image | notebook | status | seconds | budget | ran |", "|---|---|---|---:|---:|---|"]
    for e in report:
        for r in e["notebooks"]:
            lines.append(
                f"| {e['image']} | {r['notebook']} | {r['status']} | {r['seconds']} | {r['budget']} | {ran(r)} |"
            )
    return "\n".join(lines) + "\n"


def run_all(
    images: Images, folders: list[str], only: set[str] | None = None, inherited_only: bool = False
) -> list[dict]:
    """Smoke-test these images, two at a time (each run mostly waits on one core),
    and write the report (build/smoke/report.json and .md). The entries come back in build order."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        report = list(pool.map(lambda folder: run_image(images, folder, only, inherited_only), folders))
    write_report(REPORT_DIR, report, markdown(report))
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="*", help="folders under images/ (default: all)")
    parser.add_argument("--notebook", action="append", help="only these notebook files")
    opts = parser.parse_args(argv)
    images = load_images()
    unknown = [i for i in opts.images if i not in images.images]
    if unknown:
        parser.error(f"unknown image(s) {unknown}; allowed: {list(images.images)}")
    folders = [f for f in images.build_order() if not opts.images or f in opts.images]
    report = run_all(images, folders, set(opts.notebook) if opts.notebook else None)
    problems = [p for e in report for p in failures(e)]
    return verdict(markdown(report), problems, f"{REPORT_DIR.relative_to(ROOT)}/report.md")


if __name__ == "__main__":
    cli(main, DockerError)
