"""Prove that every exercise check checks: the reference passes, the student's
stub and every wrong answer of the corpus fail, the student version runs to the end.

For each notebook: its source (notebooks/<file>), its student version
(generated now from the source, as `make student` does) and its wrong-answer
corpus (tests/exercises/<stem>.py, WRONG_ANSWERS) go into a container of the
notebook's image, offline, where tools/exercise_runner.py runs them in SMOKE mode.
Two notebooks at a time. Writes build/exercises/report.{json,md}.

Usage: python -m tools.exercises [FILE ...]     (default: every notebook; needs the built images)
"""

from __future__ import annotations

import argparse
import json
import runpy
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from dlcourse.manifest import ROOT, load_course, load_images
from tools import student
from tools.cli import cli, say, verdict
from tools.docker_cli import DockerError, image_exists

RUNNER = ROOT / "tools" / "exercise_runner.py"
CORPUS = ROOT / "tests" / "exercises"
REPORT_DIR = ROOT / "build" / "exercises"


def wrong_answers(file: str) -> dict[str, list[tuple[str, str]]]:
    path = CORPUS / f"{Path(file).stem}.py"
    if not path.exists():
        return {}
    return runpy.run_path(str(path)).get("WRONG_ANSWERS", {})


def run_notebook(file: str) -> dict:
    """Run one notebook's proof in its image; the runner's report plus the notebook's name."""
    images = load_images()
    notebook = next(nb for nb in load_course(images=images).notebooks if nb.file == file)
    image = images.by_environment(notebook.environment)
    corpus = wrong_answers(file)
    report = prove(nbformat.read(notebook.path, as_version=4), corpus, images.ref(image.folder), image.smoke_env)
    return {"notebook": file, "corpus": sum(map(len, corpus.values())), **report}


def prove(source: nbformat.NotebookNode, corpus: dict, ref: str, env: dict[str, str] | None = None) -> dict:
    """Run tools/exercise_runner.py on SOURCE, its student version and CORPUS in a container of image REF."""
    if not image_exists(ref):
        raise DockerError(f"image {ref} is not built (run: make images)")
    work = Path(tempfile.mkdtemp(prefix="exercises-"))
    try:
        work.chmod(0o777)  # the runner writes its report as jovyan (uid 1000)
        nbformat.write(source, work / "source.ipynb")
        (work / "student.ipynb").write_text(student.render(student.generate(source)))
        (work / "corpus.json").write_text(json.dumps(corpus))
        cmd = ["docker", "run", "--rm", "--network", "none", "--user", "1000:1000"]
        cmd += [arg for key, value in (env or {}).items() for arg in ("-e", f"{key}={value}")]
        cmd += ["-v", f"{RUNNER}:/exercise/runner.py:ro", "-v", f"{work}:/exercise/work", ref]
        cmd += ["python", "/exercise/runner.py", "--source", "/exercise/work/source.ipynb"]
        cmd += ["--student", "/exercise/work/student.ipynb", "--corpus", "/exercise/work/corpus.json"]
        cmd += ["--out", "/exercise/work/report.json"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        for line in proc.stdout.splitlines():
            print(f"[{ref.split('/')[-1]}] {line.strip()}", flush=True)
        if proc.returncode != 0 or not (work / "report.json").exists():
            tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
            raise DockerError(f"the exercise runner failed in {ref} (exit {proc.returncode}):\n{tail}")
        return {"image": ref, **json.loads((work / "report.json").read_text())}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def problems(entry: dict) -> list[str]:
    """Everything that makes a notebook's exercises untrustworthy, one line each."""
    name, found = entry["notebook"], []
    source = entry["source"]
    found += [f"{name}: a lesson cell fails in the source: {e}" for e in source["lesson_errors"]]
    if not source["exercises"]:
        found.append(f"{name}: no exercise with an answer cell and a check cell")
    for ex in source["exercises"]:
        where = f"{name} {ex['answer']}"
        if ex["reference"] != "passed":
            found.append(f"{where}: the reference answer does not pass its check: {ex['reference']}")
        stub = ex.get("stub", {})
        if not stub.get("caught") or "is not done yet" not in stub.get("error", ""):
            found.append(f"{where}: the untouched stub must fail with 'Exercise N is not done yet' (got {stub})")
        if len(ex["wrong"]) < 3:
            found.append(f"{where}: {len(ex['wrong'])} wrong answers in the corpus; at least 3 are needed")
        for wrong in ex["wrong"]:
            if wrong.get("problem"):
                found.append(f"{where}: wrong answer '{wrong['why']}' does not even run: {wrong['problem']}")
            elif not wrong["caught"]:
                found.append(f"{where}: the check accepts a wrong answer: {wrong['why']}")
    grades = entry.get("autograde", {})
    if "error" in grades:
        found.append(f"{name}: nbgrader could not grade it: {grades['error']}")
    else:
        reference, untouched = grades["reference"], grades["untouched"]
        if not reference["max_score"] or reference["score"] != reference["max_score"]:
            found.append(
                f"{name}: nbgrader autograde gives the source {reference['score']} of {reference['max_score']}"
            )
        if untouched["score"] != 0:
            found.append(f"{name}: nbgrader autograde gives the untouched student version {untouched['score']} points")
    run = entry["student"]
    if run is None:
        return found
    if run["executed"] != run["code_cells"]:
        found.append(f"{name}: the student version stopped after {run['executed']} of {run['code_cells']} cells")
    failed_checks = set()
    for error in run["errors"]:
        if error["grade"] and "is not done yet" in error["error"]:
            failed_checks.add(error["grade_id"])
        else:
            found.append(f"{name} (student version) cell {error['cell']}: {error['error']}")
    missing = [c for c in run["checks"] if c not in failed_checks]
    if missing:
        found.append(f"{name} (student version): these checks do not fail on the untouched notebook: {missing}")
    return found


def markdown(report: list[dict]) -> str:
    lines = ["# Exercise checks", "", "| notebook | exercises | points | wrong answers | caught | seconds |"]
    lines.append("|---|---:|---:|---:|---:|---:|")
    for e in report:
        exercises = e["source"]["exercises"]
        wrong = [w for ex in exercises for w in ex["wrong"]]
        caught = sum(w["caught"] for w in wrong)
        share = f"{100 * caught / len(wrong):.0f}%" if wrong else "-"
        points = sum(ex["points"] for ex in exercises)
        lines.append(f"| {e['notebook']} | {len(exercises)} | {points} | {len(wrong)} | {share} | {e['seconds']} |")
    return "\n".join(lines) + "\n"


def run_all(files: list[str]) -> list[dict]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        report = list(pool.map(run_notebook, files))
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    (REPORT_DIR / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (REPORT_DIR / "report.md").write_text(markdown(report))
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="notebook files (default: all in the manifest)")
    opts = parser.parse_args(argv)
    known = [nb.file for nb in load_course().notebooks]
    unknown = [f for f in opts.files if f not in known]
    if unknown:
        parser.error(f"not in notebooks/course.toml: {unknown}")
    say(f"exercise checks of {len(opts.files or known)} notebook(s), in their images (SMOKE=True)")
    report = run_all(opts.files or known)
    found = [p for entry in report for p in problems(entry)]
    return verdict(markdown(report), found, f"{REPORT_DIR.relative_to(ROOT)}/report.md")


if __name__ == "__main__":
    cli(main, DockerError)
