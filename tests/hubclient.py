"""A student's browser, as far as the tests need one: the login form, the start
form / API, and running code in a kernel over its websocket."""

from __future__ import annotations

import contextlib
import json
import time
import uuid

import requests
import websocket


class HubError(AssertionError):
    pass


class KernelDied(HubError):
    pass


class Student:
    def __init__(self, base_url: str, name: str):
        self.base, self.name = base_url.rstrip("/"), name
        self.session = requests.Session()
        self._token: str | None = None

    # --- the hub, as a browser uses it
    def xsrf(self) -> str:
        if "_xsrf" not in self.session.cookies:
            self.session.get(f"{self.base}/hub/login", timeout=30)
        return self.session.cookies.get("_xsrf", path="/hub/") or self.session.cookies.get("_xsrf")

    def login(self, password: str) -> bool:
        """Submit the login form as a browser would; True when the hub let us in."""
        r = self.session.post(
            f"{self.base}/hub/login",
            data={"username": self.name, "password": password, "_xsrf": self.xsrf()},
            allow_redirects=False,
            timeout=60,
        )
        return r.status_code == 302 and "jupyterhub-session-id" in self.session.cookies

    def change_password(self, old: str, new: str) -> requests.Response:
        return self.session.post(
            f"{self.base}/hub/change-password",
            timeout=60,
            data={"old_password": old, "new_password": new, "new_password_confirmation": new, "_xsrf": self.xsrf()},
        )

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"X-XSRFToken": self.xsrf(), **kwargs.pop("headers", {})}
        return self.session.request(method, f"{self.base}/hub/api{path}", headers=headers, timeout=120, **kwargs)

    def token(self) -> str:
        if self._token is None:
            r = self.api("POST", f"/users/{self.name}/tokens", json={"note": "tests", "expires_in": 3600})
            if r.status_code != 201:
                raise HubError(f"token for {self.name}: {r.status_code} {r.text[:200]}")
            self._token = r.json()["token"]
        return self._token

    # --- the student's server
    def start(self, environment: str, timeout: float = 300) -> float:
        """Start a server in ENVIRONMENT and wait until it is ready, following the hub's progress
        event stream as the browser's spawn page does; returns seconds taken."""
        t0 = time.monotonic()
        r = self.api("POST", f"/users/{self.name}/server", json={"image": environment})
        if r.status_code not in (201, 202):
            raise HubError(f"start for {self.name}: {r.status_code} {r.text[:300]}")
        if r.status_code == 202:
            with self.session.get(
                f"{self.base}/hub/api/users/{self.name}/server/progress",
                stream=True,
                headers={"X-XSRFToken": self.xsrf()},
                timeout=(30, timeout),
            ) as events:
                for line in events.iter_lines(decode_unicode=True):
                    if not line or not line.startswith("data:"):
                        continue
                    event = json.loads(line[5:])
                    if event.get("ready"):
                        break
                    if event.get("failed"):
                        raise HubError(f"{self.name}'s server failed to start: {event.get('message')}")
                    if time.monotonic() - t0 > timeout:
                        raise HubError(f"{self.name}'s server not ready after {timeout} s")
        model = self.api("GET", f"/users/{self.name}").json()
        if not (model.get("servers", {}).get("") or {}).get("ready"):
            raise HubError(f"{self.name}'s server is not ready: {model.get('pending')}")
        return time.monotonic() - t0

    def stop(self, timeout: float = 60) -> None:
        self.api("DELETE", f"/users/{self.name}/server")
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            model = self.api("GET", f"/users/{self.name}").json()
            if not model.get("servers") and not model.get("pending"):
                return
            time.sleep(0.5)
        raise HubError(f"{self.name}'s server did not stop")

    def server_get(self, path: str, owner: str | None = None) -> requests.Response:
        return requests.get(
            f"{self.base}/user/{owner or self.name}{path}",
            timeout=30,
            headers={"Authorization": f"token {self.token()}"},
        )

    def run(self, code: str, timeout: float = 180) -> str:
        """Execute CODE in a new python3 kernel of the running server; returns its stdout.
        Raises HubError with the traceback when the code fails."""
        with self.kernel(timeout) as execute:
            return execute(code)

    @contextlib.contextmanager
    def kernel(self, timeout: float = 180):
        """A new python3 kernel and one websocket to it, for several executions on the same
        connection: yields execute(code) -> stdout. The kernel is shut down at the end."""
        headers = {"Authorization": f"token {self.token()}"}
        r = requests.post(
            f"{self.base}/user/{self.name}/api/kernels", json={"name": "python3"}, headers=headers, timeout=60
        )
        if r.status_code != 201:
            raise HubError(f"kernel start: {r.status_code} {r.text[:200]}")
        kernel = r.json()["id"]
        url = f"{self.base.replace('http', 'ws', 1)}/user/{self.name}/api/kernels/{kernel}/channels"
        ws = websocket.create_connection(url, header=[f"Authorization: token {self.token()}"], timeout=timeout)
        try:
            yield lambda code: self._execute(ws, code, timeout)
        finally:
            ws.close()
            requests.delete(f"{self.base}/user/{self.name}/api/kernels/{kernel}", headers=headers, timeout=30)

    def _execute(self, ws, code: str, timeout: float) -> str:
        """Send CODE on the kernel's websocket WS; its stdout once the kernel is idle again."""
        msg_id = uuid.uuid4().hex
        ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "username": self.name,
                        "session": uuid.uuid4().hex,
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "channel": "shell",
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": False,
                        "user_expressions": {},
                        "allow_stdin": False,
                    },
                }
            )
        )
        out, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content.get("execution_state") in ("restarting", "dead"):
                raise KernelDied(f"the kernel died ({content['execution_state']})")
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if kind == "stream" and content["name"] == "stdout":
                out.append(content["text"])
            elif kind == "error":
                raise HubError(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(out)
        raise HubError(f"no answer from the kernel within {timeout} s")
