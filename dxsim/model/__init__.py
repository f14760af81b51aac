"""The SimPy model of one replication (no xarray in here)."""
