"""What one replication returns: :class:`RunResult`, numpy arrays only.

Kept apart from the engine so that reading or combining results (the
results layer, the experiment's executors) never loads SimPy: this module
imports numpy and the ledger's table type, nothing that runs a model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dxsim.model.ledger import LedgerTable

__all__ = ["RunResult"]


@dataclass(frozen=True)
class RunResult:
    """Everything one replication produced, as numpy arrays (no xarray, no SimPy).

    Attributes
    ----------
    monthly : dict of str to array, shape (months, industries)
        Counts per month and industry: ``considering``, ``adoptions`` and
        ``declined`` (would-be adopters their platform declined) in the
        month, ``adopters``, ``in_use``, ``accepted`` and ``lighthouses``
        cumulated (enterprises).
    platform : dict of str to array, shape (months, platforms)
        End-of-month state of each platform: ``queue_length`` and
        ``utilisation`` (time averages), ``experience`` (deployments),
        ``unit_cost`` and ``price`` (yuan), ``receivables`` (yuan) and
        ``platform_cash_flow`` (yuan / month).
    budget_remaining : array, shape (months,)
        Uncommitted budget of the batches not yet closed, yuan.
    budget_lapsed : array, shape (months,)
        Budget that lapsed in the month (a closed batch's uncommitted money
        that did not roll over, and commitments released into it later), yuan / month.
    budget_committed : array, shape (months,)
        Budget committed to signed contracts and not yet paid nor released (end of month), yuan.
    public_money : array, shape (months,)
        Subsidies and rewards paid, yuan / month.
    tax_revenue : array, shape (months,)
        Enterprises' income tax on their incremental profit, net of tax
        savings, yuan / month.
    platform_tax : array, shape (months,)
        The platforms' income tax, yuan / month.
    vat_revenue : array, shape (months,)
        VAT net of input VAT refunded and the enterprises' VAT credit, yuan / month.
    gains : array, shape (months,)
        The enterprises' realised incremental profit before tax (ledger kind
        ``gain``), yuan / month.
    financing_cost : array, shape (months,)
        The platforms' financing costs on their receivables (ledger kind
        ``financing_cost``), yuan / month.
    cash_flow : array, shape (months, parties)
        Net cash flow of government (all taxes less public money), platform
        and enterprise, yuan / month.
    adopters : dict of str to array, shape (adopters,)
        One record per contract (dates in months, money in yuan, flags).
    admitted : array of int8, shape (batches, platforms)
        1 where the batch admitted the platform
        (:meth:`~dxsim.model.institutions.BatchAdmission.table`).
    applicants : dict of str to array, shape (applicants,)
        One record per attempt to sign on a batch's money:
        ``enterprise``, ``month``, ``batch`` and ``won``
        (:class:`~dxsim.model.institutions.ApplicantLog`).
    ledger : LedgerTable or None
        Every payment of the run; None unless asked for
        (``World.run(keep_ledger=True)``).
    events : int
        SimPy events the run scheduled.
    decisions : dict of str to array, shape (decisions,), optional
        Every decision taken, one entry per decision
        (:data:`dxsim.model.decisions.COLUMNS`); None unless asked for
        (``World(..., decisions=True)``).
    contract_flows : array, shape (adopters, months, 3), optional
        Each contract's net cash flow of government, platform and
        enterprise by calendar month, yuan / month; with ``decisions``.
    """

    monthly: dict[str, NDArray[np.float64]]
    platform: dict[str, NDArray[np.float64]]
    budget_remaining: NDArray[np.float64]
    budget_lapsed: NDArray[np.float64]
    budget_committed: NDArray[np.float64]
    public_money: NDArray[np.float64]
    tax_revenue: NDArray[np.float64]
    platform_tax: NDArray[np.float64]
    vat_revenue: NDArray[np.float64]
    gains: NDArray[np.float64]
    financing_cost: NDArray[np.float64]
    cash_flow: NDArray[np.float64]
    adopters: dict[str, NDArray[np.float64]]
    admitted: NDArray[np.int8]
    applicants: dict[str, NDArray[np.float64]]
    ledger: LedgerTable | None
    events: int
    decisions: dict[str, NDArray[np.float64]] | None = None
    contract_flows: NDArray[np.float64] | None = None
