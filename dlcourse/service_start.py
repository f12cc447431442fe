"""Start one of the hub's managed services with its port listening first.

JupyterHub gives a managed service ten one-second tries to answer at its URL and then exits
(jupyterhub/app.py start_service; no setting changes it). Importing a service's code takes about
1.2 CPU-seconds (jupyterhub.services.auth brings SQLAlchemy); on two cores loaded by a class
(or by a second hub starting) that took longer than ten seconds, and the hub exited at start,
again at each automatic restart. Here the port is bound and listening before anything heavy is
imported: JupyterHub's check connects at once and waits for the answer, which comes when the
service serves (its HTTP client waits up to 20 s per try).

Usage (the hub's configuration runs it): python3 -m dlcourse.service_start dlcourse.progress
The module's serve(sockets) serves on the bound sockets.
"""

from __future__ import annotations

import importlib
import os
import sys
from urllib.parse import urlparse

from tornado.netutil import bind_sockets


def main(argv: list[str]) -> None:
    [module] = argv
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])  # the hub sets it from the service's url
    sockets = bind_sockets(url.port, address=url.hostname)
    importlib.import_module(module).serve(sockets)


if __name__ == "__main__":
    main(sys.argv[1:])
