"""Isolation on the classroom network (compose service `firewall`), the Docker counterpart of
Zero to JupyterHub's default network policies: a student's server reaches the hub's API and
nothing of another student, and no container of the classroom reaches the cloud metadata address.

How: the classroom network is created with inter-container traffic off
(`com.docker.network.bridge.enable_icc=false`, tools/stack.py), so Docker itself drops every
connection between two containers on it. This service, in the host's network namespace with
NET_ADMIN only, adds back the flows the classroom needs, in a chain of its own jumped to from
Docker's DOCKER-USER chain (evaluated before Docker's own rules):

    hub   -> any container on the network   (it checks that a server is up, stops it)
    proxy -> any container on the network   (it forwards the students' browsers to their servers)
    any   -> hub, TCP 8081 only             (a server reports activity and checks tokens)
    any   -> 169.254.169.254: dropped       (the cloud's metadata service: credentials live there)

Replies of an allowed connection pass by Docker's own ESTABLISHED rule. Everything else between
two containers, student to student or student to the proxy, stays dropped by Docker.

python3 -m dlcourse.firewall          apply the rules, re-check them every few seconds (a Docker
                                      restart or a flush brings them back), remove them on stop
python3 -m dlcourse.firewall check    exit 0 when the rules are in place (the health check)
python3 -m dlcourse.firewall show     print the chain as iptables lists it
Settings come from the environment stack.py gives the service: CLASSROOM_BRIDGE (the network's
Linux bridge), CLASSROOM_HUB_IP and CLASSROOM_PROXY_IP (their fixed addresses on it).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from dlcourse.ports import HUB_PORT

METADATA = "169.254.169.254/32"  # the link-local metadata service of AWS, GCP, Azure, OpenStack
DOCKER_CHAIN = "DOCKER-USER"  # Docker jumps here first from FORWARD and never edits its rules
RECHECK_SECONDS = 5
BACKENDS = ("iptables-nft", "iptables-legacy", "iptables")  # Docker's is the one with its chain


@dataclass(frozen=True)
class Classroom:
    bridge: str
    hub_ip: str
    proxy_ip: str

    def __post_init__(self):
        if not self.bridge or len(self.bridge) > 15 or not self.bridge.replace("-", "").isalnum():
            raise ValueError(f"CLASSROOM_BRIDGE={self.bridge!r} is not a Linux bridge name (1-15 letters, digits, -)")
        for key, value in (("CLASSROOM_HUB_IP", self.hub_ip), ("CLASSROOM_PROXY_IP", self.proxy_ip)):
            try:
                ipaddress.IPv4Address(value)
            except ValueError:
                raise ValueError(f"{key}={value!r} is not an IPv4 address") from None

    @classmethod
    def from_environment(cls, env) -> Classroom:
        return cls(env.get("CLASSROOM_BRIDGE", ""), env.get("CLASSROOM_HUB_IP", ""), env.get("CLASSROOM_PROXY_IP", ""))

    @property
    def chain(self) -> str:
        return f"DLC-{self.bridge}"  # one chain per classroom network (iptables allows 28 characters)

    @property
    def jump(self) -> list[str]:
        """The rule in DOCKER-USER that sends this network's traffic to the chain."""
        return ["-i", self.bridge, "-j", self.chain]

    def rules(self) -> list[list[str]]:
        """The chain's rules, in order (each as iptables' arguments after `-A <chain>`)."""
        # In the order iptables lists a rule's parts (so listing() is what `iptables -S` prints);
        # the jump already matched `-i <bridge>`, `-o <bridge>` makes both ends the network's.
        inside = ["-o", self.bridge]
        return [
            ["-d", METADATA, "-j", "DROP"],
            ["-s", f"{self.hub_ip}/32", *inside, "-j", "ACCEPT"],
            ["-s", f"{self.proxy_ip}/32", *inside, "-j", "ACCEPT"],
            ["-d", f"{self.hub_ip}/32", *inside, "-p", "tcp", "-m", "tcp", "--dport", str(HUB_PORT), "-j", "ACCEPT"],
            ["-j", "RETURN"],  # the rest: Docker's rules (with icc off they drop container-to-container)
        ]

    def restore_input(self) -> str:
        """iptables-restore --noflush input that replaces the chain in one transaction."""
        lines = ["*filter", f":{self.chain} - [0:0]"]  # declaring a chain in --noflush mode empties it
        lines += [" ".join(["-A", self.chain, *rule]) for rule in self.rules()]
        return "\n".join([*lines, "COMMIT", ""])

    def listing(self) -> list[str]:
        """The chain as `iptables -S <chain>` prints it when the rules are in place."""
        return [f"-N {self.chain}", *(" ".join(["-A", self.chain, *rule]) for rule in self.rules())]


