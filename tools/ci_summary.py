"""The hosted workflow's job summary: the smoke report, and the executed notebook of each failure.

`make smoke` (and the image tests of `make test-images`) write build/smoke/report.json and
report.md; the executed notebook of every run lies beside them, in build/smoke/<image folder>/
(tools/smoke_runner.py writes it there). This prints the report as Markdown for the job summary,
then every failure (the list `make smoke` ends with), and copies the executed notebook of each
failed run to build/smoke/failed/<image folder>/, which the workflow uploads with the report.
The exercise proofs' table (build/exercises/report.md) follows when `make test-images` wrote one.

Usage: python3 -m tools.ci_summary >> "$GITHUB_STEP_SUMMARY"      (.github/workflows/)
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from dlcourse.manifest import ROOT
from tools.smoke import failures

SMOKE_DIR = ROOT / "build" / "smoke"
EXERCISES_DIR = ROOT / "build" / "exercises"


def failed_runs(report: list[dict]) -> list[tuple[str, str]]:
    """(image folder, notebook) of each run that did not pass, or passed but wrote to stderr
    (tools.smoke.failures counts both)."""
    return [
        (entry["folder"], run["notebook"])
        for entry in report
        for run in entry["notebooks"]
        if run["status"] != "passed" or run.get("stderr")
    ]


def collect_failed(report: list[dict], smoke_dir: Path, failed_dir: Path) -> list[Path]:
    """Copy the executed notebook of each failed run to FAILED_DIR/<folder>/<notebook>; returns the copies.
    A run stopped before papermill wrote its notebook has none to copy."""
    shutil.rmtree(failed_dir, ignore_errors=True)
    copies = []
    for folder, notebook in failed_runs(report):
        executed = smoke_dir / folder / notebook
        if executed.is_file():
            copy = failed_dir / folder / notebook
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(executed, copy)
            copies.append(copy)
    return copies


def summary(smoke_dir: Path = SMOKE_DIR, exercises_dir: Path = EXERCISES_DIR) -> str:
    """The Markdown of the job summary; copies the failures' notebooks to SMOKE_DIR/failed/ on the way."""
    parts = []
    report_file = smoke_dir / "report.json"
    if report_file.is_file():
        report = json.loads(report_file.read_text())
        parts.append((smoke_dir / "report.md").read_text())
        problems = [problem for entry in report for problem in failures(entry)]
        copies = collect_failed(report, smoke_dir, smoke_dir / "failed")
        if problems:
            lines = ["## Failures", "", *(f"- {problem}" for problem in problems), ""]
            if copies:
                names = ", ".join(f"`{copy.relative_to(smoke_dir)}`" for copy in copies)
                lines += [f"Executed notebooks, in the job's artifact: {names}.", ""]
            parts.append("\n".join(lines))
    else:
        parts.append(
            "# Smoke report\n\nNo smoke report was written: the image build or the smoke run stopped "
            "before it (see the job's log).\n"
        )
    exercises = exercises_dir / "report.md"
    if exercises.is_file():
        parts.append(exercises.read_text())
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    if argv:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    print(summary(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
