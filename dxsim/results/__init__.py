"""Results: the output schema, the Dataset built from runs, provenance, file I/O and sweep stores.

Layer: imports ``dxsim.model`` (result types only, never SimPy), ``dxsim.scenario`` and
the utilities; never runs a model.
"""
