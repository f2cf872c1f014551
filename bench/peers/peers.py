#!/usr/bin/env python3
"""Public forecasting tools on exactly the points of `foresight backtest`.

Reads the series and origins that `foresight backtest --export-points DIR` wrote (series.csv, origins.csv: the
trace as Foresight's reader produced it and every origin the backtest forecasts from), forecasts the next
`horizon` values at each origin from the values before it, and prints MAE, MASE against seasonal naive (same time
yesterday, as in Foresight) and MAE relative to last value, per resource and the mean over resources, on the
points where the actual and both yardsticks are observed (the Java backtest also drops points where one of its
own forecasters has none; its yardsticks always have one after a day of history, so the points agree).

Models: statsforecast AutoETS and AutoARIMA (per series, fitted at each origin on the last --fit-window values),
mlforecast LightGBM (one global model on lags 1-12, 288, 2016 and rolling means, trained once on the data before
the first origin, predicting recursively), Prophet (per series and origin, daily seasonality; slow: use --models
and --max-users to run it on a subset). Not part of CI; run on demand (README in this folder).
"""
import argparse
import math
import sys
import time
import warnings

import numpy as np
import pandas as pd

RESOURCES = ["cpu", "memory", "network", "disk"]
DAY = 288


def load(points_dir, max_users):
    series = pd.read_csv(f"{points_dir}/series.csv")
    origins = pd.read_csv(f"{points_dir}/origins.csv")
    users = list(dict.fromkeys(origins["user"]))
    if max_users:
        users = users[:max_users]
    series = series[series["user"].isin(users)]
    origins = origins[origins["user"].isin(users)]
    data = {u: g.sort_values("index").reset_index(drop=True) for u, g in series.groupby("user", sort=False)}
    return users, data, origins


def last_value(y, o):
    for i in range(o - 1, -1, -1):
        if not math.isnan(y[i]):
            return y[i]
    return math.nan


def seasonal_naive(y, o, h):
    src = o + h - DAY
    while src >= o:
        src -= DAY
    if src >= 0 and not math.isnan(y[src]):
        return y[src]
    return last_value(y, o)


def history(y, o, window):
    """The last `window` values before o, gaps filled forward (the models need a complete series)."""
    h = pd.Series(y[max(0, o - window):o]).ffill().bfill().fillna(0.0).to_numpy()
    return h


class StatsModel:
    def __init__(self, kind, window, horizon):
        from statsforecast.models import AutoARIMA, AutoETS
        self.window, self.horizon = window, horizon
        self.make = (lambda: AutoETS(season_length=1)) if kind == "ets" else (lambda: AutoARIMA(season_length=1))
        self.name = "statsforecast " + ("AutoETS" if kind == "ets" else "AutoARIMA")

    def forecast(self, user, y, o, ts):
        h = history(y, o, self.window)
        try:
            return np.maximum(0, self.make().forecast(y=h.astype(float), h=self.horizon)["mean"])
        except Exception:  # a degenerate series (constant): fall back to its value
            return np.repeat(h[-1], self.horizon)


class ProphetModel:
    def __init__(self, window, horizon):
        self.window, self.horizon = window, horizon
        self.name = "Prophet"
        import logging
        logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
        logging.getLogger("prophet").setLevel(logging.ERROR)

    def forecast(self, user, y, o, ts):
        from prophet import Prophet
        lo = max(0, o - self.window)
        df = pd.DataFrame({"ds": pd.to_datetime(ts[lo:o], unit="s"), "y": y[lo:o]}).dropna()
        if len(df) < 10 or df["y"].nunique() < 2:
            return np.repeat(last_value(y, o), self.horizon)
        m = Prophet(daily_seasonality=True, weekly_seasonality=False, yearly_seasonality=False)
        m.fit(df)
        step = int(np.median(np.diff(ts[lo:o])))
        fut = pd.DataFrame({"ds": pd.to_datetime(ts[o - 1] + step * np.arange(1, self.horizon + 1), unit="s")})
        return np.maximum(0, m.predict(fut)["yhat"].to_numpy())


class LgbmModel:
    """One global mlforecast LightGBM per resource, trained on every user's data before its first origin."""

    def __init__(self, data, origins, resource, horizon, seed):
        import lightgbm as lgb
        from mlforecast import MLForecast
        from mlforecast.lag_transforms import RollingMean
        self.name = "mlforecast LightGBM"
        self.horizon = horizon
        first = origins.groupby("user")["origin"].min()
        frames = []
        for u, g in data.items():
            if u not in first.index:
                continue
            y = pd.Series(g[resource].to_numpy()[: first[u]]).ffill().fillna(0.0)
            frames.append(pd.DataFrame({"unique_id": u, "ds": np.arange(len(y)), "y": y.to_numpy()}))
        train = pd.concat(frames)
        self.trained_rows = {f["unique_id"].iloc[0]: len(f) for f in frames}
        self.first_origin = first
        self.fc = MLForecast(
            models={"lgbm": lgb.LGBMRegressor(n_estimators=100, num_leaves=31, learning_rate=0.1, random_state=seed,
                                              n_jobs=2, verbose=-1)},
            freq=1, lags=list(range(1, 13)) + [DAY, 7 * DAY],
            lag_transforms={1: [RollingMean(window_size=12), RollingMean(window_size=36), RollingMean(window_size=DAY)]})
        self.fc.fit(train, static_features=[])

    def forecast_many(self, batch):
        """batch: list of (user, y, o); returns {user: forecast} for origins of one round."""
        frames = []
        for u, y, o in batch:
            h = pd.Series(y[:o]).ffill().fillna(0.0).to_numpy()
            frames.append(pd.DataFrame({"unique_id": u, "ds": np.arange(o), "y": h}))
        p = self.fc.predict(self.horizon, new_df=pd.concat(frames))
        return {u: np.maximum(0, g["lgbm"].to_numpy()) for u, g in p.groupby("unique_id", sort=False)}


