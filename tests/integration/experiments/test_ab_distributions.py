"""The distribution macros of the A/B statistics (macros/experiments/sa_ab_distributions.sql) against
scipy over a grid of arguments: the normal CDF (far tails included), the two-sided Student-t p-value
(fractional, small and large df, extreme t) and the chi-square survival function (whole df)."""

from __future__ import annotations

import json

import pytest
from scipy import stats

from tests.fixtures.dbt_project import DbtWorkspace

Z_GRID = [-37.5, -30.0, -20.0, -12.3, -8.0, -5.0, -2.9, -2.1, -2.0, -1.96, -1.5, -1.0, -0.3, -1e-4, 0.0, 1e-4,
          0.3, 1.0, 1.41, 1.5, 1.96, 2.0, 2.9, 5.0, 7.5]
T_DF_GRID = [(t, df) for df in (1.0, 1.7, 2.5, 7.3, 29.5, 120.0, 1000.0, 9876.5)
             for t in (1e-3, 0.2, 0.7, 1.2, 1.7, 1.75, 2.0, 2.6, 4.0, 9.0, 25.0)] + [
    (-2.3, 15.2), (-0.5, 3.0), (3.0, 1e5), (0.8, 1e5), (6.0, 1e5)]
X_K_GRID = [(x, k) for k in (1, 2, 3, 4, 5, 6, 7) for x in (1e-6, 0.05, 0.5, 1.0, 2.7, 6.63, 15.0, 60.0, 300.0)]


def _cases() -> list[list[float]]:
    n = max(len(Z_GRID), len(T_DF_GRID), len(X_K_GRID))
    cases = []
    for i in range(n):
        z = Z_GRID[i % len(Z_GRID)]
        t, df = T_DF_GRID[i % len(T_DF_GRID)]
        x, k = X_K_GRID[i % len(X_K_GRID)]
        cases.append([z, t, df, x, k])
    return cases


def _close(got: float, want: float, rel: float) -> bool:
    return got == want or abs(got - want) <= rel * abs(want)


def test_distributions_match_scipy_on_duckdb(dbt_workspace: DbtWorkspace, capfd: pytest.CaptureFixture[str]) -> None:
    cases = _cases()
    capfd.readouterr()
    dbt_workspace.dbt(["run-operation", "sa_print_distributions", "--args", json.dumps({"cases": cases})])
    line = next(x for x in capfd.readouterr().out.splitlines() if x.startswith("SA_DISTRIBUTIONS "))
    got = [[float(v) for v in row] for row in json.loads(line.split(" ", 1)[1])]
    assert len(got) == len(cases)
    bad = []
    for (z, t, df, x, k), (normal, t_p, chi_p) in zip(cases, got, strict=True):
        want_normal = float(stats.norm.cdf(z))
        want_t = float(2 * stats.t.sf(abs(t), df))
        want_chi = float(stats.chi2.sf(x, k))
        if not _close(normal, want_normal, 1e-12):
            bad.append(("normal", z, normal, want_normal))
        if not _close(t_p, want_t, 1e-9 if df <= 1e4 else 1e-8):
            bad.append(("t", t, df, t_p, want_t))
        if not _close(chi_p, want_chi, 1e-12):
            bad.append(("chi2", x, k, chi_p, want_chi))
    assert bad == []
