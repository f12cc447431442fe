"""Validate the configuration and answer small queries, for the Makefile.

usage: python3 -m tools.check settings | all | get SECTION.KEY | images | hub | get-tag

  settings         hub/classroom.toml is valid (make up runs this before building)
  all              settings, roster, images.toml and the course manifest are valid
  get SECTION.KEY  print one classroom setting, e.g. `get hub.port`
  images           the course image references, in build order
  hub              the hub image reference
  get-tag          the image tag of this release (images.toml's `tag`)
"""

from __future__ import annotations

import sys

from dlcourse.manifest import ROOT, load_course, load_images
from dlcourse.settings import CLASSROOM_TOML, load_roster, load_settings
from tools.cli import cli


def main(argv: list[str]) -> int:
    query = argv[0] if argv else ""
    if query == "settings":
        load_settings()
        print(f"classroom settings OK ({CLASSROOM_TOML.relative_to(ROOT)})")
    elif query == "all":
        images = load_images()
        load_course(images=images)
        settings = load_settings(images=images)
        members = load_roster(ROOT / settings["hub"]["roster"], settings["auth"]["type"], settings["auth"]["options"])
        print(f"configuration OK ({len(members)} on the roster, {len(images.images)} images)")
    elif query == "get" and len(argv) == 2 and "." in argv[1]:
        section, key = argv[1].split(".", 1)
        print(load_settings()[section][key])
    elif query == "images":
        images = load_images()
        print(" ".join(images.ref(folder) for folder in images.build_order()))
    elif query == "hub":
        print(load_images().hub_ref)
    elif query == "get-tag":
        print(load_images().tag)
    else:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    cli(main)
