"""Tests on the built course images (make images first; `make test` does).

Grouped by image the docker-stacks way: every check here runs on every image,
so the framework images inherit the foundations image's tests.
"""
import json
import re
import subprocess

import nbformat
import pytest

from tools import smoke
from tools.config import ROOT, load_images

pytestmark = pytest.mark.docker
IMAGES = load_images()
FOLDERS = IMAGES.build_order()


def run_in(folder, script, *docker_args):
    out = subprocess.run(["docker", "run", "--rm", "--network", "none", *docker_args,
                          IMAGES.ref(folder), "bash", "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.fixture(scope="module")
def smoke_report():
    """Every image's smoke run, two images at a time (the runs are mostly waiting on one core each)."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=2) as pool:
        entries = dict(zip(FOLDERS, pool.map(lambda folder: smoke.run_image(IMAGES, folder), FOLDERS)))
    report = [entries[f] for f in FOLDERS]
    smoke.REPORT_DIR.mkdir(parents=True, exist_ok=True)
    (smoke.REPORT_DIR / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (smoke.REPORT_DIR / "report.md").write_text(smoke.markdown(report))
    print("\n" + smoke.markdown(report))
    return entries


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_notebook_of_the_image_runs_in_smoke_mode(folder, smoke_report):
    entry = smoke_report[folder]
    problems = smoke.failures(entry)
    assert not problems, "\n".join(problems)
    assert entry["notebooks"], f"no notebooks ran in {IMAGES.ref(folder)}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_user_home_and_shared_gpu_defaults(folder):
    out = run_in(folder, 'echo "$(id -u) $(id -un) $HOME $XLA_PYTHON_CLIENT_PREALLOCATE $TF_FORCE_GPU_ALLOW_GROWTH"')
    assert out == "1000 jovyan /home/jovyan false true"


@pytest.mark.parametrize("folder", FOLDERS)
def test_course_is_in_the_image_at_one_path(folder, course):
    listed = run_in(folder, "ls /opt/course").split()
    assert "course.toml" in listed
    assert sorted(nb.file for nb in course.notebooks) == sorted(f for f in listed if f.endswith(".ipynb"))


@pytest.mark.parametrize("folder", FOLDERS)
def test_lean_no_caches_no_compilers_no_build_ca(folder):
    out = run_in(folder, "ls -A /home/jovyan/.cache /root/.cache /var/lib/apt/lists 2>/dev/null | grep -v '^/' ; "
                         "command -v gcc cc g++ make || true; ls /run/secrets 2>/dev/null; pip config list | grep -i cert || true", "--user", "0")
    assert out == "", f"unexpected caches, compilers, secrets or pip config in the image: {out!r}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_single_user_server_matches_the_locked_jupyterhub(folder):
    locked = re.search(r"^jupyterhub==(\S+)", (ROOT / "images" / "base" / "requirements.lock").read_text(), re.M).group(1)
    assert run_in(folder, "jupyterhub-singleuser --version") == locked


def test_a_failing_notebook_is_reported_with_its_cell_and_error(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("SMOKE = False", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise ValueError('the loss went up')"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    course, out = tmp_path / "course", tmp_path / "out"
    course.mkdir(); out.mkdir(); out.chmod(0o777)
    nbformat.write(nb, course / "broken.ipynb")
    (out / "plan.json").write_text(json.dumps([{"file": "broken.ipynb", "budget": 60}]))
    subprocess.run(["docker", "run", "--rm", "--network", "none", "-v", f"{smoke.RUNNER}:/smoke/runner.py:ro",
                    "-v", f"{course}:/course:ro", "-v", f"{out}:/smoke/out", IMAGES.ref(IMAGES.foundations.folder),
                    "python", "/smoke/runner.py", "--out", "/smoke/out", "--plan", "/smoke/out/plan.json",
                    "--course", "/course"], check=True, timeout=120)
    result = json.loads((out / "results.json").read_text())[0]
    assert result["status"] == "failed"
    assert result["cell"] == 3
    assert "ValueError: the loss went up" in result["error"]
    entry = {"image": "img", "check": {"status": "passed"}, "notebooks": [result]}
    assert smoke.failures(entry) == ["img: broken.ipynb: cell 3 (raise ValueError('the loss went up')) failed: "
                                     "ValueError: the loss went up"]


@pytest.mark.parametrize("folder", FOLDERS)
def test_idle_kernels_are_culled_by_the_server_configuration(folder):
    script = ("from traitlets.config import Config; c = Config(); "
              "exec(open('/etc/jupyter/jupyter_server_config.py').read(), {'get_config': lambda: c}); "
              "print(c.MappingKernelManager.cull_idle_timeout, c.MappingKernelManager.cull_connected)")
    assert run_in(folder, f'python -c "{script}"', "-e", "KERNEL_CULL_IDLE_TIMEOUT=600") == "600 True"


@pytest.mark.parametrize("folder", FOLDERS)
def test_start_hook_merges_the_course_and_restore_works(folder):
    out = run_in(folder, "course-merge --home /tmp/c >/dev/null && echo change >> /tmp/c/START-HERE.md && "
                         "course-restore --home /tmp/c START-HERE.md && ls /tmp/c | wc -l")
    assert "Restored a fresh copy of START-HERE.md; your version is now START-HERE.mine-" in out
