"""The journal: a write-ahead record of every step applied to a container.

A record is written as `applying` before its step takes effect and marked
`done` after.  `undo` walks the records backwards and takes back every one
that is `applying` or `done`, so a runtime interrupted between any two
instructions leaves enough behind to remove what it made.

To halve the writes, a `done` mark is kept in memory until the next write
(the next step's `applying` record, or the end): destroy treats `applying`
and `done` alike, so a lost `done` costs nothing.
"""

import time

APPLYING = "applying"
DONE = "done"
UNDONE = "undone"


def now():
    return round(time.time(), 6)


class Journal:
    def __init__(self, store, container_id, doc):
        self.store = store
        self.id = container_id
        self.doc = doc
        doc.setdefault("journal", [])
        self.dirty = False

    @property
    def records(self):
        return self.doc["journal"]

    def flush(self, durable=None):
        self.store.write(self.id, self.doc, durable)
        self.dirty = False

    def flush_if_dirty(self):
        if self.dirty:
            self.flush()

    def begin(self, step, side, record=None, write_ahead=True, undo=True):
        """Record a step about to take effect, and write it out first unless
        the step changes nothing outside the container's own namespaces (its
        record then goes out with the next write)."""
        entry = {"step": step, "side": side, "status": APPLYING,
                 "started": now(), "record": record if record is not None else {}}
        if not undo:
            entry["undo"] = False  # the step has nothing to take back
        self.records.append(entry)
        if write_ahead:
            self.flush()
        else:
            self.dirty = True
        return entry

    def note(self, record, **data):
        """Persist what a step learned while applying (a pid, a path)."""
        record.update(data)
        self.flush()

    def done(self, entry):
        entry["status"] = DONE
        entry["finished"] = now()
        self.dirty = True

    def set(self, **fields):
        """Update top-level state fields (status, pid, phase) on the next write."""
        self.doc.update(fields)
        self.dirty = True

    def pending_undo(self):
        """The records to take back, newest first."""
        return [e for e in reversed(self.records)
                if e["status"] in (APPLYING, DONE) and e.get("undo", True)]

    def undone(self, entry):
        """Mark a record taken back, on the next write: undo is idempotent,
        so losing the mark costs only a second, harmless undo."""
        entry["status"] = UNDONE
        entry["undone"] = now()
        self.dirty = True

    def find(self, step):
        for entry in reversed(self.records):
            if entry["step"] == step:
                return entry
        return None
