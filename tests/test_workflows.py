"""The hosted workflows (.github/workflows/) run the checks of `make test`, in the order the images need.

Checked offline on the parsed YAML: every `make <target>` of a `run:` step exists in the Makefile;
the image matrix is images/images.toml's images in build order, each image in a job that runs after
its parent's; every action is pinned to a full commit SHA with its version in a comment; permissions
are read-only but for the layer cache's `packages: write`, used only on pushes to the default branch; checkouts keep no credentials; no secret is used (pull requests from forks get none).
Each check also runs on a broken copy of the workflow, to show that it fails.
`make lint` validates the same files with actionlint and zizmor."""

import copy
import json
import re
import shlex
import tomllib

import pytest
import yaml

from dlcourse.manifest import ROOT, load_images
from tools import build, ci_summary
from tools.docker_cli import DockerError

WORKFLOWS = ROOT / ".github" / "workflows"
CI = "ci.yml"
IMAGE = "image.yml"
SHA_REF = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+)*\b")
READ_ONLY = {"read", "none"}


def texts() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(WORKFLOWS.glob("*.yml"))}


def parsed() -> dict[str, dict]:
    return {name: yaml.safe_load(text) for name, text in texts().items()}


def triggers(workflow: dict) -> dict:
    """The `on:` table (YAML 1.1, as PyYAML reads it, turns the key `on` into True)."""
    on = workflow.get("on", workflow.get(True))
    return dict.fromkeys(on) if isinstance(on, list) else dict(on or {})


def steps(workflow: dict):
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    rule = re.compile(r"^([A-Za-z0-9_.%/-]+(?:[ \t]+[A-Za-z0-9_.%/-]+)*)[ \t]*:(?!=)", re.M)
    return {name for match in rule.finditer(text) for name in match.group(1).split() if not name.startswith(".")}


def make_calls(script: str) -> list[list[str]]:
    """The targets of each `make` command of a shell script (its options and VAR=value left out).
    `make` counts where a command starts: a line's start, after ; && || | ( or if/then/do/else/while/until/!/sudo/time."""
    calls = []
    for line in script.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        call, command_start = None, True
        for word in lexer:
            operator = set(word) <= set(";&|()")
            if call is not None and operator:
                calls.append(call)
                call = None
            elif call is not None:
                if not word.startswith("-") and "=" not in word:
                    call.append(word)
            elif command_start and word == "make":
                call = []
            command_start = (
                operator
                or word in {"if", "then", "do", "else", "while", "until", "!", "sudo", "time"}
                or (command_start and "=" in word)
            )
        if call is not None:
            calls.append(call)
    return calls


# ---- the checks: each returns the problems it finds (empty: the workflows pass) ----


def missing_make_targets(workflows: dict[str, dict], targets: set[str]) -> list[str]:
    problems = []
    for name, workflow in workflows.items():
        for job_id, step in steps(workflow):
            for call in make_calls(step.get("run", "")):
                if not call:
                    problems.append(f"{name} job {job_id}: a bare `make` (name the target)")
                problems += [
                    f"{name} job {job_id}: `make {t}` is not a Makefile target" for t in call if t not in targets
                ]
    return problems


def image_jobs(workflow: dict) -> dict[str, list[str]]:
    return {
        job_id: list(job["strategy"]["matrix"]["image"])
        for job_id, job in workflow["jobs"].items()
        if "image" in (job.get("strategy") or {}).get("matrix", {})
    }


def upstream(workflow: dict, job_id: str) -> set[str]:
    """Every job that JOB_ID waits for, directly or through others."""
    seen, todo = set(), [job_id]
    while todo:
        needs = workflow["jobs"][todo.pop()].get("needs", [])
        for need in [needs] if isinstance(needs, str) else needs:
            if need not in seen:
                seen.add(need)
                todo.append(need)
    return seen


def matrix_problems(workflow: dict, images) -> list[str]:
    jobs = image_jobs(workflow)
    if not jobs:
        return ["no job has an image matrix (strategy.matrix.image)"]
    # Jobs in the order they run: fewer image jobs before them first.
    ordered = sorted(jobs, key=lambda job_id: len(upstream(workflow, job_id) & set(jobs)))
    listed = [image for job_id in ordered for image in jobs[job_id]]
    problems = []
    missing = [f for f in images.images if f not in listed]
    if missing:
        problems.append(f"images in images/images.toml but not in the matrix: {missing}")
    unknown = sorted({f for f in listed if f not in images.images})
    if unknown:
        problems.append(f"matrix images that images/images.toml does not have: {unknown}")
    twice = sorted({f for f in listed if listed.count(f) > 1})
    if twice:
        problems.append(f"images in the matrix more than once: {twice}")
    if not problems and listed != images.build_order():
        problems.append(f"the matrix runs {listed}; the build order (parents first) is {images.build_order()}")
    for job_id in ordered:
        before = {f for other in upstream(workflow, job_id) & set(jobs) for f in jobs[other]}
        for folder in jobs[job_id]:
            parent = images.images[folder].parent if folder in images.images else ""
            if parent and parent not in before:
                problems.append(f"{folder} (job {job_id}) does not run after its parent {parent}'s job")
    return problems


