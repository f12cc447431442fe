"""What every course image must do: the foundations image's tests, inherited by
every image built on it (tests/images/conftest.py)."""

import json
import re

import pytest

from dlcourse.manifest import ROOT, load_course, load_images
from tools import smoke

IMAGES = load_images()


@pytest.fixture(scope="session")
def smoke_report() -> dict[str, dict]:
    """Every image's smoke runs of the notebooks it inherits, once per session, two images at a
    time; writes build/smoke/report.md. Each notebook's run in its own image is part of its
    exercise proof (tests/test_exercises.py), so make test runs it once, not twice."""
    report = smoke.run_all(IMAGES, IMAGES.build_order(), inherited_only=True)
    print("\n" + smoke.markdown(report))
    return {entry["folder"]: entry for entry in report}


def test_the_package_check_passes_and_inherited_notebooks_run_in_smoke_mode(image, smoke_report):
    entry = smoke_report[image]
    problems = smoke.failures(entry)
    assert not problems, "\n".join(problems)
    parents = {IMAGES.images[folder].environment for folder in IMAGES.lineage(image)[1:]}
    inherited = {nb.file for nb in load_course(images=IMAGES).for_environments(parents)}
    assert {r["notebook"] for r in entry["notebooks"]} == inherited, f"not every inherited notebook ran in {image}"


def test_user_home_and_shared_gpu_defaults(container):
    out = container.sh('echo "$(id -u) $(id -un) $HOME $XLA_PYTHON_CLIENT_PREALLOCATE $TF_FORCE_GPU_ALLOW_GROWTH"')
    assert out == "1000 jovyan /home/jovyan false true"


def test_course_is_in_the_image_at_one_path(container, course):
    listed = container.sh("ls /opt/course").split()
    assert "course.toml" in listed
    assert sorted(nb.file for nb in course.notebooks) == sorted(f for f in listed if f.endswith(".ipynb"))


def test_lean_no_caches_no_compilers_no_build_ca(container):
    out = container.sh(
        "ls -A /home/jovyan/.cache /root/.cache /var/lib/apt/lists 2>/dev/null | grep -v '^/' ; "
        "command -v gcc cc g++ make || true; ls /run/secrets 2>/dev/null; pip config list | grep -i cert || true",
        "--user",
        "0",
    )
    assert out == "", f"unexpected caches, compilers, secrets or pip config in the image: {out!r}"


def test_single_user_server_matches_the_locked_jupyterhub(container):
    lock = (ROOT / "images" / "foundations" / "requirements.lock").read_text()
    locked = re.search(r"^jupyterhub==(\S+)", lock, re.M).group(1)
    assert container.sh("jupyterhub-singleuser --version") == locked


def test_idle_kernels_are_culled_by_the_server_configuration(container):
    script = (
        "from traitlets.config import Config; c = Config(); "
        "exec(open('/etc/jupyter/jupyter_server_config.py').read(), {'get_config': lambda: c}); "
        "print(c.MappingKernelManager.cull_idle_timeout, c.MappingKernelManager.cull_connected)"
    )
    # Connected kernels (a student reading, tab open) are kept: see jupyter_server_config.py
    assert container.python(script, env={"KERNEL_CULL_IDLE_TIMEOUT": "600"}) == "600 False"


def test_start_hook_merges_the_course_and_restore_works(container):
    out = container.sh(
        "course-merge --home /tmp/c >/dev/null && echo change >> /tmp/c/START-HERE.md && "
        "course-restore --home /tmp/c START-HERE.md && ls /tmp/c | wc -l"
    )
    assert "Restored a fresh copy of START-HERE.md; your version is now START-HERE.mine-" in out


def test_course_merge_and_restore_check_their_own_arguments(container):
    out = container.sh(
        "course-merge --home /tmp/c numpy_foundations_for_deep_learning.ipynb 2>&1; echo merge=$?; "
        "course-restore --home /tmp/c 2>&1; echo restore=$?"
    )
    assert "course-merge: error: unrecognized arguments: numpy_foundations_for_deep_learning.ipynb" in out
    assert "merge=2" in out
    assert "course-restore: error: the following arguments are required: name" in out
    assert "restore=2" in out


