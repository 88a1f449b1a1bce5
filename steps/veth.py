"""A veth pair between the host and the container's network namespace.

The host end gets the first address of a /30 taken from `pool`, the
container end (`eth0`, or `container_name`) the second one and a default
route through the host end.  Made with pyroute2, imported here only: it
costs 100+ ms, and the init imports every step module before it forks.

Parent side, after the init's `namespaces` phase: its network namespace
exists then, and the container end is created right in it (`net_ns_pid`).
The /30 is the first of the pool, counting from one picked by the container
id, that no address or route of the host overlaps: concurrent containers
seldom try the same one, and a range the host uses is never taken.

The record names the host end before it is made; undo deletes it, and the
kernel deletes its peer with it.  Once the container's namespace is gone
the kernel deletes the pair by itself: undo then finds nothing to do.
"""

import errno
import os

from fsmrun.runtime import linux
from fsmrun.runtime.errors import FsmrunError, syscall_error

SIDE = "parent"
AFTER = ("namespaces",)
OPTIONS = {"pool": str, "container_name": str}
DEFAULT_POOL = "198.51.100.0/24"  # TEST-NET-2 (RFC 5737): routed nowhere on the Internet
AF_INET = 2


def validate_options(options):
    import ipaddress
    try:
        pool = ipaddress.IPv4Network(options.get("pool", DEFAULT_POOL))
    except ValueError as exc:
        raise ValueError(f"pool: {exc}") from None
    if pool.prefixlen > 30:
        raise ValueError(f"pool: {pool} is smaller than a /30")
    name = options.get("container_name", "eth0")
    if not 0 < len(name) < 16 or any(c in name for c in "/ \t\n:"):
        raise ValueError(f"container_name: not an interface name: {name!r}")


def host_name(container_id):
    import zlib
    return "fsmv%08x" % zlib.crc32(container_id.encode())


def record(ctx):
    return {"host": host_name(ctx.id)}


def apply(ctx, record):
    namespaces = ctx.namespaces()
    if "network" not in namespaces or namespaces["network"]:
        raise FsmrunError("veth: the config must ask for a network namespace of the "
                          "container's own (linux.namespaces: a `network` without a path)")
    import ipaddress
    from pyroute2 import IPRoute
    options = ctx.phase.options
    name, inner_name = record["host"], options.get("container_name", "eth0")
    with IPRoute() as host:
        existing = host.link_lookup(ifname=name)
        if existing and not record.get("subnet"):
            ctx.journal.note(record, host=None)  # someone else's: undo must leave it
            raise FsmrunError(f"veth: the host has an interface {name} already")
        if existing:  # ours, from an apply that did not finish: made again
            _netlink("link del", name, host.link, "del", index=existing[0])
        subnet = _free_subnet(host, ipaddress.IPv4Network(options.get("pool", DEFAULT_POOL)),
                              ctx.id)
        host_ip, inner_ip = (str(ip) for ip in subnet.hosts())
        ctx.journal.note(record, subnet=str(subnet))
        _netlink("link add veth", name, host.link, "add", ifname=name, kind="veth",
                 peer={"ifname": inner_name, "net_ns_pid": ctx.init_pid})
        index = host.link_lookup(ifname=name)[0]
        _netlink("addr add", name, host.addr, "add", index=index, address=host_ip, prefixlen=30)
        _netlink("link set up", name, host.link, "set", index=index, state="up")
    with _open_in_netns(ctx.init_pid, IPRoute) as inner:
        index = inner.link_lookup(ifname=inner_name)[0]
        _netlink("addr add", inner_name, inner.addr, "add", index=index, address=inner_ip,
                 prefixlen=30)
        _netlink("link set up", inner_name, inner.link, "set", index=index, state="up")
        _netlink("route add default via", host_ip, inner.route, "add", dst="0.0.0.0/0",
                 gateway=host_ip)


def _free_subnet(ipr, pool, container_id):
    import ipaddress
    import zlib
    used = [ipaddress.ip_network(f"{a.get('address')}/{a['prefixlen']}", strict=False)
            for a in ipr.get_addr(family=AF_INET)]
    used += [ipaddress.ip_network(f"{r.get('dst')}/{r['dst_len']}", strict=False)
             for r in ipr.get_routes(family=AF_INET) if r["dst_len"]]
    candidates = list(pool.subnets(new_prefix=30))
    first = zlib.crc32(container_id.encode()) % len(candidates)
    for i in range(len(candidates)):
        subnet = candidates[(first + i) % len(candidates)]
        if not any(subnet.overlaps(net) for net in used):
            return subnet
    raise FsmrunError(f"veth: no free /30 in {pool}: the host's addresses and routes cover it")


def _open_in_netns(pid, factory):
    """A netlink socket of the init's network namespace: made there, it stays
    bound to it after this thread goes back to its own."""
    own = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    target = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        linux.setns(target, linux.CLONE_NEWNET)
        try:
            return factory()
        finally:
            linux.setns(own, linux.CLONE_NEWNET)
    finally:
        os.close(own)
        os.close(target)


def _netlink(what, target, call, *args, **kwargs):
    from pyroute2.netlink.exceptions import NetlinkError
    try:
        return call(*args, **kwargs)
    except NetlinkError as exc:
        raise syscall_error(f"netlink {what}", target, exc.code) from None


def undo(ctx, record):
    name = record.get("host")
    if not name or not os.path.exists(f"/sys/class/net/{name}"):
        return  # never made, or gone with the container's namespace
    from pyroute2 import IPRoute
    from pyroute2.netlink.exceptions import NetlinkError
    with IPRoute() as host:
        for index in host.link_lookup(ifname=name):
            try:
                host.link("del", index=index)
            except NetlinkError as exc:
                if exc.code != errno.ENODEV:  # the kernel got there first
                    raise syscall_error("netlink link del", name, exc.code) from None


def describe_undo(record):
    if not record.get("host"):
        return "nothing: no interface of ours"
    return f"delete veth {record['host']} ({record.get('subnet', 'no address yet')})"
