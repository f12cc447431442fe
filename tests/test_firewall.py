"""Student isolation's rules (dlcourse/firewall.py) and the classroom network's addresses
(tools/classroom_network.py). The rules are also applied by real iptables in a network
namespace of their own (root only; never the host's tables); the end-to-end test that a student
cannot reach another student's server is in test_classroom.py."""

import ipaddress
import os
import shutil
import subprocess
import sys

import pytest

from dlcourse import firewall
from dlcourse.ports import HUB_PORT
from tools.classroom_network import CANDIDATES, ClassroomNetwork

ROOM = firewall.Classroom("br-0123456789ab", "172.31.240.2", "172.31.240.3")


def verdict(room: firewall.Classroom, src: str, dst: str, out: str, port: int = 8888) -> str:
    """Which target the chain gives a TCP packet (the first matching rule), read from its rules."""
    for rule in room.rules():
        args = dict(zip(rule[::2], rule[1::2], strict=False))
        if "-d" in args and ipaddress.ip_address(dst) not in ipaddress.ip_network(args["-d"]):
            continue
        if "-s" in args and ipaddress.ip_address(src) not in ipaddress.ip_network(args["-s"]):
            continue
        if "-o" in args and args["-o"] != out:
            continue
        if "--dport" in args and int(args["--dport"]) != port:
            continue
        return args["-j"]
    raise AssertionError("the chain has no final rule")


def test_the_chain_lets_through_exactly_what_the_classroom_needs():
    student, other, bridge = "172.31.248.7", "172.31.248.9", ROOM.bridge
    assert verdict(ROOM, ROOM.hub_ip, student, bridge) == "ACCEPT"  # the hub checks a server
    assert verdict(ROOM, ROOM.proxy_ip, student, bridge) == "ACCEPT"  # the proxy forwards a browser
    assert verdict(ROOM, student, ROOM.hub_ip, bridge, HUB_PORT) == "ACCEPT"  # a server talks to the hub
    # everything else between two containers goes back to Docker's rules, which drop it (icc off)
    assert verdict(ROOM, student, other, bridge) == "RETURN"
    assert verdict(ROOM, student, ROOM.hub_ip, bridge, 22) == "RETURN"
    assert verdict(ROOM, student, ROOM.proxy_ip, bridge, 8000) == "RETURN"
    # the metadata address is dropped for every container, the hub's and the proxy's too
    for src in (student, ROOM.hub_ip, ROOM.proxy_ip):
        assert verdict(ROOM, src, "169.254.169.254", "eth0", 80) == "DROP"
    assert verdict(ROOM, student, "93.184.216.34", "eth0", 443) == "RETURN"  # the rest: Docker's rules


def test_the_checker_catches_a_missing_rule():
    """The verdicts above come from the rules: without the hub's rule, the hub is refused."""

    class NoHubRule(firewall.Classroom):
        def rules(self):
            return [r for r in super().rules() if r[:2] != ["-s", f"{self.hub_ip}/32"]]

    broken = NoHubRule(ROOM.bridge, ROOM.hub_ip, ROOM.proxy_ip)
    assert verdict(broken, ROOM.hub_ip, "172.31.248.7", ROOM.bridge) == "RETURN"


def test_the_restore_input_replaces_the_chain_in_one_transaction():
    text = ROOM.restore_input()
    lines = text.splitlines()
    assert lines[0] == "*filter" and lines[1] == f":{ROOM.chain} - [0:0]" and lines[-1] == "COMMIT"
    assert lines[2:-1] == [f"-A {ROOM.chain} {' '.join(rule)}" for rule in ROOM.rules()]
    assert ROOM.listing()[0] == f"-N {ROOM.chain}" and len(ROOM.chain) <= 28  # iptables' limit on names


@pytest.mark.parametrize(
    ("key", "env", "message"),
    [
        ("CLASSROOM_BRIDGE", {"CLASSROOM_BRIDGE": "br-0123456789abcdef"}, "not a Linux bridge name"),
        ("CLASSROOM_BRIDGE", {"CLASSROOM_BRIDGE": ""}, "not a Linux bridge name"),
        ("CLASSROOM_BRIDGE", {"CLASSROOM_BRIDGE": "br;rm -rf"}, "not a Linux bridge name"),
        ("CLASSROOM_HUB_IP", {"CLASSROOM_HUB_IP": "hub"}, "not an IPv4 address"),
        ("CLASSROOM_PROXY_IP", {"CLASSROOM_PROXY_IP": "10.0.0.300"}, "not an IPv4 address"),
    ],
)
def test_bad_settings_are_refused_with_the_key_and_value(key, env, message, capsys):
    good = {"CLASSROOM_BRIDGE": ROOM.bridge, "CLASSROOM_HUB_IP": ROOM.hub_ip, "CLASSROOM_PROXY_IP": ROOM.proxy_ip}
    with pytest.raises(ValueError, match=message) as err:
        firewall.Classroom.from_environment({**good, **env})
    assert key in str(err.value) and repr(env[key]) in str(err.value)


def test_the_network_keeps_the_fixed_addresses_out_of_the_servers_range():
    for subnet in CANDIDATES:
        net = ClassroomNetwork("n", subnet, "br-x")
        servers = ipaddress.ip_network(net.dynamic_range)
        assert ipaddress.ip_network(subnet).prefixlen == 20
        assert ipaddress.ip_address(net.hub_ip) not in servers and ipaddress.ip_address(net.proxy_ip) not in servers
        assert net.hub_ip != net.proxy_ip and servers.num_addresses >= 2000
        assert ipaddress.ip_network(subnet).is_private


NAMESPACE_TEST = """
import subprocess, sys
from dlcourse import firewall
room = firewall.Classroom("br-nstest", "10.77.0.2", "10.77.0.3")
subprocess.run(["iptables-nft", "-N", "DOCKER-USER"], check=True)  # what Docker makes
subprocess.run(["iptables-nft", "-A", "DOCKER-USER", "-j", "RETURN"], check=True)
ipt = firewall.backend(room.bridge)
assert not firewall.in_place(room, ipt)
firewall.apply(room, ipt)
firewall.apply(room, ipt)  # twice: still one jump, the same chain
assert firewall.in_place(room, ipt), firewall.run([ipt, "-S"]).stdout
users = firewall.run([ipt, "-S", "DOCKER-USER"]).stdout.splitlines()
assert users == ["-N DOCKER-USER", f"-A DOCKER-USER -i br-nstest -j {room.chain}", "-A DOCKER-USER -j RETURN"], users
subprocess.run([ipt, "-F", room.chain], check=True)  # a flush: the check notices
assert not firewall.in_place(room, ipt)
firewall.remove(room, ipt)
assert firewall.run([ipt, "-S", "DOCKER-USER"]).stdout.splitlines() == ["-N DOCKER-USER", "-A DOCKER-USER -j RETURN"]
print("ok")
"""


def test_real_iptables_applies_the_rules_once_and_notices_a_flush():
    """In a new network namespace (unshare -n), so the host's own tables are never touched."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("iptables-nft"):
        pytest.skip("needs root, unshare and iptables-nft (a network namespace of its own)")
    done = subprocess.run(
        ["unshare", "--net", sys.executable, "-c", NAMESPACE_TEST], capture_output=True, text=True, timeout=60
    )
    if "Operation not permitted" in done.stderr and "unshare" in done.stderr:
        pytest.skip(f"this machine does not allow network namespaces: {done.stderr.strip()}")
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
