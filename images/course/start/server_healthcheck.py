"""The course images' HEALTHCHECK: healthy while the Jupyter server answers its
unauthenticated /api endpoint (under the hub's prefix for this user, if any).
A container that runs no server (a smoke run, a grading run) reads unhealthy,
which nothing waits on."""

import os
import sys
import urllib.request

PREFIX = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
try:
    with urllib.request.urlopen(f"http://127.0.0.1:8888{PREFIX.rstrip('/')}/api", timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError:
    sys.exit(1)
