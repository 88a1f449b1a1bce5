"""The benchmark of fsmrun against runc and crun: see bench/README.md."""
