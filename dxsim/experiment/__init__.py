"""Experiments: replications of a scenario and sweeps over scenarios, on any executor.

Layer: imports ``dxsim.results``, ``dxsim.model``, ``dxsim.scenario`` and the
utilities; never ``dxsim.analysis``.
"""