def uses_refs(workflow: dict) -> list[str]:
    refs = [job["uses"] for job in workflow["jobs"].values() if "uses" in job]
    return refs + [step["uses"] for _, step in steps(workflow) if "uses" in step]


def pinning_problems(workflow: dict, text: str) -> list[str]:
    problems = []
    for ref in uses_refs(workflow):
        if ref.startswith(("./", "$/")):  # this repository, at the commit that runs
            continue
        if not SHA_REF.match(ref):
            problems.append(f"{ref}: not pinned to a full (40-hex) commit SHA")
        lines = [line for line in text.splitlines() if re.search(rf"uses:\s*{re.escape(ref)}(\s|$)", line)]
        if not lines or not all(VERSION_COMMENT.search(line) for line in lines):
            problems.append(f"{ref}: its line needs the version in a trailing comment (# vX.Y.Z)")
    return problems


# The one write a job may hold: packages, for the layer cache (tools/build.py --push-cache), used only
# by steps that run on pushes to the default branch (never for a pull request's code).
CACHE_PUSH_IF = "github.event_name == 'push' && github.ref_name == github.event.repository.default_branch"


def permission_problems(workflow: dict) -> list[str]:
    def writes(permissions) -> set[str]:
        if isinstance(permissions, dict):
            return {scope for scope, value in permissions.items() if value not in READ_ONLY}
        return set() if permissions == "read-all" else {str(permissions)}

    problems = []
    if "permissions" not in workflow:
        problems.append("no top-level `permissions` (the default token may write)")
    elif writes(workflow["permissions"]):
        problems.append(f"top-level permissions {workflow['permissions']!r} are not read-only")
    for job_id, job in workflow["jobs"].items():
        wanted = writes(job.get("permissions", {}))
        token_steps = [step for step in job.get("steps", []) if "github.token" in json.dumps(step)]
        if not wanted:
            continue
        if wanted != {"packages"}:
            problems.append(f"job {job_id}: permissions {job['permissions']!r} are not read-only")
        elif job.get("uses") == f"$/.github/workflows/{IMAGE}":
            continue  # the called job's own permissions and steps are checked in image.yml
        elif not token_steps or any(step.get("if") != CACHE_PUSH_IF for step in token_steps):
            problems.append(
                f"job {job_id}: packages: write, but the token is used by steps that do not run only on "
                f"pushes to the default branch (if: {CACHE_PUSH_IF})"
            )
    return problems


def credential_problems(workflow: dict) -> list[str]:
    return [
        f"job {job_id}: {step['uses']} without `persist-credentials: false`"
        for job_id, step in steps(workflow)
        if step.get("uses", "").startswith("actions/checkout@")
        and (step.get("with") or {}).get("persist-credentials") is not False
    ]


def secret_problems(workflow: dict, text: str) -> list[str]:
    problems = [f"uses secrets: {m.group(0)}" for m in re.finditer(r"\bsecrets\.[A-Za-z_]+", text)]
    if re.search(r"secrets:\s*inherit", text):
        problems.append("passes `secrets: inherit` to a reusable workflow")
    if "pull_request_target" in triggers(workflow):
        problems.append("runs on pull_request_target (a fork's code with the base repository's token)")
    return problems


def python_problems(workflows: dict[str, dict], python: str) -> list[str]:
    """Every setup-python installs the images' Python (the locks are resolved for it)."""
    problems = []
    for name, workflow in workflows.items():
        for job_id, step in steps(workflow):
            if not step.get("uses", "").startswith("actions/setup-python@"):
                continue
            version = str((step.get("with") or {}).get("python-version", ""))
            found = re.fullmatch(r"\$\{\{\s*env\.(\w+)\s*\}\}", version)
            if found:
                version = str(workflow.get("env", {}).get(found.group(1), ""))
            if version != python:
                problems.append(f"{name} job {job_id}: python-version {version!r}, the images have {python}")
    return problems


