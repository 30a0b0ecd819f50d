"""From transactions to per-customer summary and predictions (no ORM).

The run computes the summary in SQL (``retail.crm.rfm.run._aggregate_query``)
and ``summarize_transactions`` computes the same columns in Python from a
list of transactions (the backtest command, the tests' fixture). Both then
call ``predict``.

A **visit** is a purchase day: a local calendar day on which the customer
has at least one order whose net value is positive. The net value of an
order is its total plus the totals of the refunds that point to it
(``refund_of``), whatever day the refund was rung up; so a fully refunded
order and a $0 order are no purchase, and a refund changes the value of the
original purchase day, not the day of the refund. A refund that points to no
known order keeps its own day (it lowers that day's value; it is no visit).

Summary columns (days are integers; "window" is ``day > window_start``)::

    recency      end - last purchase day
    frequency    purchase days in the window
    monetary     net value of the days in the window
    x, t_x, age  BG/NBD input in days: purchase days - 1, last - first, end - first
    repeat_net   net value of the purchase days after the first
    first_net    net value of the first purchase day
    cal_x, cal_t_x, cal_T   the same at ``cal_end`` (cal_x = -1: first purchase after it)
    hold_x       purchase days in (cal_end, end]
"""

from dataclasses import dataclass, field

import numpy as np

from . import rfm_models as stats

# calibration customers checked on the holdout at most (a fixed-seed random sample beyond)
HOLDOUT_SAMPLE = 100000
# customers the Pareto/NBD is refitted on at most (a fixed-seed random sample
# beyond): its likelihood takes two hypergeometric functions per distinct
# customer row, and the population's four parameters need no million rows
PARETO_FIT_SAMPLE = 100000


def _fit_rows(kind, size):
    """Indices of the customers the chosen model is refitted on (every one, but see PARETO_FIT_SAMPLE)."""
    if kind != "pareto" or size <= PARETO_FIT_SAMPLE:
        return np.arange(size)
    return np.sort(np.random.default_rng(0).choice(size, PARETO_FIT_SAMPLE, replace=False))


def _refit(kind, x, t_x, age, start=None):
    """The model fitted on all customers (or its sample); the log-likelihood is that of all."""
    rows = _fit_rows(kind, x.size)
    if rows.size == x.size:
        return stats.fit_bgnbd(x, t_x, age, kind=kind, start=start)
    fit = stats.fit_bgnbd(x[rows], t_x[rows], age[rows], kind=kind, start=start)
    if fit.ok:
        params = stats.model_params(kind, fit.params)
        fit.log_likelihood = float(np.sum(stats.log_likelihood(kind, params, x, t_x, age)))
        fit.n_customers = x.size
    return fit


SUMMARY_COLUMNS = (
    "partner_id",
    "recency",
    "frequency",
    "monetary",
    "x",
    "t_x",
    "age",
    "repeat_net",
    "first_net",
    "cal_x",
    "cal_t_x",
    "cal_T",
    "hold_x",
)


def summarize_transactions(rows, end, window_start, cal_end):
    """``rows``: (customer, day, amount, order_id or None, refund_of or None), days as ints."""
    orders = {}
    loose = []
    rows = [row for row in rows if row[1] <= end]
    for customer, day, amount, order_id, _refund_of in rows:
        if order_id is not None:
            orders[order_id] = [customer, day, float(amount)]
    for customer, day, amount, order_id, refund_of in rows:
        if order_id is not None and orders.get(order_id) is None:
            continue
        if refund_of is not None and float(amount) < 0 and orders.get(refund_of) and refund_of != order_id:
            orders[refund_of][2] += float(amount)
            if order_id is not None:
                orders[order_id] = None  # netted into its original
        elif order_id is None:
            loose.append((customer, day, float(amount)))
    days = {}
    for entry in list(orders.values()) + loose:
        if entry is None:
            continue
        customer, day, net = entry
        slot = days.setdefault(customer, {}).setdefault(day, [0, 0.0])
        slot[0] += 1 if round(net, 2) > 0 else 0
        slot[1] += net
    out = {name: [] for name in SUMMARY_COLUMNS}
    for customer in sorted(days):
        per_day = days[customer]
        visits = sorted(day for day, (purchases, _net) in per_day.items() if purchases)
        if not visits:
            continue
        first, last = visits[0], visits[-1]
        cal = [day for day in visits if day <= cal_end]
        values = {
            "partner_id": customer,
            "recency": end - last,
            "frequency": sum(1 for day in visits if day > window_start),
            "monetary": round(sum(net for day, (_p, net) in per_day.items() if day > window_start), 2),
            "x": len(visits) - 1,
            "t_x": last - first,
            "age": end - first,
            "repeat_net": sum(per_day[day][1] for day in visits[1:]),
            "first_net": per_day[first][1],
            "cal_x": len(cal) - 1,
            "cal_t_x": (cal[-1] - first) if cal else 0,
            "cal_T": (cal_end - first) if cal else 0,
            "hold_x": sum(1 for day in visits if day > cal_end),
        }
        for name in SUMMARY_COLUMNS:
            out[name].append(values[name])
    # customer keys as given (ids or codes), every other column as floats
    return {
        name: np.array(values, dtype=None if name == "partner_id" else float) for name, values in out.items()
    }


