"""Studies: what runs experiments in order to analyse them.

Counterfactual runs, Shapley subsets, calibration and sensitivity analysis. Every run
goes through ``dxsim.experiment``, so ``workers=`` and ``executor=`` always apply.
"""
