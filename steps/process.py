"""Everything about the process that must be settled before `created`:
find its executable (a missing one fails `create`, as with runc), make its
working directory, set no_new_privs, switch to its user, enter its cwd.

The cwd is checked after the switch: a working directory outside the
container (a leaked host fd, runc CVE-2024-21626) is refused.
"""

import os

from fsmrun.runtime import linux
from fsmrun.runtime.errors import FsmrunError, syscall_error

SIDE = "init"
NOTHING_TO_UNDO = True  # `delete` need not even import this module
PR_SET_KEEPCAPS = 8  # the capabilities step clears it again
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def env_path(env):
    for item in env or ():
        if item.startswith("PATH="):
            return item[5:]
    return DEFAULT_PATH


def find_executable(name, env):
    """The path execve will run, looked up in the container's PATH."""
    if "/" in name:
        candidates = [name]
    else:
        candidates = [os.path.join(d or ".", name) for d in env_path(env).split(":")]
    for path in candidates:
        try:
            st = os.stat(path)
        except OSError:
            continue
        if not os.path.isdir(path) and st.st_mode & 0o111:
            return path
    if "/" in name:
        raise FsmrunError(f'exec: "{name}": stat {name}: no such file or directory',
                          errno=2)
    raise FsmrunError(f'exec: "{name}": executable file not found in $PATH', errno=2)


def apply(ctx, record):
    process = ctx.process
    ctx.executable = find_executable(process["args"][0], process.get("env"))
    cwd = process.get("cwd") or "/"
    try:
        os.makedirs(cwd, 0o755, exist_ok=True)
    except OSError as exc:
        raise syscall_error("mkdir", cwd, exc) from None
    if process.get("noNewPrivileges"):
        linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
    user = process.get("user") or {}
    uid, gid = user.get("uid", 0), user.get("gid", 0)
    groups = sorted(user.get("additionalGids") or [])
    try:
        if (os.getuid(), os.getgid(), sorted(os.getgroups())) != (uid, gid, groups):
            if uid != 0 and process.get("capabilities"):
                # setuid to non-root clears the permitted set: keep it for
                # the capabilities step, which sets the process's own
                linux.prctl(PR_SET_KEEPCAPS, 1)
            os.setgroups(groups)
            os.setgid(gid)
            os.setuid(uid)
    except OSError as exc:
        raise syscall_error("setuid/setgid", f"{user.get('uid', 0)}:{user.get('gid', 0)}", exc) from None
    if "umask" in user:
        os.umask(user["umask"])
    try:
        os.chdir(cwd)
        here = os.getcwd()
    except OSError as exc:
        raise syscall_error("chdir", cwd, exc) from None
    if not here.startswith("/"):
        raise FsmrunError(f"chdir {cwd}: the working directory is outside the container")


def undo(ctx, record):
    pass