def value_steps(horizon_months):
    """Discounting steps of the predicted value: quarters of the horizon (at least one)."""
    return max(1, -(-int(horizon_months) // 3))


@dataclass
class Prediction:
    checks: list = field(default_factory=list)  # stats.HoldoutResult per model
    kind: str = ""  # chosen model ("" when none could be fitted)
    fit: stats.FitResult = None
    gg: stats.FitResult = None
    churn: np.ndarray = None
    expected: np.ndarray = None
    ltv: np.ndarray = None
    message: str = ""


def predict(summary, horizon_weeks, holdout_weeks, annual_rate=0.0, steps=12):
    """Choose the model by its holdout error, refit it on all data, predict.

    Churn risk: probability of no purchase in the horizon; expected purchases
    in the horizon; value: discounted expected purchases x Gamma-Gamma spend
    (repeat buyers: their repeat days' mean; one-time buyers: their single
    purchase day, each shrunk toward the population mean). NaN when no model
    could be fitted.
    """
    size = summary["x"].size
    result = Prediction(
        churn=np.full(size, np.nan), expected=np.full(size, np.nan), ltv=np.full(size, np.nan)
    )
    weeks = {name: summary[name] / 7.0 for name in ("t_x", "age", "cal_t_x", "cal_T")}
    cal = np.flatnonzero(summary["cal_x"] >= 0)
    if cal.size > HOLDOUT_SAMPLE:
        # the model choice needs no million customers: a fixed-seed sample
        cal = np.sort(np.random.default_rng(0).choice(cal, HOLDOUT_SAMPLE, replace=False))
    if holdout_weeks > 0 and cal.size:
        result.checks = [
            stats.holdout_check(
                kind,
                summary["cal_x"][cal],
                weeks["cal_t_x"][cal],
                weeks["cal_T"][cal],
                holdout_weeks,
                summary["hold_x"][cal],
            )
            for kind in stats.MODELS
        ]
    chosen = stats.choose_model(result.checks)
    x, t_x, age = summary["x"], weeks["t_x"], weeks["age"]
    fits = {}
    if chosen:
        # the calibration fit is a close start for the fit on all purchases; from
        # the neutral start again when it does not converge from there
        fit = _refit(chosen.kind, x, t_x, age, start=chosen.fit.params)
        if not (fit.ok and fit.converged):
            fit = _refit(chosen.kind, x, t_x, age)
        fits[chosen.kind] = fit
        result.message = "chosen by the holdout error"
    else:
        # no holdout check possible: the better likelihood on all data
        fits = {kind: _refit(kind, x, t_x, age) for kind in stats.MODELS}
        result.message = "no holdout check possible: chosen by the log-likelihood"
    good = {kind: fit for kind, fit in fits.items() if fit.ok and fit.converged}
    if not good:
        result.fit = next(iter(fits.values()))
        result.message = result.fit.message
        return result
    result.kind = max(good, key=lambda kind: good[kind].log_likelihood)
    result.fit = good[result.kind]
    mean_spend = _mean_spend(summary)
    result.gg = stats.fit_gamma_gamma(summary["x"], mean_spend)
    gg_params = result.gg.params if result.gg.ok and result.gg.converged else None
    _apply(result, summary, result.fit.params, gg_params, horizon_weeks, annual_rate, steps)
    return result


def predict_fitted(summary, kind, params, gg_params, horizon_weeks, annual_rate=0.0, steps=12):
    """The predictions of ``predict`` with a model fitted earlier (no fit, no holdout check).

    ``params``: the fitted parameters of ``kind`` (a dict, as in ``FitResult.params``);
    ``gg_params``: Gamma-Gamma's ``p``, ``q``, ``v`` (None: no value predicted).
    """
    size = summary["x"].size
    result = Prediction(
        churn=np.full(size, np.nan), expected=np.full(size, np.nan), ltv=np.full(size, np.nan)
    )
    result.kind = kind
    _apply(result, summary, params, gg_params, horizon_weeks, annual_rate, steps)
    return result


def _mean_spend(summary):
    x = summary["x"]
    return np.where(x > 0, summary["repeat_net"] / np.maximum(x, 1), 0.0)


def _apply(result, summary, fit_params, gg_params, horizon_weeks, annual_rate, steps):
    """Churn risk, expected purchases and value of every customer from fitted parameters."""
    x, t_x, age = summary["x"], summary["t_x"] / 7.0, summary["age"] / 7.0
    params = stats.model_params(result.kind, fit_params)
    result.churn = stats.churn_risk(result.kind, params, horizon_weeks, x, t_x, age)
    result.expected = stats.expected_purchases(result.kind, params, horizon_weeks, x, t_x, age)
    if gg_params:
        one_time = x == 0
        spend = stats.gamma_gamma_expected_spend(
            [gg_params[k] for k in ("p", "q", "v")],
            np.where(one_time, 1.0, x),
            np.where(one_time, summary["first_net"], _mean_spend(summary)),
        )
        result.ltv = stats.discounted_value(
            result.kind, params, horizon_weeks, x, t_x, age, spend, annual_rate, steps
        )


def holdout_table(prediction):
    """Rows (bucket, customers, actual, predicted per model) of the holdout checks."""
    checks = [check for check in prediction.checks if check.rows]
    if not checks:
        return []
    table = []
    for index, (bucket, customers, actual, _p) in enumerate(checks[0].rows):
        table.append((bucket, customers, actual, {c.kind: c.rows[index][3] for c in checks}))
    return table
