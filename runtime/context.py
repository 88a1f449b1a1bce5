"""What the steps of one container share: its id, spec, paths and handles."""


class Context:
    def __init__(self, store, container_id, command):
        self.store = store
        self.id = container_id
        self.command = command
        self.state_dir = store.dir_of(container_id)
        self.fifo_path = store.fifo_of(container_id)
        self.side = "parent"
        self.bundle = None
        self.spec = None
        self.rootfs = None
        self.pipeline = None
        self.journal = None
        self.options = {}        # command-line options: pid_file, preserve_fds, no_pivot
        self.cgroup = None       # fsmrun.runtime.cgroupfs.Cgroup once planned
        self.init_pid = None
        self.init_start = None
        self.channel = None      # the sync channel to the peer, while creating
        self.lock_fd = None
        self.keep_fds = ()       # fds the init must not close (fifo, channel)
        self.fifo_fd = -1        # the init's O_PATH handle on the exec fifo
        self.executable = None   # process.args[0] resolved inside the container
        self.born_in_cgroup = False  # the init was cloned into the v2 cgroup
        self.phase = None        # the pipeline phase being applied or undone
        self.parent_killer_fd = -1  # fault injection: the init's way to kill `create`

    @property
    def process(self):
        return self.spec.get("process") or {}

    @property
    def linux(self):
        return self.spec.get("linux") or {}

    def namespaces(self):
        """{type: path or None} of the namespaces the config asks for."""
        return {ns["type"]: ns.get("path") for ns in self.linux.get("namespaces") or []}
