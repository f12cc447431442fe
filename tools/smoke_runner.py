"""Runs inside a course image (standard library + the image's papermill).

Two jobs, results as JSON in the output folder:
  --plan plan.json   run each notebook of /opt/course with papermill, SMOKE=True,
                     the image's own python3 kernel, a wall-clock budget each
  --check            the package check: the framework imports, its version, and
                     its CUDA libraries load
One line of progress per notebook goes to stdout.
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import importlib
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import time

COURSE = "/opt/course"
PAPERMILL_CELLS = {"injected-parameters", "papermill-error-cell-tag"}


def first_error(executed: str) -> dict:
    """Where an executed notebook failed: the cell number in the original notebook and the error."""
    with open(executed) as fh:
        nb = json.load(fh)
    index = 0
    for cell in nb["cells"]:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & PAPERMILL_CELLS:
            continue
        index += 1
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                source = "".join(cell.get("source", "")).strip().splitlines()
                return {
                    "cell": index,
                    "cell_source": source[0][:120] if source else "",
                    "error": f"{output.get('ename')}: {output.get('evalue')}"[:500],
                }
    return {}


def stderr_lines(executed: str) -> list[str]:
    with open(executed) as fh:
        nb = json.load(fh)
    lines: list[str] = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines += [line for line in "".join(output.get("text", "")).splitlines() if line.strip()]
    return lines


def run_notebook(name: str, budget: int, out_dir: str, course: str = COURSE) -> dict:
    source = os.path.join(course, name)
    executed = os.path.join(out_dir, name)
    result = {"notebook": name, "budget": budget}
    if not os.path.exists(source):
        return {
            **result,
            "status": "missing",
            "seconds": 0.0,
            "error": f"{source} is not in the image: rebuild it (make images)",
        }
    workdir = tempfile.mkdtemp(prefix="smoke-")
    cmd = [
        sys.executable,
        "-m",
        "papermill",
        source,
        executed,
        "-p",
        "SMOKE",
        "True",
        "-k",
        "python3",
        "--cwd",
        workdir,
        "--no-progress-bar",
        "--log-level",
        "ERROR",
    ]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=budget)
        seconds = time.monotonic() - start
    except subprocess.TimeoutExpired:
        return {
            **result,
            "status": "timeout",
            "seconds": float(budget),
            "error": f"still running after its budget of {budget} s (course.toml smoke_budget)",
        }
    result["seconds"] = round(seconds, 1)
    if proc.returncode == 0:
        result["status"] = "passed"
        result["stderr"] = stderr_lines(executed)[:20]
        return result
    result["status"] = "failed"
    detail = first_error(executed) if os.path.exists(executed) else {}
    if not detail:
        detail = {"error": (proc.stderr.strip().splitlines() or ["papermill failed"])[-1][:500]}
    return {**result, **detail}


def package_check(framework: str, cuda_libs: list[str]) -> dict:
    """The same for every image (images.toml says what): the framework imports and has
    a version, and each CUDA library it ships loads. What is particular to one
    framework (its CUDA build, the devices it sees) is in tests/images/<image>/."""
    report: dict = {"python": sys.version.split()[0], "framework": framework or None}
    if framework:
        report["version"] = importlib.import_module(framework).__version__
    site = sysconfig.get_paths()["purelib"]
    loaded, missing = [], []
    for lib in cuda_libs:
        found = sorted(glob.glob(os.path.join(site, "nvidia", "**", f"{lib}*"), recursive=True))
        try:
            ctypes.CDLL(found[0])
            loaded.append(os.path.basename(found[0]))
        except (IndexError, OSError):
            missing.append(lib)
    report["cuda_libs"] = loaded
    report["missing_cuda_libs"] = missing
    report["status"] = "passed" if not missing else "failed"
    return report


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--plan")
    parser.add_argument("--course", default=COURSE, help="folder holding the notebooks (default: the image's course)")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--framework", default="")
    parser.add_argument("--cuda-lib", action="append", default=[])
    opts = parser.parse_args()
    if opts.check:
        try:
            report = package_check(opts.framework, opts.cuda_lib)
        except Exception as err:  # report any import/load problem as a failed check
            report = {"status": "failed", "error": f"{type(err).__name__}: {err}"}
        with open(os.path.join(opts.out, "check.json"), "w") as fh:
            json.dump(report, fh, indent=2)
        print(
            f"   package check: {report['status']} {json.dumps({k: v for k, v in report.items() if k != 'status'})}",
            flush=True,
        )
        return 0
    with open(opts.plan) as fh:
        plan = json.load(fh)
    results = []
    for item in plan:
        result = run_notebook(item["file"], item["budget"], opts.out, opts.course)
        results.append(result)
        line = f"   {result['status']:<8} {result['seconds']:6.1f} s  {item['file']}"
        if result["status"] != "passed":
            where = f"cell {result['cell']}: " if result.get("cell") else ""
            line += f"\n            {where}{result.get('error', '')}"
        print(line, flush=True)
        with open(os.path.join(opts.out, "results.json"), "w") as fh:
            json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