CHECKS = {
    "make targets": lambda w, t: missing_make_targets(w, makefile_targets()),
    "image matrix": lambda w, t: matrix_problems(w[CI], load_images()),
    "pinned actions": lambda w, t: [p for n in w for p in pinning_problems(w[n], t[n])],
    "read-only permissions": lambda w, t: [p for n in w for p in permission_problems(w[n])],
    "no persisted credentials": lambda w, t: [p for n in w for p in credential_problems(w[n])],
    "no secrets": lambda w, t: [p for n in w for p in secret_problems(w[n], t[n])],
    "the images' Python": lambda w, t: python_problems(w, load_images().python),
}


@pytest.mark.parametrize("check", CHECKS)
def test_the_workflows_pass(check):
    problems = CHECKS[check](parsed(), texts())
    assert not problems, "\n".join(problems)


# ---- each check on a broken copy: (check, what breaks, a part of the expected problem) ----


def _set(path: list, value):
    def mutate(workflows, texts):
        target = workflows
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _run_step(job: str, index: int, script: str):
    def mutate(workflows, texts):
        workflows[CI]["jobs"][job]["steps"][index]["run"] = script

    return mutate


def _replace_text(name: str, old: str, new: str):
    def mutate(workflows, texts):
        assert old in texts[name]
        texts[name] = texts[name].replace(old, new)
        workflows[name] = yaml.safe_load(texts[name])

    return mutate


BROKEN = [
    ("make targets", _run_step("lint", 2, "make lint-workflows"), "`make lint-workflows` is not a Makefile target"),
    ("make targets", _run_step("lint", 2, "make lint && make IMAGES=jax smok"), "`make smok`"),
    ("make targets", _run_step("lint", 2, "cd build; make"), "a bare `make`"),
    ("make targets", _run_step("lint", 2, "if true; then CI=1 make lnt; fi"), "`make lnt`"),
    (
        "image matrix",
        _set([CI, "jobs", "framework-images", "strategy", "matrix", "image"], ["pytorch", "jax"]),
        "['tensorflow']",
    ),
    (
        "image matrix",
        _set([CI, "jobs", "framework-images", "strategy", "matrix", "image"], ["jax", "pytorch", "tensorflow"]),
        "the build order",
    ),
    (
        "image matrix",
        _set([CI, "jobs", "base-image", "strategy", "matrix", "image"], ["foundations", "pytorch"]),
        "more than once",
    ),
    (
        "image matrix",
        _set([CI, "jobs", "framework-images", "needs"], ["lint"]),
        "does not run after its parent foundations",
    ),
    (
        "image matrix",
        _set([CI, "jobs", "base-image", "strategy", "matrix", "image"], ["foundations", "r"]),
        "does not have: ['r']",
    ),
    ("pinned actions", _set([CI, "jobs", "lint", "steps", 0, "uses"], "actions/checkout@v7"), "not pinned"),
    ("pinned actions", _set([CI, "jobs", "lint", "steps", 0, "uses"], "actions/checkout@3d3c42e5"), "not pinned"),
    ("pinned actions", _replace_text(IMAGE, "# v7.0.0", "# the latest"), "version in a trailing comment"),
    ("read-only permissions", _set([CI, "permissions"], "write-all"), "not read-only"),
    ("read-only permissions", _set([CI, "permissions"], {"contents": "write"}), "not read-only"),
    ("read-only permissions", _set([IMAGE, "jobs", "smoke", "permissions"], {"contents": "write"}), "job smoke"),
    ("read-only permissions", _replace_text(IMAGE, f"if: {CACHE_PUSH_IF}", "if: always()"), "job smoke: packages"),
    ("read-only permissions", _set([CI, "jobs", "lint", "permissions"], {"packages": "write"}), "job lint: packages"),
    ("read-only permissions", _replace_text(CI, "permissions:\n  contents: read\n", ""), "no top-level"),
    ("no persisted credentials", _set([CI, "jobs", "lint", "steps", 0, "with"], {}), "persist-credentials"),
    (
        "no persisted credentials",
        _set([IMAGE, "jobs", "smoke", "steps", 0, "with", "persist-credentials"], "false"),
        "job smoke",
    ),
    (
        "no secrets",
        _replace_text(CI, "run: make test-fast", "run: make test-fast TOKEN=${{ secrets.PAT }}"),
        "secrets.PAT",
    ),
    ("no secrets", _replace_text(CI, "  pull_request:\n", "  pull_request_target:\n"), "pull_request_target"),
    ("the images' Python", _set([CI, "env", "PYTHON_VERSION"], "3.12"), "'3.12'"),
    ("the images' Python", _set([IMAGE, "jobs", "smoke", "steps", 2, "with", "python-version"], "3.x"), "image.yml"),
]


