"""fsmrun: an OCI container runtime driven by an explicit, journalled state machine."""

__version__ = "0.1.0"
OCI_VERSION = "1.0.2"
