"""A classroom that is set up differently: served over HTTPS from the instructor's certificate,
and one that refuses to start half configured. Each brings up (or fails to bring up) a hub of its
own, on a port and project of its own."""

import subprocess

import pytest

from tools.stack import Classroom

pytestmark = pytest.mark.docker


def test_https_when_the_instructor_gives_a_certificate_and_key(tmp_path):
    import requests

    tls, roster, settings = tmp_path / "tls", tmp_path / "roster.csv", tmp_path / "classroom.toml"
    tls.mkdir()
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(tls / "key.pem"),
            "-out",
            str(tls / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    roster.write_text("teacher,instructor\n")
    settings.write_text('[hub]\nhttps_cert = "cert.pem"\nhttps_key = "key.pem"\n')
    room = Classroom(project="dlcourse-tls", port=18443, roster=roster, settings_path=settings, tls_dir=tls)
    room.down(volumes=True)
    try:
        room.up()
        assert room.url.startswith("https://")
        r = requests.get(f"{room.url}/hub/api/", verify=str(tls / "cert.pem"), timeout=30)
        assert r.status_code == 200 and "version" in r.json()
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"http://localhost:{room.port}/hub/api/", timeout=10)
    finally:
        room.down(volumes=True)


def test_the_hub_never_starts_half_configured(tmp_path):
    roster, settings = tmp_path / "roster.csv", tmp_path / "classroom.toml"
    roster.write_text("teacher,instructor\n")
    settings.write_text(
        '[auth]\ntype = "github"\nclient_id = "abc"\noauth_callback_url = "http://localhost:18200/hub/oauth_callback"\n'
    )
    room = Classroom(project="dlcourse-half", port=18200, roster=roster, settings_path=settings)
    room.down(volumes=True)
    full_env = room.env
    room.env = lambda: {k: v for k, v in full_env().items() if k != "OAUTH_CLIENT_SECRET"}  # no secret given
    try:
        with pytest.raises(SystemExit, match="exited at start"):
            room.up(timeout=60)
        logs = room.compose("logs", "hub", capture=True, check=False).stdout
        assert "OAUTH_CLIENT_SECRET" in logs and not room.ready()
    finally:
        room.down(volumes=True)
