"""The classroom's Docker network: created by `make up` (compose only uses it), isolated.

Docker drops every connection between two of its containers (inter-container traffic off);
the `firewall` service (dlcourse/firewall.py) lets the hub and the proxy through, and any
container to the hub's API port. The hub and the proxy get fixed addresses at the start of
its subnet, so the firewall's rules hold across restarts; students' servers get addresses
from the upper half. The subnet is the first of CANDIDATES that no other network uses, or
CLASSROOM_SUBNET where the lab's own network overlaps them all.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
from dataclasses import dataclass

ICC = "com.docker.network.bridge.enable_icc"
LABEL = "dlcourse.classroom"  # the project that made it
PREFIX = 20  # 4096 addresses: the hub, the proxy and about 2000 servers
CANDIDATES = [f"172.{b}.240.0/{PREFIX}" for b in range(31, 15, -1)] + [f"10.{b}.240.0/{PREFIX}" for b in (250, 251)]


class NetworkError(SystemExit):
    pass


@dataclass(frozen=True)
class ClassroomNetwork:
    name: str
    subnet: str
    bridge: str  # the Linux bridge Docker made for it, where the firewall's rules apply

    @property
    def hub_ip(self) -> str:
        return str(ipaddress.ip_network(self.subnet)[2])

    @property
    def proxy_ip(self) -> str:
        return str(ipaddress.ip_network(self.subnet)[3])

    @property
    def dynamic_range(self) -> str:
        """Where Docker picks the servers' addresses: the upper half, never the fixed ones."""
        return str(list(ipaddress.ip_network(self.subnet).subnets())[1])

    def env(self) -> dict[str, str]:
        return {"CLASSROOM_BRIDGE": self.bridge, "CLASSROOM_HUB_IP": self.hub_ip, "CLASSROOM_PROXY_IP": self.proxy_ip}


def _docker(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True)


def inspect(name: str) -> dict | None:
    done = _docker("network", "inspect", name)
    return json.loads(done.stdout)[0] if done.returncode == 0 else None


def _described(found: dict) -> ClassroomNetwork | None:
    """The network as the classroom uses it, or None when it is not isolated (made before)."""
    configs = (found.get("IPAM") or {}).get("Config") or []
    if found.get("Options", {}).get(ICC) != "false" or not configs:
        return None
    bridge = found.get("Options", {}).get("com.docker.network.bridge.name") or f"br-{found['Id'][:12]}"
    return ClassroomNetwork(found["Name"], configs[0]["Subnet"], bridge)


def current(name: str) -> ClassroomNetwork | None:
    found = inspect(name)
    return _described(found) if found else None


def ensure(name: str, project: str) -> ClassroomNetwork:
    """The isolated network `name`, made now if missing; one made by an older version (not
    isolated) is replaced when no container uses it, refused with what to do otherwise."""
    found = inspect(name)
    if found:
        described = _described(found)
        if described:
            return described
        users = sorted(c["Name"] for c in (found.get("Containers") or {}).values())
        if users:
            raise NetworkError(
                f"error: the classroom network {name} predates student isolation and is in use by "
                f"{', '.join(users)}: run `make down`, then `make up` again (student files are kept)"
            )
        _docker("network", "rm", name)
    wanted = os.environ.get("CLASSROOM_SUBNET")
    errors = []
    for subnet in [wanted] if wanted else CANDIDATES:
        net = ipaddress.ip_network(subnet, strict=False)
        upper = str(list(net.subnets())[1])
        done = _docker(
            "network", "create", "--driver", "bridge", "--opt", f"{ICC}=false", "--subnet", str(net),
            "--ip-range", upper, "--label", f"{LABEL}={project}", name,
        )  # fmt: skip
        if done.returncode == 0:
            return current(name)
        errors.append(f"{net}: {done.stderr.strip()}")
    raise NetworkError(
        f"error: could not create the classroom network {name}: "
        + "; ".join(errors[-2:])
        + " (set CLASSROOM_SUBNET to a free private subnet, e.g. CLASSROOM_SUBNET=192.168.240.0/20)"
    )


def remove(name: str) -> None:
    _docker("network", "rm", name)
