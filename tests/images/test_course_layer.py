"""The course layer (images/course/Dockerfile), the same in every image: its health check follows
the Jupyter server, and it honours [course] solutions = "hidden"."""

import json
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
    docker_build(tag, "images/course/Dockerfile", args=args, ca_bundle=None)
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