@pytest.mark.parametrize(
    ("check", "mutate", "expected"), BROKEN, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(BROKEN)]
)
def test_each_check_fails_on_a_broken_copy(check, mutate, expected):
    workflows, text = copy.deepcopy(parsed()), texts()
    mutate(workflows, text)
    problems = CHECKS[check](workflows, text)
    assert any(expected in p for p in problems), f"{check} did not catch it; it found: {problems}"


# ---- what the workflow runs, beyond the checks above ----


def test_ci_runs_on_push_pull_request_and_weekly():
    on = triggers(parsed()[CI])
    assert {"push", "pull_request", "schedule", "workflow_dispatch"} <= set(on)
    [cron] = [entry["cron"] for entry in on["schedule"]]
    minute, hour, day, month, weekday = cron.split()
    assert minute.isdigit() and hour.isdigit(), f"{cron!r} runs more than once a day"
    assert day == month == "*" and weekday.isdigit(), f"{cron!r} is not once a week"


def test_the_jobs_run_in_the_order_of_make_test():
    """lint and the fast tests, then the images (root first), then every image's tests and the classroom."""
    workflow = parsed()[CI]
    jobs = image_jobs(workflow)
    for job_id in jobs:
        assert {"lint", "fast-tests"} <= upstream(workflow, job_id), f"{job_id} does not wait for lint and fast tests"
    [tests] = [job_id for job_id, step in steps(workflow) if ["test-images"] in make_calls(step.get("run", ""))]
    assert set(jobs) <= upstream(workflow, tests), "the image tests do not wait for every image job"
    scripts = [step.get("run", "") for _, step in steps(workflow)]
    assert [call for s in scripts for call in make_calls(s)][:2] == [["lint"], ["test-fast"]]


def test_each_image_job_smoke_runs_its_image_and_publishes_the_report():
    workflow = parsed()[IMAGE]
    assert triggers(workflow)["workflow_call"]["inputs"]["image"]["required"] is True
    [job] = workflow["jobs"].values()
    calls = [call for step in job["steps"] for call in make_calls(step.get("run", ""))]
    assert calls == [["smoke"]], calls  # make smoke builds the image (and its parent) first
    smoke_step = next(s for s in job["steps"] if "make smoke" in s.get("run", ""))
    assert smoke_step["run"] == 'make smoke IMAGES="$IMAGE"' and smoke_step["env"]["IMAGE"] == "${{ inputs.image }}"
    summary = next(s for s in job["steps"] if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    assert summary["if"] == "always()" and "python3 -m tools.ci_summary" in summary["run"]
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    paths = upload["with"]["path"].split()
    failed = ci_summary.SMOKE_DIR.relative_to(ROOT) / "failed"
    assert upload["if"] == "always()" and f"{failed}/" in paths and "build/smoke/report.*" in paths
    for job_id, caller in parsed()[CI]["jobs"].items():
        if job_id in image_jobs(parsed()[CI]):
            assert caller["uses"] == f"$/.github/workflows/{IMAGE}" and caller["with"] == {
                "image": "${{ matrix.image }}"
            }


def test_image_builds_take_layers_from_the_registry_cache_that_the_default_branch_pushes():
    """A notebook-only change rebuilds only the course layer on a runner that starts empty."""
    [job] = parsed()[IMAGE]["jobs"].values()
    tests_job = parsed()[CI]["jobs"]["image-tests"]
    cache = job["env"][build.CACHE_VARIABLE]
    assert "ghcr.io/{0}" in cache and "github.repository" in cache and "schedule" in cache, cache
    assert tests_job["env"][build.CACHE_VARIABLE] == cache, "the image tests build without the image jobs' layers"
    [push] = [step for step in job["steps"] if "--push-cache" in step.get("run", "")]
    assert push["if"] == CACHE_PUSH_IF and 'python3 -m tools.build --push-cache "$IMAGE"' in push["run"]
    assert "--password-stdin" in push["run"], "the token must not be on a command line"
    steps_after = job["steps"][job["steps"].index(push) :]
    assert not any("make smoke" in step.get("run", "") for step in steps_after), (
        "the cache is pushed before the smoke run"
    )


def test_a_build_reads_the_registry_cache_only_when_one_is_set(monkeypatch):
    monkeypatch.setattr(build, "build_client", lambda: ["docker"])
    images = load_images()
    tag = images.stack_ref("foundations")
    monkeypatch.delenv(build.CACHE_VARIABLE, raising=False)
    plain = build.build_command(tag, "images/foundations/Dockerfile", args={}, ca_bundle=None)
    assert "--cache-from" not in plain and "BUILDKIT_INLINE_CACHE=1" not in plain
    monkeypatch.setenv(build.CACHE_VARIABLE, "ghcr.io/Some-Owner/Course/")
    cached = build.build_command(tag, "images/foundations/Dockerfile", args={}, ca_bundle=None)
    ref = cached[cached.index("--cache-from") + 1]
    assert ref == f"ghcr.io/some-owner/course/{tag.split('/')[-1]}", ref  # registries want lower case
    assert "BUILDKIT_INLINE_CACHE=1" in cached, "a pushed image without inline cache metadata is no cache"
    monkeypatch.setenv(build.CACHE_VARIABLE, "ghcr.io")
    with pytest.raises(DockerError, match=r"DLCOURSE_BUILD_CACHE='ghcr.io'.*allowed: <registry>/<path>"):
        build.build_command(tag, "images/foundations/Dockerfile", args={}, ca_bundle=None)


def test_lock_drift_runs_weekly_and_only_reports():
    job = parsed()[CI]["jobs"]["lock-drift"]
    assert "schedule" in job["if"] and "push" not in job["if"]
    scripts = "\n".join(step.get("run", "") for step in job["steps"])
    assert [call for step in job["steps"] for call in make_calls(step.get("run", ""))] == [["lock"]]
    assert "git diff --quiet" in scripts and "GITHUB_STEP_SUMMARY" in scripts
    assert not re.search(r"git (commit|push|add)|gh pr", scripts), "the drift job must not change anything"


def test_pre_commit_pins_the_lint_tools_of_pyproject():
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]["lint"]
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    pinned = {dep for hook in hooks for dep in hook.get("additional_dependencies", [])}
    assert pinned == set(lint), f"pyproject's lint group {sorted(lint)}, the hooks' {sorted(pinned)}"


