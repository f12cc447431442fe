# The classroom hub: JupyterHub + DockerSpawner + the roster login. Everything an instructor
# sets lives in hub/classroom.toml and the roster (validated by dlcourse/settings.py);
# dlcourse/hubconfig.py maps them onto the libraries' options (and is what the tests load).
import os
import sys

from dlcourse import hubconfig
from dlcourse.manifest import ConfigError

paths = hubconfig.HubPaths.from_environment(os.environ)
try:
    settings, roster, choices = hubconfig.load(paths, image_tag=os.environ.get("CLASSROOM_IMAGE_TAG", ""))
    hubconfig.apply(
        settings,
        roster,
        get_config(),
        choices=choices,
        paths=paths,
        project=os.environ["CLASSROOM_PROJECT"],  # compose project: names of user containers and volumes
        network=os.environ["CLASSROOM_NETWORK"],
        oauth_client_secret=os.environ.get("OAUTH_CLIENT_SECRET", ""),
    )
except ConfigError as err:
    sys.exit(f"classroom configuration error: {err}")
