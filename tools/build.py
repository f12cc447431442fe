"""Build the course images in dependency order, with progress.

The Debian base (pulled, or bootstrapped when no registry answers), then per
image its stack (images/<folder>/Dockerfile, tagged <name>-stack; framework
stacks build on the foundations stack) and the course image on top of that stack
(images/course/Dockerfile). Docker's layer cache makes a rebuild with nothing changed
take seconds. Sizes are written to build/images.json.

A machine that starts without layers (a hosted CI runner) can take them from a registry:
with DLCOURSE_BUILD_CACHE=<registry>/<path> (the hosted workflow: ghcr.io/<owner>/<repo>)
every build also looks for its layers in <registry>/<path>/<image>:<tag> (Docker's
inline cache: the pushed image carries its cache metadata), so a notebook-only change
rebuilds only the course layer; `--push-cache` pushes the built images there.

Usage: python3 -m tools.build [image ...]   (make images; CA_BUNDLE=path for TLS interception)
       python3 -m tools.build --push-cache [image ...]   (after a build; needs docker login)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time

from dlcourse.manifest import ROOT, load_images
from dlcourse.settings import load_settings
from tools.cli import cli, say
from tools.docker_cli import DockerError, build_client, build_env, image_size_mb

CACHE_VARIABLE = "DLCOURSE_BUILD_CACHE"


def cache_ref(tag: str) -> str | None:
    """Where the registry cache keeps the image TAG (name:tag); None without a cache."""
    prefix = os.environ.get(CACHE_VARIABLE, "").strip().rstrip("/").lower()  # registries want lower case
    if not prefix:
        return None
    if "/" not in prefix or any(c.isspace() for c in prefix):
        raise DockerError(f"{CACHE_VARIABLE}={prefix!r}: allowed: <registry>/<path>, e.g. ghcr.io/owner/repo")
    return f"{prefix}/{tag.split('/')[-1]}"


def build_command(tag: str, dockerfile: str, *, args: dict[str, str], ca_bundle: str | None) -> list[str]:
    cmd = [*build_client(), "build", "--progress=plain", "-f", dockerfile, "-t", tag]
    cache = cache_ref(tag)
    if cache:  # the layers another machine pushed; a missing one is only a warning
        cmd += ["--cache-from", cache, "--build-arg", "BUILDKIT_INLINE_CACHE=1"]
    for key, value in args.items():
        cmd += ["--build-arg", f"{key}={value}"]
    if ca_bundle:
        cmd += ["--secret", f"id=ca_bundle,src={ca_bundle}"]
    cmd.append(str(ROOT))
    return cmd


def docker_build(tag: str, dockerfile: str, *, args: dict[str, str], ca_bundle: str | None) -> None:
    proc = subprocess.run(build_command(tag, dockerfile, args=args, ca_bundle=ca_bundle), env=build_env(), cwd=ROOT)
    if proc.returncode != 0:
        raise DockerError(f"building {tag} from {dockerfile} failed (build log above)")


def tag_and_push(source: str, target: str, why: str = "") -> None:
    """Tag the local image SOURCE as TARGET and push it; a failed push names the registry to log in to."""
    say(f"pushing {target}{why}")
    subprocess.run(["docker", "tag", source, target], check=True)
    if subprocess.run(["docker", "push", target]).returncode != 0:
        raise DockerError(f"pushing {target} failed (docker login {target.split('/')[0]} first?)")


def push(images) -> int:
    registry = load_settings()["kubernetes"]["registry"]
    if not registry:
        raise DockerError("set kubernetes.registry in hub/classroom.toml to the registry your cluster pulls from")
    for folder in images.build_order():
        tag_and_push(images.ref(folder), f"{registry}/{images.images[folder].name.split('/')[-1]}:{images.tag}")
    return 0


def push_cache(images, order: list[str]) -> int:
    """Push each built stack and course image of ORDER to the registry cache."""
    for tag in [ref for folder in order for ref in (images.stack_ref(folder), images.ref(folder))]:
        target = cache_ref(tag)
        if target is None:
            raise DockerError(f"--push-cache needs {CACHE_VARIABLE}=<registry>/<path>")
        tag_and_push(tag, target, " (layer cache)")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="*", help="folders under images/ (default: all)")
    parser.add_argument("--hub", action="store_true", help="build only the classroom hub image (hub/)")
    parser.add_argument(
        "--push",
        action="store_true",
        help="tag the built course images for kubernetes.registry (hub/classroom.toml) and push them",
    )
    parser.add_argument(
        "--push-cache",
        action="store_true",
        help=f"push the built images to the layer cache in ${CACHE_VARIABLE} (the hosted workflow)",
    )
    parser.add_argument(
        "--ca-bundle",
        default=os.environ.get("CA_BUNDLE") or None,
        help="CA bundle that pip trusts during the build only (TLS interception)",
    )
    opts = parser.parse_args(argv)
    images = load_images()
    unknown = [i for i in opts.images if i not in images.images]
    if unknown:
        parser.error(f"unknown image(s) {unknown}; allowed: {list(images.images)}")
    if opts.ca_bundle and not os.path.isfile(opts.ca_bundle):
        parser.error(f"CA_BUNDLE={opts.ca_bundle!r} is not a file")

    wanted = set(opts.images or images.images)
    order = [f for f in images.build_order() if f in wanted or any(images.images[w].parent == f for w in wanted)]
    if opts.push:
        return push(images)
    if opts.push_cache:
        return push_cache(images, order)
    subprocess.run([str(ROOT / "tools" / "base_os.sh"), images.debian], check=True)
    if opts.hub:
        say(f"{images.hub_ref} (the classroom hub)")
        docker_build(images.hub_ref, "hub/Dockerfile", args={"DEBIAN_RELEASE": images.debian}, ca_bundle=opts.ca_bundle)
        return 0

    solutions = load_settings(images=images)["course"]["solutions"]  # hub/classroom.toml [course]
    sizes: dict[str, float] = {}
    for step, folder in enumerate(order, start=1):
        image = images.images[folder]
        dockerfile = f"images/{folder}/Dockerfile"
        start = time.monotonic()
        if not image.parent:
            say(f"[{step}/{len(order)}] {images.ref(folder)} (on debian:{images.debian}-slim)")
            stack_args = {"DEBIAN_RELEASE": images.debian}
        else:
            say(f"[{step}/{len(order)}] {images.ref(folder)} (on {images.stack_ref(image.parent)})")
            stack_args = {"BASE": images.stack_ref(image.parent)}
        docker_build(images.stack_ref(folder), dockerfile, args=stack_args, ca_bundle=opts.ca_bundle)
        docker_build(
            images.ref(folder),
            "images/course/Dockerfile",
            args={"STACK": images.stack_ref(folder), "COURSE_SOLUTIONS": solutions},
            ca_bundle=opts.ca_bundle,  # its own lock (images/course/requirements.lock)
        )
        sizes[images.ref(folder)] = round(image_size_mb(images.ref(folder)))
        say(f"{images.ref(folder)}: {sizes[images.ref(folder)]} MB, {time.monotonic() - start:.0f} s")

    out = ROOT / "build" / "images.json"
    out.parent.mkdir(exist_ok=True)
    known = json.loads(out.read_text()) if out.exists() else {}
    out.write_text(json.dumps({**known, **sizes}, indent=2) + "\n")
    say("images: " + ", ".join(f"{ref} {mb} MB" for ref, mb in sizes.items()))
    return 0


if __name__ == "__main__":
    cli(main, DockerError)
