"""dlcourse.service_start: a managed service whose code is slow to import still passes JupyterHub's
start check (jupyterhub.utils.wait_for_http_server with the one-second timeout of its tries),
because its port listens before the import; the same service binding after its import fails it."""

import asyncio
import os
import socket
import subprocess
import sys
import textwrap

import pytest
from jupyterhub.utils import AnyTimeoutError, wait_for_http_server

SLOW_SERVICE = textwrap.dedent(
    """
    import time
    time.sleep(3)  # an import as slow as the hub's services' on a loaded machine

    def serve(sockets):
        from tornado import httpserver, ioloop, web

        class Hello(web.RequestHandler):
            def get(self):
                self.write("ok")

        httpserver.HTTPServer(web.Application([("/", Hello)])).add_sockets(sockets)
        ioloop.IOLoop.current().start()

    if __name__ == "__main__":  # started as a module: binds only after the import
        import os
        from urllib.parse import urlparse
        from tornado.netutil import bind_sockets
        url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
        serve(bind_sockets(url.port, address=url.hostname))
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("launcher", [True, False], ids=["listening first", "binding after the import"])
def test_a_slow_service_passes_the_hubs_start_check_only_when_it_listens_first(tmp_path, launcher):
    (tmp_path / "slow_service.py").write_text(SLOW_SERVICE)
    url = f"http://127.0.0.1:{free_port()}/"
    env = {**os.environ, "JUPYTERHUB_SERVICE_URL": url, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    cmd = ["-m", "dlcourse.service_start", "slow_service"] if launcher else ["-m", "slow_service"]
    service = subprocess.Popen([sys.executable, *cmd], env=env, cwd=tmp_path)
    try:
        asyncio.run(asyncio.sleep(1.0))  # the interpreter is up, the import is under way

        async def hub_check():  # one of JupyterHub's ten tries at a managed service's start
            return await wait_for_http_server(url, timeout=1)

        if launcher:
            response = asyncio.run(hub_check())
            assert response.code == 200 and response.body == b"ok"
        else:
            with pytest.raises(AnyTimeoutError):
                asyncio.run(hub_check())
    finally:
        service.terminate()
        service.wait(timeout=30)