def run(cmd: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True)


def backend(bridge: str) -> str:
    """The iptables binary whose tables hold Docker's rules for this network (nft or legacy: a
    host's Docker uses one of the two, and rules in the other would not share its chains)."""
    usable = [b for b in BACKENDS if shutil.which(b) and run([b, "-w", "-S", DOCKER_CHAIN]).returncode == 0]
    if not usable:
        raise RuntimeError(
            f"no iptables backend has Docker's {DOCKER_CHAIN} chain: is Docker's iptables management on?"
        )
    dockers = [b for b in usable if f" {bridge} " in run([b, "-w", "-S", "FORWARD"]).stdout]
    return (dockers or usable)[0]


def apply(room: Classroom, iptables: str) -> None:
    """Put the chain and the jump in place (idempotent: the chain is replaced, the jump added once)."""
    done = run([f"{iptables}-restore", "-w", "--noflush"], stdin=room.restore_input())
    if done.returncode != 0:
        raise RuntimeError(f"iptables-restore refused the rules: {done.stderr.strip()}")
    if run([iptables, "-w", "-C", DOCKER_CHAIN, *room.jump]).returncode != 0:
        added = run([iptables, "-w", "-I", DOCKER_CHAIN, "1", *room.jump])
        if added.returncode != 0:
            raise RuntimeError(f"could not add the jump to {DOCKER_CHAIN}: {added.stderr.strip()}")


def in_place(room: Classroom, iptables: str) -> bool:
    listed = run([iptables, "-w", "-S", room.chain])
    jumped = run([iptables, "-w", "-C", DOCKER_CHAIN, *room.jump])
    return jumped.returncode == 0 and listed.stdout.splitlines() == room.listing()


def remove(room: Classroom, iptables: str) -> None:
    while run([iptables, "-w", "-D", DOCKER_CHAIN, *room.jump]).returncode == 0:
        pass
    run([iptables, "-w", "-F", room.chain])
    run([iptables, "-w", "-X", room.chain])


def serve(room: Classroom) -> None:
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    iptables = backend(room.bridge)
    apply(room, iptables)
    print(f"isolation on {room.bridge} ({iptables}): {room.chain}", flush=True)
    for line in room.listing():
        print(f"  {line}", flush=True)
    while not stopping:
        time.sleep(RECHECK_SECONDS)
        if not stopping and not in_place(room, iptables):
            print("the rules were gone (a Docker restart or a flush): applied again", flush=True)
            apply(room, iptables)
    remove(room, iptables)
    print("isolation rules removed (the classroom is stopping)", flush=True)


def main(argv: list[str]) -> int:
    try:
        room = Classroom.from_environment(os.environ)
        if argv == ["check"]:
            return 0 if in_place(room, backend(room.bridge)) else 1
        if argv == ["show"]:
            print(run([backend(room.bridge), "-w", "-S", room.chain]).stdout, end="")
            return 0
        if argv:
            print(f"usage: python3 -m dlcourse.firewall [check|show] (got {' '.join(argv)})", file=sys.stderr)
            return 2
        serve(room)
    except (ValueError, RuntimeError) as err:
        print(f"classroom firewall: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
