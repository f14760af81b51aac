"""Analysis: Datasets in, answers out (metrics, survival, Wright's law, additionality, Shapley).

Layer: imports ``dxsim.results``, ``dxsim.scenario`` and the utilities; never runs a
model and never imports ``dxsim.experiment`` or ``dxsim.model``'s SimPy parts.
"""
