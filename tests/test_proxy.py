"""The proxy's command line (dlcourse/proxy.py), and that the hub's configuration uses it
as an external proxy: the hub never starts or stops it."""

from dlcourse import proxy
from dlcourse.hubconfig import HubPaths
from dlcourse.ports import HUB_PORT, PROXY_API_PORT
from dlcourse.settings import load_settings


def paths(tmp_path):
    return HubPaths(config=tmp_path, state=tmp_path, roster=tmp_path / "roster.csv", tls=tmp_path / "tls")


def settings(tmp_path, text=""):
    (tmp_path / "classroom.toml").write_text(text)
    return load_settings(tmp_path / "classroom.toml")


def test_plain_http_routes_to_the_hub_and_listens_for_the_hub_on_its_api_port(tmp_path):
    cmd = proxy.command(settings(tmp_path), paths(tmp_path))
    assert cmd[0] == "configurable-http-proxy"
    args = dict(zip(cmd[1::2], cmd[2::2], strict=True))
    assert args["--port"] == str(proxy.PUBLIC_PORT) and args["--api-port"] == str(PROXY_API_PORT)
    assert args["--api-ip"] == proxy.PROXY_API_HOST, "the API must listen on the control network only"
    assert args["--default-target"] == f"http://hub:{HUB_PORT}"
    assert "--ssl-cert" not in args


def test_https_is_terminated_by_the_proxy_with_the_instructors_files(tmp_path):
    s = settings(tmp_path, '[hub]\nhttps_cert = "cert.pem"\nhttps_key = "key.pem"\n')
    args = dict(zip(*[iter(proxy.command(s, paths(tmp_path))[1:])] * 2, strict=True))
    assert args["--ssl-cert"] == str(tmp_path / "tls" / "cert.pem")
    assert args["--ssl-key"] == str(tmp_path / "tls" / "key.pem")


def test_the_hub_waits_for_the_proxys_api_before_it_starts():
    import socket
    import threading
    import time

    assert proxy.wait_for_api(timeout=1, host="127.0.0.1", port=_free_port()) is False
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    server.close()  # nothing listens yet: the wait goes on until something does

    def listen_later():
        time.sleep(1)
        with socket.create_server(("127.0.0.1", port)) as late:
            late.accept()[0].close()

    thread = threading.Thread(target=listen_later)
    thread.start()
    assert proxy.wait_for_api(timeout=10, host="127.0.0.1", port=port) is True
    thread.join()


def _free_port():
    import socket

    with socket.create_server(("127.0.0.1", 0)) as s:
        return s.getsockname()[1]