def leak_check(lgbm, batch, first_origin):
    """Fails if LightGBM's forecasts at these origins change when every value from the origin on is replaced, or if
    its training rows reach an origin: what it predicts must come from the values before the origin alone."""
    scrambled = [(u, np.concatenate([y[:o], np.full(len(y) - o, 1e6)]), o) for u, y, o in batch]
    a, b = lgbm.forecast_many(batch), lgbm.forecast_many(scrambled)
    worst = max(float(np.max(np.abs(a[u] - b[u]))) for u, _, _ in batch)
    if worst != 0.0:
        raise SystemExit(f"LightGBM leak: forecasts changed by {worst} when the values after the origin changed")
    for u, n in lgbm.trained_rows.items():
        if n > first_origin[u]:
            raise SystemExit(f"LightGBM leak: user {u} trained on {n} rows, its first origin is {first_origin[u]}")
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", required=True, help="directory written by foresight backtest --export-points")
    ap.add_argument("--models", default="ets,arima,lgbm,prophet")
    ap.add_argument("--max-users", type=int, default=0)
    ap.add_argument("--fit-window", type=int, default=2 * DAY, help="values per series the local models fit on")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--leak-check", action="store_true",
                    help="before scoring, check LightGBM's forecasts do not move when the values after the origin do")
    a = ap.parse_args()
    warnings.filterwarnings("ignore")
    users, data, origins = load(a.points, a.max_users)
    horizon = int(origins["horizon"].iloc[0])
    models = [m.strip() for m in a.models.split(",") if m.strip()]
    print(f"{len(users)} users, {len(origins)} origins, horizon {horizon}, models {models}", flush=True)
    # sums[model][resource] = [abs error, points]; yardsticks under their names
    sums = {}

    def add(model, r, err):
        s = sums.setdefault(model, {}).setdefault(r, [0.0, 0])
        s[0] += err
        s[1] += 1

    checked = {}
    resources = [r for r in RESOURCES if any(g[r].notna().any() for g in data.values())]  # Azure: CPU only
    for r in resources:
        t0 = time.time()
        local = []
        for m in models:
            if m in ("ets", "arima"):
                local.append(StatsModel(m, a.fit_window, horizon))
            elif m == "prophet":
                local.append(ProphetModel(a.fit_window, horizon))
        lgbm = LgbmModel(data, origins, r, horizon, a.seed) if "lgbm" in models else None
        by_round = origins.assign(k=origins.groupby("user").cumcount()).groupby("k")
        for _, rnd in by_round:
            batch = [(row.user, data[row.user][r].to_numpy(dtype=float), int(row.origin)) for row in rnd.itertuples()]
            gb = lgbm.forecast_many(batch) if lgbm else {}
            if lgbm and a.leak_check and not checked.get(r):
                leak_check(lgbm, batch, lgbm.first_origin)
                checked[r] = True
                print(f"  {r}: leak check passed (LightGBM forecasts unchanged with the future replaced by 1e6;"
                      f" training rows end before each user's first origin)", flush=True)
            for u, y, o in batch:
                fcs = {m.name: m.forecast(u, y, o, data[u]["timestamp"].to_numpy()) for m in local}
                if lgbm:
                    fcs[lgbm.name] = gb[u]
                lv = last_value(y, o)
                for h in range(horizon):
                    act = y[o + h]
                    sn = seasonal_naive(y, o, h)
                    if math.isnan(act) or math.isnan(lv) or math.isnan(sn):
                        continue
                    add("seasonal naive", r, abs(act - sn))
                    add("last value", r, abs(act - lv))
                    for name, f in fcs.items():
                        add(name, r, abs(act - f[h]))
        print(f"  {r}: {time.time() - t0:.0f} s", flush=True)
        for name, by_r in sums.items():  # this resource's numbers now: a long run that is stopped keeps them
            e, n = by_r[r]
            print(f"    {name:<28} {r:<8} {n:>7} MAE {e / n:.5f} MASE {e / sums['seasonal naive'][r][0]:.3f}"
                  f" relMAE {e / sums['last value'][r][0]:.3f}", flush=True)

    print(f"\n{'forecaster':<28} {'resource':<8} {'points':>7} {'MAE':>10} {'MASE':>7} {'relMAE':>7}")
    for name, by_r in sums.items():
        mases, rels = [], []
        for r in resources:
            e, n = by_r[r]
            sn, lv = sums["seasonal naive"][r][0], sums["last value"][r][0]
            mase = e / sn if sn else math.nan
            rel = e / lv if lv else math.nan
            mases.append(mase)
            rels.append(rel)
            print(f"{name:<28} {r:<8} {n:>7} {e / n:>10.5f} {mase:>7.3f} {rel:>7.3f}")
        print(f"{name:<28} {'all':<8} {'':>7} {'':>10} {np.nanmean(mases):>7.3f} {np.nanmean(rels):>7.3f}")


if __name__ == "__main__":
    sys.exit(main())
