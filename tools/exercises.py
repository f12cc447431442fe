"""Prove that every exercise check checks: the reference passes, the student's
stub and every wrong answer of the corpus fail, the student version runs to the end.

For each notebook: its source (notebooks/<file>), its student version
(generated now from the source, as `make student` does) and its wrong-answer
corpus (tests/exercises/<stem>.py, WRONG_ANSWERS) go into a container of the
notebook's image, offline, where tools/exercise_runner.py runs them in SMOKE mode:
one container per image for all of its notebooks, two images at a time. nbgrader's
run of the source is each notebook's smoke run in its own image (time within the
manifest's budget, nothing on stderr). Writes build/exercises/report.{json,md}.

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
from tools.cli import cli, say, verdict, write_report
from tools.docker_cli import DockerError, image_exists
from tools.result_cache import ResultCache, image_digest, key, ran, reuse_or_run

RUNNER = ROOT / "tools" / "exercise_runner.py"
SMOKE_RUNNER = ROOT / "tools" / "smoke_runner.py"  # the runner imports its stderr_lines
CORPUS = ROOT / "tests" / "exercises"
REPORT_DIR = ROOT / "build" / "exercises"


def wrong_answers(file: str) -> dict[str, list[tuple[str, str]]]:
    path = CORPUS / f"{Path(file).stem}.py"
    if not path.exists():
        return {}
    return runpy.run_path(str(path)).get("WRONG_ANSWERS", {})


def run_image(folder: str, notebooks: list) -> list[dict]:
    """Prove these notebooks (manifest entries) in one container of image FOLDER; one entry each.
    A notebook whose proof passed before with the same inputs (image, source, student version,
    corpus, runners, environment: tools/result_cache.py) is not run again."""
    images = load_images()
    image, ref = images.images[folder], images.ref(folder)
    if not image_exists(ref):
        raise DockerError(f"image {ref} is not built (run: make images)")
    batch = {nb.file: (nb, nbformat.read(nb.path, as_version=4), wrong_answers(nb.file)) for nb in notebooks}
    same = {
        "image": image_digest(ref),
        "runners": RUNNER.read_bytes() + SMOKE_RUNNER.read_bytes(),
        "env": image.smoke_env,
    }
    keys = {
        file: key(
            kind="exercises",
            source=nb.path.read_bytes(),
            student=student.render(student.generate(source)),
            corpus=corpus,
            **same,
        )
        for file, (nb, source, corpus) in batch.items()
    }

    def run(files: list[str]) -> dict[str, dict]:
        say(f"{ref}: proving {len(files)} notebook(s), {len(batch) - len(files)} passed before as they are")
        todo = [batch[f] for f in files]
        reports = prove([(Path(nb.file).stem, source, corpus) for nb, source, corpus in todo], ref, image.smoke_env)
        return {
            nb.file: {"notebook": nb.file, "budget": nb.smoke_budget, "corpus": sum(map(len, corpus.values())), **r}
            for (nb, _, corpus), r in zip(todo, reports, strict=True)
        }

    results = reuse_or_run(ResultCache.from_env(), keys, run, lambda entry: not problems(entry))
    return [results[nb.file] for nb in notebooks]


def prove(
    batch: list[tuple[str, nbformat.NotebookNode, dict]], ref: str, env: dict[str, str] | None = None
) -> list[dict]:
    """Run tools/exercise_runner.py in one container of image REF on each (name, source, corpus) of
    BATCH, with the student version generated from the source; the runner's report for each."""
    if not image_exists(ref):
        raise DockerError(f"image {ref} is not built (run: make images)")
    work = Path(tempfile.mkdtemp(prefix="exercises-"))
    try:
        work.chmod(0o777)  # the runner writes its reports as jovyan (uid 1000)
        plan = []
        for name, source, corpus in batch:
            nbformat.write(source, work / f"{name}.source.ipynb")
            (work / f"{name}.student.ipynb").write_text(student.render(student.generate(source)))
            (work / f"{name}.corpus.json").write_text(json.dumps(corpus))
            inside = f"/exercise/work/{name}"
            plan.append(
                {
                    "name": name,
                    "source": f"{inside}.source.ipynb",
                    "student": f"{inside}.student.ipynb",
                    "corpus": f"{inside}.corpus.json",
                    "out": f"{inside}.report.json",
                }
            )
        (work / "plan.json").write_text(json.dumps(plan))
        cmd = ["docker", "run", "--rm", "--network", "none", "--user", "1000:1000"]
        cmd += [arg for key, value in (env or {}).items() for arg in ("-e", f"{key}={value}")]
        cmd += ["-v", f"{RUNNER}:/exercise/runner.py:ro", "-v", f"{SMOKE_RUNNER}:/exercise/smoke_runner.py:ro"]
        cmd += ["-v", f"{work}:/exercise/work", ref]
        cmd += ["python", "/exercise/runner.py", "--plan", "/exercise/work/plan.json"]
        tag = ref.split(":")[0].split("/")[-1]
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
            for line in proc.stdout:  # progress, one line per exercise, named by image
                print(f"[{tag}] {line.rstrip()}", flush=True)
            errors = proc.stderr.read()
        missing = [name for name, _, _ in batch if not (work / f"{name}.report.json").exists()]
        if proc.returncode != 0 or missing:
            tail = "\n".join(errors.strip().splitlines()[-15:])
            raise DockerError(
                f"the exercise runner failed in {ref} (exit {proc.returncode}, no report for {missing}):\n{tail}"
            )
        return [{"image": ref, **json.loads((work / f"{name}.report.json").read_text())} for name, _, _ in batch]
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
    reference = entry.get("reference_run") or {}
    if reference.get("stderr"):  # nbgrader's run of the source is the notebook's smoke run in its own image
        found.append(f"{name}: wrote to stderr (a student sees it in red): {' | '.join(reference['stderr'][:3])}")
    if reference.get("seconds", 0) > entry.get("budget", float("inf")):
        found.append(
            f"{name}: the smoke run took {reference['seconds']} s, over its budget of {entry['budget']} s "
            "(course.toml smoke_budget)"
        )
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
    lines = ["# Exercise checks", ""]
    lines += ["| notebook | exercises | points | wrong answers | caught | smoke run (s) | proof (s) | ran |"]
    lines.append("|---|---:|---:|---:|---:|---:|---:|---|")
    for e in report:
        exercises = e["source"]["exercises"]
        wrong = [w for ex in exercises for w in ex["wrong"]]
        caught = sum(w["caught"] for w in wrong)
        share = f"{100 * caught / len(wrong):.0f}%" if wrong else "-"
        points = sum(ex["points"] for ex in exercises)
        smoke = (e.get("reference_run") or {}).get("seconds", "-")
        lines.append(
            f"| {e['notebook']} | {len(exercises)} | {points} | {len(wrong)} | {share} | {smoke} | {e['seconds']} "
            f"| {ran(e)} |"
        )
    return "\n".join(lines) + "\n"


def run_all(files: list[str]) -> list[dict]:
    """Prove FILES, one container per image (the most notebooks first), two images at a time; the
    entries come back in the order of FILES. Writes build/exercises/report.{json,md}."""
    images = load_images()
    by_folder: dict[str, list] = {}
    for nb in load_course(images=images).notebooks:
        if nb.file in files:
            by_folder.setdefault(images.by_environment(nb.environment).folder, []).append(nb)
    batches = sorted(by_folder.items(), key=lambda item: -len(item[1]))
    with ThreadPoolExecutor(max_workers=2) as pool:
        entries = [e for batch in pool.map(lambda item: run_image(*item), batches) for e in batch]
    report = sorted(entries, key=lambda e: files.index(e["notebook"]))
    write_report(REPORT_DIR, report, markdown(report))
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
