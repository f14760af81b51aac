"""The version of dxsim (single source for the package metadata)."""

__version__ = "0.5.20"
