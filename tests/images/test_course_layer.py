"""The course layer (images/course/Dockerfile), the same in every image: its health check follows
the Jupyter server, and it honours [course] solutions = "hidden"."""

import json
import os
import subprocess
import time

from dlcourse.manifest import load_course, load_images
from tools.build import docker_build
from tools.docker_cli import image_info


def test_hidden_solutions_leave_no_reference_in_the_image():
    images = load_images()
    folder = images.foundations.folder
    tag = f"{images.images[folder].name}:solutions-hidden-test"
    args = {"STACK": images.stack_ref(folder), "COURSE_SOLUTIONS": "hidden"}
    # the CA bundle the Makefile exports, for the layer's pip install when it is not cached
    docker_build(tag, "images/course/Dockerfile", args=args, ca_bundle=os.environ.get("CA_BUNDLE") or None)
    try:
        script = (
            "import glob, json\n"
            "tags = [t for f in glob.glob('/opt/course/*.ipynb') for c in json.load(open(f))['cells']"
            " for t in c.get('metadata', {}).get('tags', [])]\n"
            "print(json.dumps({'notebooks': len(glob.glob('/opt/course/*.ipynb')), 'reveal': tags.count('reveal-solution')}))"
        )
        out = subprocess.run(
            ["docker", "run", "--rm", "--network", "none", tag, "python", "-c", script],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        found = json.loads(out)
        assert found["notebooks"] == len(load_course().notebooks) and found["reveal"] == 0, found
        shown = subprocess.run(
            ["docker", "run", "--rm", "--network", "none", images.ref(folder), "python", "-c", script],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert json.loads(shown)["reveal"] > 0, "the default image (solutions shown) has the reveal cells"
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def _health_after(ref: str, command: list[str], want: str, timeout: float = 90) -> str:
    """Start a container with the image's own health check run every second; its status once it is WANT (or at the timeout)."""
    # 0s would mean "not set" to Docker, and the image's 60 s start period would apply
    fast = ["--health-interval=1s", "--health-start-period=1s", "--health-retries=2", "--health-timeout=5s"]
    name = subprocess.run(
        ["docker", "run", "-d", "--rm", "--network", "none", *fast, ref, *command],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    try:
        deadline, status = time.monotonic() + timeout, ""
        while time.monotonic() < deadline and status != want:
            time.sleep(1)
            status = subprocess.run(
                ["docker", "inspect", "-f", "{{.State.Health.Status}}", name], capture_output=True, text=True
            ).stdout.strip()
        return status
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


def test_health_check_follows_the_jupyter_server():
    """Once, on the foundations image: the check is in the course layer every image shares."""
    images = load_images()
    ref = images.ref(images.foundations.folder)
    health = image_info(ref)["Config"]["Healthcheck"]
    assert health["Test"] == ["CMD", "python3", "/usr/local/lib/dlcourse/server_healthcheck.py"]
    server = ["jupyter", "server", "--ip=127.0.0.1", "--port=8888", "--ServerApp.token=only-for-this-test"]
    assert _health_after(ref, server, "healthy") == "healthy"
    assert _health_after(ref, ["sleep", "120"], "unhealthy") == "unhealthy", "no server, yet the check passed"


# The image's real start hook, with jupyterhub-singleuser replaced by a plain Jupyter server
# (the same server extensions and JupyterLab page), then asked what it serves: the memory meter's
# API, nbdime's diff page, the GPU panels' API, and what JupyterLab's page turns off.
SERVED = """mkdir -p /tmp/fake-hub
cat > /tmp/fake-hub/jupyterhub-singleuser <<'SH'
#!/bin/sh
jupyter server --no-browser --port=8899 --ServerApp.token=t --ServerApp.root_dir=/tmp >/tmp/server.log 2>&1 &
exec python - <<'PY'
import json, re, time, urllib.error, urllib.request
def get(path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:8899{path}?token=t", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""
for _ in range(300):
    try:
        status, lab = get("/lab")
        break
    except OSError:
        time.sleep(0.1)
page = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', lab, re.S).group(1))
print(json.dumps({
    "meter": get("/api/metrics/v1")[0],
    "diff": get("/nbdime/difftool")[0],
    "gpu": get("/nvdashboard/accelerators/check")[0],
    "lab_off": sorted(k for k in page["disabledExtensions"] if not k.startswith("@jupyter/nbgrader")),
}))
PY
SH
chmod +x /tmp/fake-hub/jupyterhub-singleuser
PATH=/tmp/fake-hub:$PATH start-singleuser 2>/dev/null | tail -n 1
"""


def test_every_server_has_the_meter_and_nbdime_and_the_gpu_panels_only_with_a_gpu():
    ref = load_images().ref(load_images().foundations.folder)  # the course layer is the same on every stack

    def served(*docker_args: str) -> dict:
        out = subprocess.run(
            ["docker", "run", "--rm", "--network", "none", *docker_args, ref, "bash", "-c", SERVED],
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    without = served()
    assert without["meter"] == 200 and without["diff"] == 200, without
    assert without["gpu"] == 404 and without["lab_off"] == ["jupyterlab-nvdashboard"], without
    # a visible NVIDIA GPU (a stand-in device node): the panels' server extension is loaded (its
    # accelerator check answers; the panels' data streams need a real GPU) and JupyterLab shows them
    with_gpu = served("--device", "/dev/null:/dev/nvidiactl")
    assert with_gpu["meter"] == 200 and with_gpu["diff"] == 200, with_gpu
    assert with_gpu["gpu"] == 200 and with_gpu["lab_off"] == [], with_gpu
