"""OCI mount options: flags for mount(2), propagation, and the data string."""

from fsmrun.runtime import linux as L

# option -> (clear?, flag)
FLAGS = {
    "async": (True, L.MS_SYNCHRONOUS), "atime": (True, L.MS_NOATIME),
    "bind": (False, L.MS_BIND), "defaults": (False, 0),
    "dev": (True, L.MS_NODEV), "diratime": (True, L.MS_NODIRATIME),
    "dirsync": (False, L.MS_DIRSYNC), "exec": (True, L.MS_NOEXEC),
    "mand": (False, L.MS_MANDLOCK), "noatime": (False, L.MS_NOATIME),
    "nodev": (False, L.MS_NODEV), "nodiratime": (False, L.MS_NODIRATIME),
    "noexec": (False, L.MS_NOEXEC), "nomand": (True, L.MS_MANDLOCK),
    "norelatime": (True, L.MS_RELATIME), "nostrictatime": (True, L.MS_STRICTATIME),
    "nosuid": (False, L.MS_NOSUID), "rbind": (False, L.MS_BIND | L.MS_REC),
    "relatime": (False, L.MS_RELATIME), "remount": (False, L.MS_REMOUNT),
    "ro": (False, L.MS_RDONLY), "rw": (True, L.MS_RDONLY),
    "silent": (False, L.MS_SILENT), "loud": (True, L.MS_SILENT),
    "strictatime": (False, L.MS_STRICTATIME), "suid": (True, L.MS_NOSUID),
    "sync": (False, L.MS_SYNCHRONOUS), "nosymfollow": (False, L.MS_NOSYMFOLLOW),
}

PROPAGATION = {
    "private": L.MS_PRIVATE, "rprivate": L.MS_PRIVATE | L.MS_REC,
    "shared": L.MS_SHARED, "rshared": L.MS_SHARED | L.MS_REC,
    "slave": L.MS_SLAVE, "rslave": L.MS_SLAVE | L.MS_REC,
    "unbindable": L.MS_UNBINDABLE, "runbindable": L.MS_UNBINDABLE | L.MS_REC,
}

# runc/crun extensions that are not for the kernel
IGNORED = frozenset({"tmpcopyup", "copy-symlink", "idmap", "ridmap", "notmpcopyup"})


def parse(options):
    """(flags, [propagation flags], data string) for a list of options."""
    flags = 0
    propagation = []
    data = []
    for opt in options or ():
        if opt in FLAGS:
            clear, flag = FLAGS[opt]
            flags = flags & ~flag if clear else flags | flag
        elif opt in PROPAGATION:
            propagation.append(PROPAGATION[opt])
        elif opt not in IGNORED:
            data.append(opt)
    return flags, propagation, ",".join(data)
