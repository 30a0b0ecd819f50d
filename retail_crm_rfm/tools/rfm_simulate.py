"""Simulators of the BG/NBD, Pareto/NBD and Gamma-Gamma models (for tests and benches)."""

import numpy as np


def simulate_bgnbd(r, alpha, a, b, T, seed=0):
    """Simulate (x, t_x) for customers observed for T periods under BG/NBD."""
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype=float)
    n = T.size
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    now = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        now[idx] += rng.exponential(1.0, idx.size) / lam[idx]
        done = now[idx] > T[idx]
        alive[idx[done]] = False
        buy = idx[~done]
        x[buy] += 1
        t_x[buy] = now[buy]
        drop = rng.random(buy.size) < p[buy]
        alive[buy[drop]] = False
    return x, t_x


def simulate_gamma_gamma(p, q, v, x, seed=0):
    """Simulate mean spend for customers with x transactions under Gamma-Gamma."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=int)
    nu = rng.gamma(q, 1.0 / v, x.size)
    # sum of x Gamma(p, nu) spends is Gamma(p x, nu)
    return rng.gamma(p * x, 1.0 / nu) / x


def simulate_pareto(r, alpha, s, beta, T, horizon=0.0, seed=0):
    """Simulate (x, t_x, future purchases in (T, T + horizon]) under Pareto/NBD."""
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype=float)
    n = T.size
    lam = rng.gamma(r, 1.0 / alpha, n)
    death = rng.exponential(1.0, n) / rng.gamma(s, 1.0 / beta, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    future = np.zeros(n)
    now = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        now[idx] += rng.exponential(1.0, idx.size) / lam[idx]
        done = now[idx] > np.minimum(death[idx], T[idx] + horizon)
        alive[idx[done]] = False
        buy = idx[~done]
        calibration = now[buy] <= T[buy]
        x[buy[calibration]] += 1
        t_x[buy[calibration]] = now[buy[calibration]]
        future[buy[~calibration]] += 1
    return x, t_x, future
