"""exec: the init becomes the process, with its args and exactly its env,
and with no signal ignored (Python ignores SIGPIPE and SIGXFSZ)."""

from conftest import new_id


def test_exec_gives_args_and_exactly_the_env(fsmrun, bundle, cid):
    bundle.configure(["sh", "-c", 'echo "$0|$1|$FOO"; env | sort', "a b", "c"],
                     process__env=["FOO=bar", "PATH=/bin"])
    res = fsmrun("run", "-b", bundle.path, cid)
    assert res.returncode == 0, res
    lines = res.stdout.splitlines()
    assert lines[0] == "a b|c|bar"
    # only the config's env, and what sh itself adds (PWD, SHLVL)
    assert {line.split("=")[0] for line in lines[1:]} <= {"FOO", "PATH", "PWD", "SHLVL"}


def test_exec_leaves_no_signal_ignored(fsmrun, bundle):
    bundle.configure(["grep", "SigIgn", "/proc/self/status"])
    res = fsmrun("run", "-b", bundle.path, new_id())
    assert res.returncode == 0, res
    assert res.stdout.split() == ["SigIgn:", "0000000000000000"]
