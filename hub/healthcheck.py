"""The hub image's HEALTHCHECK: healthy once the proxy on port 8000 routes
/hub/health to a running hub. The port speaks HTTPS when the instructor
configured a certificate (hub.https_cert), plain HTTP otherwise; try both."""

import ssl
import sys
import urllib.request

CONTEXT = ssl._create_unverified_context()  # the instructor's own certificate may be self-signed


def healthy(scheme: str) -> bool:
    try:
        with urllib.request.urlopen(f"{scheme}://127.0.0.1:8000/hub/health", timeout=4, context=CONTEXT) as r:
            return r.status == 200
    except OSError:
        return False


sys.exit(0 if healthy("http") or healthy("https") else 1)
