"""Removing the directories steps leave in a container's state directory:
never through a symlink, never through a mount point."""

import os

import pytest

from fsmrun.runtime import linux
from fsmrun.runtime.errors import FsmrunError
from fsmrun.runtime.fstree import remove_tree
from fsmrun.statemachine.store import StateStore


def make_tree(top):
    os.makedirs(os.path.join(top, "a", "b"))
    with open(os.path.join(top, "a", "b", "file"), "w") as f:
        f.write("x")


def test_store_remove_takes_directories_but_not_what_symlinks_point_to(tmp_path):
    outside = tmp_path / "outside"
    make_tree(str(outside))
    store = StateStore(str(tmp_path / "root"), durable=False)
    store.make_dir("c1")
    state_dir = store.dir_of("c1")
    store.write("c1", {"id": "c1"})
    make_tree(os.path.join(state_dir, "layers"))
    os.symlink(str(outside), os.path.join(state_dir, "link"))
    os.symlink(str(outside), os.path.join(state_dir, "layers", "a", "link"))
    store.remove("c1")
    assert not os.path.exists(state_dir)
    assert os.path.exists(outside / "a" / "b" / "file")


def test_a_tree_with_a_mount_inside_is_refused_and_the_state_kept(tmp_path):
    store = StateStore(str(tmp_path / "root"), durable=False)
    store.make_dir("c1")
    store.write("c1", {"id": "c1"})
    inner = os.path.join(store.dir_of("c1"), "layers", "mnt")
    os.makedirs(inner)
    linux.mount("tmpfs", inner, "tmpfs", 0)
    try:
        with open(os.path.join(inner, "precious"), "w") as f:
            f.write("x")
        with pytest.raises(FsmrunError, match=f"{inner} is mounted inside it"):
            store.remove("c1")
        assert os.path.exists(os.path.join(inner, "precious"))
        assert store.exists("c1")  # the state file goes last: destroy can run again
    finally:
        linux.umount2(inner)
    store.remove("c1")
    assert not os.path.exists(store.dir_of("c1"))


def test_remove_tree_of_nothing_is_fine(tmp_path):
    remove_tree(str(tmp_path / "absent"))
