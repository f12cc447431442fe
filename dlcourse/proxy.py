"""The classroom's proxy, configurable-http-proxy, as its own service (compose service
`proxy`, same image as the hub), the way Zero to JupyterHub runs it: a restart of the hub
(`make roster`, `make up` after a settings change, an upgrade) leaves every route and every
open connection (a kernel's websocket) in place; the hub re-syncs its routes when it is back.

python3 -m dlcourse.proxy wait   (the hub, before it starts) waits until the proxy's API answers.
python3 -m dlcourse.proxy   reads the classroom's settings (HTTPS) and the shared token from
the hub's state volume, then becomes configurable-http-proxy.
"""

from __future__ import annotations

import os
import socket
import sys
import time

from dlcourse.hubconfig import HubPaths, proxy_token
from dlcourse.manifest import ConfigError, load_images
from dlcourse.ports import HUB_PORT, PROXY_API_HOST, PROXY_API_PORT, PUBLIC_PORT
from dlcourse.settings import load_settings

HUB_HOST = "hub"  # the hub's compose service name


def command(settings: dict, paths: HubPaths) -> list[str]:
    """configurable-http-proxy's command line for these settings."""
    hub = f"http://{HUB_HOST}:{HUB_PORT}"
    cmd = ["configurable-http-proxy", "--ip", "0.0.0.0", "--port", str(PUBLIC_PORT)]
    # the API binds to the proxy's address on the control network only (its alias resolves to it)
    cmd += ["--api-ip", PROXY_API_HOST, "--api-port", str(PROXY_API_PORT)]
    cmd += ["--default-target", hub, "--error-target", f"{hub}/hub/error"]
    if settings["hub"]["https_cert"]:
        cmd += ["--ssl-cert", str(paths.tls / settings["hub"]["https_cert"])]
        cmd += ["--ssl-key", str(paths.tls / settings["hub"]["https_key"])]
    return cmd


def wait_for_api(timeout: float = 60, host: str = PROXY_API_HOST, port: int = PROXY_API_PORT) -> bool:
    """Until the proxy's API accepts connections (the hub exits at start when it cannot reach
    its proxy, and compose starts both at once): True once it does, False at the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=2).close()
            return True
        except OSError:  # not resolvable yet (the container is not on the network) or not listening
            time.sleep(0.5)
    return False


def main() -> None:
    if sys.argv[1:] == ["wait"]:  # the hub's start (docker-compose.yml): wait for the proxy, then start
        sys.exit(0 if wait_for_api() else f"the proxy's API ({PROXY_API_HOST}:{PROXY_API_PORT}) did not answer")
    paths = HubPaths.from_environment(os.environ)
    try:
        settings = load_settings(paths.config / "classroom.toml", load_images(paths.config / "images.toml"))
    except ConfigError as err:
        sys.exit(f"classroom configuration error: {err}")
    env = {**os.environ, "CONFIGPROXY_AUTH_TOKEN": proxy_token(paths.state / "proxy_token")}
    cmd = command(settings, paths)
    os.execvpe(cmd[0], cmd, env)


if __name__ == "__main__":
    main()
