"""pipelines/veth.yaml: the container reaches the host end of its veth pair
(ping), the host routes the pair's /30 to that end only, and `destroy`
deletes the pair.  The addresses are TEST-NET-2 (198.51.100.0/24), used by
these two interfaces only."""

import ipaddress
import json
import os
import subprocess

from fsmrun.statemachine.pipeline import PIPELINES_DIR

VETH = os.path.join(PIPELINES_DIR, "veth.yaml")
PING_GATEWAY = ["sh", "-c", "gw=$(ip route | awk '/^default/ {print $3}'); "
                            "ip -4 -o addr show eth0 | awk '{print $4}'; "
                            "ping -c 1 -W 5 $gw"]


def host_end(cid):
    from fsmrun.steps.veth import host_name
    return host_name(cid)


def test_the_container_pings_the_host_end(fsmrun, bundle, cid):
    # busybox ping opens a raw socket: it needs CAP_NET_RAW, which runc's
    # default config does not grant
    caps = bundle.config()["process"]["capabilities"]
    for kind in ("bounding", "effective", "permitted"):
        caps[kind] = caps.get(kind, []) + ["CAP_NET_RAW"]
    bundle.configure(PING_GATEWAY, process__capabilities=caps)
    res = fsmrun("--pipeline", VETH, "run", "--bundle", bundle.path, cid)
    assert res.returncode == 0, res
    address = ipaddress.ip_interface(res.stdout.splitlines()[0])
    assert address.network.prefixlen == 30
    assert address.network.subnet_of(ipaddress.ip_network("198.51.100.0/24"))
    assert "1 packets received" in res.stdout
    assert not os.path.exists(f"/sys/class/net/{host_end(cid)}")


def test_the_host_routes_the_pair_to_its_end_only_and_destroy_deletes_it(fsmrun, bundle, cid):
    bundle.configure(["sleep", "60"])
    fsmrun.ok("--pipeline", VETH, "create", "--bundle", bundle.path, cid)
    name = host_end(cid)
    addrs = json.loads(subprocess.run(["ip", "-j", "-4", "addr", "show", "dev", name],
                                      capture_output=True, text=True, check=True).stdout)
    host_ip = ipaddress.ip_interface(
        f"{addrs[0]['addr_info'][0]['local']}/{addrs[0]['addr_info'][0]['prefixlen']}")
    container_ip = str(host_ip.ip + 1)
    route = subprocess.run(["ip", "-j", "route", "get", container_ip],
                           capture_output=True, text=True, check=True).stdout
    assert json.loads(route)[0]["dev"] == name
    fsmrun.ok("delete", "--force", cid)
    assert not os.path.exists(f"/sys/class/net/{name}")


def test_a_config_without_a_network_namespace_is_refused(fsmrun, bundle, cid):
    config = bundle.config()
    namespaces = [ns for ns in config["linux"]["namespaces"] if ns["type"] != "network"]
    bundle.configure(["true"], linux__namespaces=namespaces)
    res = fsmrun("--pipeline", VETH, "create", "--bundle", bundle.path, cid)
    assert res.returncode == 1
    assert res.stderr == (f"fsmrun: create {cid}: parent phase veth: veth: the config must "
                          "ask for a network namespace of the container's own "
                          "(linux.namespaces: a `network` without a path)\n")
