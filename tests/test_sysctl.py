"""sysctl: values written in the container's own namespaces, through its own
procfs; a bad key, or one that would change the host, is refused."""

import pytest

import stepharness

BEFORE = stepharness.init_steps_up_to("pivot_root")


def test_sysctl_applied_twice_is_as_once(step_ctx):
    step_ctx.spec["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}
    names = BEFORE + ["sysctl"]
    once = stepharness.run_init_steps(step_ctx, names)
    twice = stepharness.run_init_steps(step_ctx, names, twice="sysctl")
    assert {k: v for k, v in twice.items() if k != "ns"} == \
        {k: v for k, v in once.items() if k != "ns"}


def test_sysctl_undo_is_harmless(step_ctx):
    stepharness.undo(step_ctx, "sysctl", {}, times=2)


def _host_ip_forward():
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        return f.read()


def test_sysctl_is_set_in_the_container_only(fsmrun, bundle, cid):
    host = _host_ip_forward()
    value = "0" if host.strip() == "1" else "1"
    bundle.configure(["cat", "/proc/sys/net/ipv4/ip_forward"],
                     linux__sysctl={"net.ipv4.ip_forward": value})
    res = fsmrun("run", "-b", bundle.path, cid)
    assert res.returncode == 0, res
    assert res.stdout == value + "\n"
    assert _host_ip_forward() == host


@pytest.mark.parametrize("key, message", [
    ("net.ipv4/../../kernel.panic", "not a valid key"),
    ("net..ipv4", "not a valid key"),
    ("kernel.panic", "not in a namespace of the container's own"),
    ("net.ipv4.no_such_key", "sysctl net.ipv4.no_such_key: write "
                             "/proc/sys/net/ipv4/no_such_key: ENOENT"),
])
def test_a_bad_key_is_refused(fsmrun, bundle, cid, key, message):
    bundle.configure(["true"], linux__sysctl={key: "1"})
    res = fsmrun("create", "-b", bundle.path, cid)
    assert res.returncode != 0, res
    assert "phase sysctl" in res.stderr and message in res.stderr, res
    assert fsmrun("state", cid).returncode != 0


def test_a_net_key_without_a_network_namespace_is_refused(fsmrun, bundle, cid):
    host = _host_ip_forward()
    namespaces = [ns for ns in bundle.config()["linux"]["namespaces"] if ns["type"] != "network"]
    bundle.configure(["true"], linux__namespaces=namespaces,
                     linux__sysctl={"net.ipv4.ip_forward": "0" if host.strip() == "1" else "1"})
    res = fsmrun("create", "-b", bundle.path, cid)
    assert res.returncode != 0 and "needs a network namespace" in res.stderr, res
    assert _host_ip_forward() == host
