"""The hub image's HEALTHCHECK, for its two services (docker-compose.yml).

healthcheck.py          the hub: healthy while JupyterHub answers /hub/health on its own port and
                        its managed services listen (JupyterHub answers before it has started
                        them, and exits when one is not up within 10 s: not healthy until then)
healthcheck.py proxy    the proxy: healthy once its public port routes /hub/health to a running
                        hub; that port speaks HTTPS when the instructor configured a certificate
                        (hub.https_cert), plain HTTP otherwise: try both
"""

import socket
import ssl
import sys
import urllib.request

from dlcourse.ports import HUB_PORT, PUBLIC_PORT, SERVICE_PORTS  # a light module: the check stays quick

CONTEXT = ssl._create_unverified_context()  # the instructor's own certificate may be self-signed


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=4, context=CONTEXT) as r:
            return r.status == 200
    except OSError:
        return False


def listening(port: int) -> bool:
    """Something accepts connections on PORT at the hub's name (where its services listen)."""
    try:
        with socket.create_connection(("hub", port), timeout=4):
            return True
    except OSError:
        return False


if sys.argv[1:] == ["proxy"]:
    ok = any(healthy(f"{scheme}://127.0.0.1:{PUBLIC_PORT}/hub/health") for scheme in ("http", "https"))
else:
    ok = healthy(f"http://127.0.0.1:{HUB_PORT}/hub/health") and all(map(listening, SERVICE_PORTS))
sys.exit(0 if ok else 1)
