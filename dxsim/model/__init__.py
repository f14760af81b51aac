"""The model of one replication: the only layer that imports SimPy (no xarray in here).

Layer: imports ``dxsim.scenario`` and the utilities (``dxsim.random``,
``dxsim.finance``); imported by ``dxsim.results`` (:mod:`~dxsim.model.result`
only, which loads no SimPy) and ``dxsim.experiment``.

Modules, from the top of one replication down:

- ``world``: composition of a replication's parts from a scenario and a key; ``run_replication``.
- ``driver``: the monthly driver (the SimPy process that opens and closes the months) and the monthly series.
- ``demand``: the month's considerers: prices, platform choice, offers, decisions, working-capital rationing.
- ``applications``: the applicant's steps as SimPy timeouts, behind the ``ApplicantSteps`` protocol; sign outcomes.
- ``contracting``: signing, the programme's grants, settlement at go-live, acceptance assessment; the register.
- ``population``: enterprises as columns: keyed consideration thresholds and attributes.
- ``platform``: platforms as columns: Wright's-law costs, prices, occupancy, receivables.
- ``programme``: batches, budgets, instruments and commitments; the budget's rollover.
- ``institutions``: a batch's sub-industries and platforms, the allocation order of its applicants, their record.
- ``parameters``: the scenario's per-industry numbers and contract rules, compiled once per replication.
- ``decision``: the adoption decision, pure and vectorised.
- ``participation``: the platform's participation constraint (does it sign?), pure and vectorised.
- ``schemes``: payment schemes, month by month, pure and vectorised.
- ``settlement``: the schedules of contracts going live, pure and vectorised.
- ``closing``: the run's books closed: VAT, income taxes and the platforms' own costs written to the ledger.
- ``tax``: the tax law (income tax by class, VAT, the platforms' loss carry-forward), pure and vectorised.
- ``contracts``: the split of the price and the book of signed contracts.
- ``ledger``: the three-party ledger and the conservation check.
- ``accounts``: the ledger reduced to cash flows, spending and per-adopter records.
- ``result``: ``RunResult``, what a replication returns (numpy only, no SimPy).
- ``gcpause``: pausing the cyclic garbage collector while runs are in progress, across threads.
"""
