"""deskhand: a human emulator that sees pixels and acts through keyboard and mouse."""

__version__ = "0.1.0"