def test_the_course_is_the_student_versions_without_solutions_in_code(container, course):
    from tools.student import STUDENT

    for nb in course.notebooks:
        shipped = container.sh(f"cat /opt/course/{nb.file}")
        assert "### BEGIN SOLUTION" not in shipped and "### BEGIN HIDDEN TESTS" not in shipped, nb.file
        assert shipped == (STUDENT / nb.file).read_text().strip(), f"{nb.file}: not the committed student version"


def test_students_servers_load_only_nbgraders_validate_button(container):
    """nbgrader's validate routes, served by dlcourse_validate (nbgrader's own loader off), and its
    one JupyterLab plugin; none of nbgrader's instructor pieces."""
    ansi = re.compile(r"\x1b\[[0-9;]*m")  # the listings are coloured
    script = (
        "jupyter server extension list 2>&1; echo '<>'; cat /opt/venv/etc/jupyter/labconfig/page_config.json;"
        " echo '<>'; nbgrader --version"
    )
    server, lab, version = ansi.sub("", container.sh(script)).split("<>")  # one container: each start costs seconds
    for ext in ("formgrader", "assignment_list", "course_list"):
        assert re.search(rf"nbgrader\.server_extensions\.{ext}\s+disabled", server), server
    assert re.search(r"nbgrader\.server_extensions\.validate_assignment\s+disabled", server), server
    assert re.search(r"dlcourse_validate\s+enabled", server), server
    disabled = json.loads(lab)["disabledExtensions"]
    plugins = ("menu", "assignment-list", "course-list", "create-assignment", "formgrader")
    assert {f"@jupyter/nbgrader:{p}" for p in plugins} <= {k for k, v in disabled.items() if v}, disabled
    assert not disabled.get("@jupyter/nbgrader") and not disabled.get("@jupyter/nbgrader:validate-assignment")
    assert "nbgrader version 0.9.6" in version


VALIDATE_ON_FIRST_USE = r"""
import json, os, subprocess, sys, time, urllib.request
import nbformat

os.makedirs("/tmp/w", exist_ok=True)
nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("assert 1 + 1 == 2")]), "/tmp/w/ok.ipynb")
args = ["--port=8899", "--ServerApp.token=t", "--ServerApp.open_browser=False", "--ServerApp.root_dir=/tmp/w"]
with open("/tmp/imports", "w") as log:  # -X importtime: one line per module the server imports
    server = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "jupyter_server", *args], stderr=log)

def call(path, data=None):
    request = urllib.request.Request(f"http://127.0.0.1:8899{path}", data=data, headers={"Authorization": "token t"})
    with urllib.request.urlopen(request, timeout=120) as r:
        return r.read()

def imported():  # nbgrader's modules the server has imported so far
    modules = {line.rsplit("|", 1)[-1].strip() for line in open("/tmp/imports") if line.startswith("import time:")}
    return sorted(m for m in modules if m == "nbgrader" or m.startswith("nbgrader."))

for _ in range(600):
    try:
        call("/api/status")
        break
    except OSError:
        time.sleep(0.1)
at_start = imported()
answer = json.loads(call("/assignments/validate", b"path=ok.ipynb"))
version = json.loads(call("/nbgrader_version?version=0"))
print(json.dumps({"at_start": at_start, "after": imported(), "answer": answer, "version": version}))
server.terminate()
"""


def test_a_server_imports_nbgrader_only_when_a_student_validates(container):
    """The server starts without nbgrader (about half of its start's CPU time); the first Validate
    request imports it and gets nbgrader's own answer, as does the version check."""
    out = json.loads(container.python(VALIDATE_ON_FIRST_USE).splitlines()[-1])
    assert out["at_start"] == [], f"nbgrader was imported at the server's start: {out['at_start'][:5]}"
    assert "nbgrader.server_extensions.validate_assignment.handlers" in out["after"], out["after"][:10]
    assert out["answer"]["success"] is True, out["answer"]
    assert out["version"]["success"] is False and "does not match" in out["version"]["message"]
