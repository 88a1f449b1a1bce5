"""The lifecycle machine of one container, built from its pipeline.

States: `creating` (before the first phase), one state per phase of the
pipeline's `create` list (all of them are OCI `creating`), then the OCI
states `created`, `running`, `paused`, `stopped`, and `deleted`.

Step work runs in `before` callbacks: if a step raises, `transitions` has
not changed the state yet, so the machine stays in the last phase that took
effect.  Callbacks are bound callables, never dotted strings, so pipeline
data cannot make `transitions` import anything.  `auto_transitions=False`:
`to_<state>` would skip the steps.
"""

OCI_STATES = ("created", "running", "paused", "stopped")
NOT_PHASE_NAMES = frozenset(("creating", "deleted") + OCI_STATES)


def build(model, pipeline, *, run_phase, on_created, on_start, on_delete,
          initial="creating"):
    """Attach the lifecycle machine to `model`.

    run_phase(phase) applies one phase (or waits for the peer to); the
    other callbacks do the work of the OCI transitions.
    """
    from fsmrun.runtime import deferred
    deferred.defer("inspect", "traceback")  # see runtime/deferred.py
    from transitions import Machine  # here, so `definition` alone costs no import
    states, transitions = definition(pipeline, run_phase=run_phase, on_created=on_created,
                                     on_start=on_start, on_delete=on_delete)
    return Machine(model=model, states=states, transitions=transitions, initial=initial,
                   auto_transitions=False, send_event=False, queued=False)


def definition(pipeline, *, run_phase=None, on_created=None, on_start=None, on_delete=None):
    """The machine's states and transitions (`transitions` dicts), as `build`
    uses them; without callbacks it is what `fsmrun pipeline graph` draws."""
    states = ["creating", *(p.name for p in pipeline.create), *OCI_STATES, "deleted"]
    transitions = []
    previous = "creating"
    for phase in pipeline.create:
        transitions.append({"trigger": "advance", "source": previous, "dest": phase.name,
                            "before": _bind(run_phase, phase) if run_phase else None})
        previous = phase.name
    transitions += [
        {"trigger": "advance", "source": previous, "dest": "created", "before": on_created},
        {"trigger": "start", "source": "created", "dest": "running", "before": on_start},
        {"trigger": "exited", "source": ["created", "running"], "dest": "stopped"},
        {"trigger": "delete", "source": "stopped", "dest": "deleted", "before": on_delete},
        # from anywhere, creating phases included: take back everything
        {"trigger": "destroy", "source": "*", "dest": "deleted", "before": on_delete},
    ]
    return states, transitions


def _bind(func, phase):
    def run(*_args, **_kwargs):
        func(phase)
    run.__name__ = f"phase_{phase.name}"
    return run