# ---- tools/ci_summary.py: the job summary and the failures' notebooks ----


def _smoke_report(tmp_path, runs: list[dict]):
    smoke = tmp_path / "smoke"
    (smoke / "jax").mkdir(parents=True)
    entry = {"image": "dlcourse/jax:t", "folder": "jax", "size_mb": 1, "check": {"status": "passed"}, "notebooks": runs}
    (smoke / "report.json").write_text(json.dumps([entry]))
    (smoke / "report.md").write_text("# Smoke report\n\n| image | notebook | status |\n")
    for run in runs:
        (smoke / "jax" / run["notebook"]).write_text('{"cells": []}')
    return smoke


def test_the_summary_names_each_failure_and_keeps_its_executed_notebook(tmp_path):
    smoke = _smoke_report(
        tmp_path,
        [
            {"notebook": "ok.ipynb", "status": "passed", "seconds": 1, "budget": 60, "stderr": []},
            {"notebook": "red.ipynb", "status": "passed", "seconds": 1, "budget": 60, "stderr": ["a warning"]},
            {
                "notebook": "bad.ipynb",
                "status": "failed",
                "seconds": 1,
                "budget": 60,
                "cell": 4,
                "error": "KeyError: 'x'",
            },
        ],
    )
    text = ci_summary.summary(smoke, tmp_path / "no-exercises")
    assert text.startswith("# Smoke report")
    assert "bad.ipynb: cell 4 () failed: KeyError: 'x'" in text and "wrote to stderr: a warning" in text
    kept = sorted(p.relative_to(smoke).as_posix() for p in (smoke / "failed").rglob("*.ipynb"))
    assert kept == ["failed/jax/bad.ipynb", "failed/jax/red.ipynb"]
    assert "`failed/jax/bad.ipynb`" in text


def test_a_clean_report_has_no_failures_and_a_missing_one_says_so(tmp_path):
    smoke = _smoke_report(tmp_path, [{"notebook": "ok.ipynb", "status": "passed", "seconds": 1, "budget": 60}])
    (smoke / "failed" / "jax").mkdir(parents=True)
    (smoke / "failed" / "jax" / "stale.ipynb").write_text("{}")  # from an earlier run
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    (exercises / "report.md").write_text("# Exercise checks\n")
    text = ci_summary.summary(smoke, exercises)
    assert "Failures" not in text and text.endswith("# Exercise checks\n")
    assert not list((smoke / "failed").rglob("*.ipynb"))
    assert "No smoke report was written" in ci_summary.summary(tmp_path / "nothing", exercises)


def test_make_calls_reads_make_commands_only():
    script = (
        'echo make lint && echo "run make test" && make smoke IMAGES="$IMAGE" -j2 | tee log\n'
        "if ! make -q x; then CI=1 make lock; fi # make y"
    )
    assert make_calls(script) == [["smoke"], ["x"], ["lock"]]
