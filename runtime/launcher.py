"""Install the fast `fsmrun` launcher over pip's entry-point script.

pip's script runs the interpreter with `site`, which processes every .pth
file in site-packages (here one imports certifi: 20 ms on every command) and
cannot pass interpreter options.  This launcher runs it without `site` (-S)
and without the script's directory on the path (-P), puts fsmrun's own
site-packages on the path by hand, and falls back to `site` where that is not
enough (a virtualenv, an editable install) or when coverage measures
subprocesses (it starts from a .pth).  PYTHONPATH still works, for the
modules of Python steps.

    python3 -m fsmrun.runtime.launcher [DIR]   (default: pip's scripts dir)

(The options are one word, -SP: Linux passes a shebang's options as one
argument.)
"""

import os
import sys
import sysconfig

TEMPLATE = '''#!{python} -SP
# fsmrun's launcher, written by `python3 -m fsmrun.runtime.launcher`
import os
import sys


def _find_main():
    sys.path.append({site_packages!r})
    if not {{"COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START"}} & set(os.environ):
        try:
            from fsmrun.runtime.main import main
            return main
        except ImportError:
            pass
    import site
    site.main()
    from fsmrun.runtime.main import main
    return main


code = _find_main()()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code if isinstance(code, int) else 1)
'''


def launcher_text():
    # where pip puts packages; an editable or virtualenv install is found by
    # the launcher's fallback to `site`
    # sys.executable as it is: a virtualenv's python finds its pyvenv.cfg
    return TEMPLATE.format(python=sys.executable,
                           site_packages=sysconfig.get_path("purelib"))


def install(directory=None):
    directory = directory or sysconfig.get_path("scripts")
    path = os.path.join(directory, "fsmrun")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(launcher_text())
    os.chmod(tmp, 0o755)
    os.rename(tmp, path)
    return path


if __name__ == "__main__":
    print(install(sys.argv[1] if len(sys.argv) > 1 else None))
