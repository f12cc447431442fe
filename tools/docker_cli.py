"""Which docker client to build with, and small helpers around the docker CLI.

Builds use BuildKit (for the CA bundle secret). Docker CE has it through the buildx
plugin; Debian's docker.io 20.10 has it built into the daemon and the client with
DOCKER_BUILDKIT=1. A newer client without the buildx plugin cannot use either, so
fall back to another client on the machine that can.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess


class DockerError(RuntimeError):
    pass


def _ok(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _client_major(client: str) -> int:
    out = subprocess.run(
        [client, "version", "--format", "{{.Client.Version}}"], capture_output=True, text=True, timeout=30
    ).stdout.strip()
    try:
        return int(out.split(".")[0])
    except ValueError:
        return 0


@functools.cache
def build_client() -> list[str]:
    """The command prefix for `build` that supports BuildKit secrets."""
    docker = shutil.which("docker")
    if docker and _ok([docker, "buildx", "version"]):
        return [docker]
    candidates = [c for c in dict.fromkeys([docker, shutil.which("docker", path="/usr/bin"), "/usr/bin/docker"]) if c]
    for client in candidates:
        if os.access(client, os.X_OK) and 0 < _client_major(client) < 23:
            return [client]
    raise DockerError(
        "cannot build with BuildKit: install the docker buildx plugin "
        "(Docker CE: docker-buildx-plugin) or Debian's docker.io package"
    )


def build_env() -> dict[str, str]:
    return {**os.environ, "DOCKER_BUILDKIT": "1"}


def image_exists(ref: str) -> bool:
    return _ok(["docker", "image", "inspect", ref])


def image_info(ref: str) -> dict:
    out = subprocess.run(["docker", "image", "inspect", ref], capture_output=True, text=True)
    if out.returncode != 0:
        raise DockerError(f"image {ref} is not built (run: make images)")
    return json.loads(out.stdout)[0]


def image_size_mb(ref: str) -> float:
    return image_info(ref)["Size"] / 1e6
