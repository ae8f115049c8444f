"""ICP discovery benchmark: tenbin's exact subgroup search against pysubgroup 0.9.0 on the same task.

Usage: python bench/icp_search_bench.py [--rows 100000] [--attributes 20] [--repeat 3]
       [--pysubgroup-timeout 900] [--fallback-rows 20000] [--fallback-attributes 20]
       [--algorithms dfs] [--skip-pysubgroup]

The task (issue 4, "speed"): synthetic customers, ``--attributes`` of 20 attributes (8 categorical
with 3–15 values, 10 numeric, 2 flags, a few percent missing), an LTV-like lognormal target with a
planted subgroup (industry "E" and 300 <= employees < 1000, LTV × 3) and a weaker one; depth 3,
min_support 20 rows (absolute, not a share), top 5, quality (n/N)^0.5 · (mean_sg − mean_all).

Each engine runs in a fresh subprocess so that its peak RSS (ru_maxrss) is its own:

  tenbin       tenbin.icp.search.search, end to end from the Columns (selector building included);
               seconds are the median of ``--repeat`` runs in one process.
  pysubgroup   pysubgroup 0.9.0 on the SAME selectors (tenbin's, converted to EqualitySelector /
               IntervalSelector) with StandardQFNumeric(a=0.5) (its default "sum" optimistic
               estimate), MinSupportConstraint(20), depth 3, result_set_size 5.  Timed around
               ``execute`` only (the DataFrame and the selectors are built before the clock starts).
               ``dfs`` is pysubgroup.DFS with its BitSetRepresentation: the only exhaustive
               algorithm there whose refinement operator (StaticSpecializationOperator) uses each
               attribute at most once, i.e. the same search space as tenbin.  ``simpledfs``,
               ``apriori`` and ``dfsnumeric`` may be requested too: they also combine two selectors
               of one attribute (a larger space with redundant descriptions of the same rows).

pysubgroup reports n^a · (mean_sg − mean_all); its qualities are divided by N^a to compare.  When
pysubgroup does not finish the full task within ``--pysubgroup-timeout`` seconds, both engines are
also run on a smaller task (``--fallback-rows`` × ``--fallback-attributes``) and both tasks are
reported.  pysubgroup is a benchmark-only dependency that tenbin cannot declare: 0.9.0 (the latest)
requires numpy < 2 in its metadata while tenbin pins numpy 2.4, so pip cannot resolve both.  It
runs on numpy 2.4 for everything used here; install it without its pins:
``pip install --no-deps pysubgroup==0.9.0 && pip install scikit-learn statsmodels matplotlib``
(its ``__init__`` imports them).
Not part of the test suite (nothing here is collected by pytest).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SIZE_BANDS = (10.0, 50.0, 100.0, 300.0, 500.0, 1000.0, 5000.0)
MIN_SUPPORT, DEPTH, TOP, A = 20, 3, 5, 0.5
REGIONS = ["北海道", "東北", "関東", "中部", "近畿", "中国", "四国", "九州"]


# -- data -------------------------------------------------------------------------------------------
def _categorical(rng: np.random.Generator, values: list[str], rows: int, missing: float) -> np.ndarray:
    weights = rng.dirichlet(np.full(len(values), 2.0))
    out = rng.choice(np.array(values, dtype=object), rows, p=weights)
    out[rng.random(rows) < missing] = None
    return out


def _numeric(rng: np.random.Generator, rows: int, missing: float, kind: int) -> np.ndarray:
    raw = [rng.lognormal(3, 1, rows), rng.normal(50, 15, rows), rng.gamma(2.0, 3.0, rows), rng.uniform(0, 1, rows)]
    out = np.round(raw[kind % 4], 2)
    out[rng.random(rows) < missing] = np.nan
    return out


def make_task(rows: int, attributes: int, seed: int = 20261124) -> tuple[list[Any], np.ndarray, int]:
    """Columns (first ``attributes`` of 20, kinds interleaved), LTV target, planted size."""
    from tenbin.icp.search import Column

    rng = np.random.default_rng(seed)
    industry = _categorical(rng, list("ABCDEFGHIJKLMNO"), rows, 0.02)
    employees = np.round(np.exp(rng.uniform(0, np.log(20000), rows)))
    employees[rng.random(rows) < 0.03] = np.nan
    region = _categorical(rng, REGIONS, rows, 0.01)
    challenge = rng.random(rows) < 0.15
    columns = [
        Column("industry_code", "categorical", industry),
        Column("employees", "numeric", employees, cut_points=SIZE_BANDS, integer=True),
        Column("prefecture_region", "categorical", region),
        Column("challenge:属人化・ナレッジ継承", "flag", challenge),
    ]
    categorical_sizes = [5, 3, 6, 4, 10, 7]
    numeric_names = [
        "revenue_oku",
        "founded_age",
        "contacts",
        "web_visits",
        "deals",
        "tickets",
        "nps",
        "seats",
        "share",
    ]
    for i in range(16):
        if i % 8 == 7:
            columns.append(Column(f"custom:flag{i}", "flag", rng.random(rows) < 0.05 + 0.1 * (i % 3)))
        elif i % 8 in (1, 4) and categorical_sizes:
            size = categorical_sizes.pop(0)
            values = [f"v{j}" for j in range(size)]
            columns.append(Column(f"custom:cat{i}", "categorical", _categorical(rng, values, rows, 0.03)))
        else:
            name = numeric_names.pop(0) if numeric_names else f"num{i}"
            columns.append(Column(name, "numeric", _numeric(rng, rows, 0.03 * (i % 2), i)))
    planted = (industry == "E") & (employees >= 300) & (employees < 1000)
    weaker = challenge & (region == "関東")
    ltv = rng.lognormal(14, 1.0, rows) * np.where(planted, 3.0, 1.0) * np.where(weaker, 1.4, 1.0)
    return columns[:attributes], ltv, int(planted.sum())


# -- children -----------------------------------------------------------------------------------------
def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_tenbin(rows: int, attributes: int, repeat: int) -> dict[str, Any]:
    from tenbin.icp.search import search

    columns, target, planted = make_task(rows, attributes)
    data_rss = _rss_mb()
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = search(columns, target, depth=DEPTH, min_support=MIN_SUPPORT, top_k=TOP, a=A)
        times.append(time.perf_counter() - start)
    assert result is not None
    return {
        "seconds": statistics.median(times),
        "runs": times,
        "data_rss_mb": data_rss,
        "peak_rss_mb": _rss_mb(),
        "qualities": [s.quality for s in result.top],
        "top": [" ∧ ".join(_describe(sel) for sel in s.selectors) + f" (n={s.size})" for s in result.top],
        "selectors": result.selectors,
        "tried": result.tried,
        "evaluated": len(result.evaluated_pvalues),
        "planted": planted,
    }


def _describe(sel: Any) -> str:
    if sel.kind == "eq":
        return f"{sel.column}={sel.value}"
    if sel.kind == "flag":
        return sel.column
    low = "" if sel.low is None else f"{sel.low:g}≤"
    high = "" if sel.high is None else f"<{sel.high:g}"
    return f"{low}{sel.column}{high}"


def child_pysubgroup(rows: int, attributes: int, algorithm: str) -> dict[str, Any]:
    import pandas as pd
    import pysubgroup as ps

    from tenbin.icp.selectors import encode_columns

    columns, target, _ = make_task(rows, attributes)
    frame = pd.DataFrame({c.key: c.values for c in columns})
    frame["__target__"] = target
    selectors = []
    for encoded in encode_columns(columns, rows, MIN_SUPPORT):
        for s in encoded.selectors:
            if s.kind == "eq":
                selectors.append(ps.EqualitySelector(s.column, s.value))
            elif s.kind == "flag":
                selectors.append(ps.EqualitySelector(s.column, True))
            else:
                low = -np.inf if s.low is None else s.low
                high = np.inf if s.high is None else s.high
                selectors.append(ps.IntervalSelector(s.column, low, high))
    task = ps.SubgroupDiscoveryTask(
        frame,
        ps.NumericTarget("__target__"),
        selectors,
        qf=ps.StandardQFNumeric(A),
        result_set_size=TOP,
        depth=DEPTH,
        constraints=[ps.MinSupportConstraint(MIN_SUPPORT)],
    )
    engines = {
        "dfs": lambda: ps.DFS(ps.BitSetRepresentation),
        "simpledfs": ps.SimpleDFS,
        "apriori": lambda: ps.Apriori(use_numba=False),
        "dfsnumeric": ps.DFSNumeric,
    }
    data_rss = _rss_mb()
    start = time.perf_counter()
    result = engines[algorithm]().execute(task)
    seconds = time.perf_counter() - start
    table = result.to_dataframe()
    return {
        "seconds": seconds,
        "runs": [seconds],
        "data_rss_mb": data_rss,
        "peak_rss_mb": _rss_mb(),
        "qualities": [float(q) / rows**A for q in table["quality"]],
        "top": [f"{sg} (n={n})" for sg, n in zip(table["subgroup"], table["size_sg"], strict=True)],
        "selectors": len(selectors),
    }


# -- parent ---------------------------------------------------------------------------------------------
def run_child(spec: dict[str, Any], timeout: float | None) -> dict[str, Any] | None:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)]
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as err:
        raise SystemExit(f"child failed: {spec}\n{err.stderr}") from err
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import pandas
    import scipy

    try:
        import pysubgroup  # noqa: F401

        psg = "pysubgroup 0.9.0"
    except ImportError:
        psg = "pysubgroup not installed"
    versions = f"numpy {np.__version__}, scipy {scipy.__version__}, pandas {pandas.__version__}, {psg}"
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {versions}"


def compare(rows: int, attributes: int, args: argparse.Namespace, timeout: float | None) -> tuple[list[str], bool]:
    """Run both engines on one task; markdown rows and whether pysubgroup finished."""
    ours = run_child({"engine": "tenbin", "rows": rows, "attributes": attributes, "repeat": args.repeat}, None)
    assert ours is not None
    task = f"{rows:,} × {attributes}"
    lines = [_row(task, "tenbin", "exact, table pass", ours, None)]
    finished = True
    for algorithm in [] if args.skip_pysubgroup else args.algorithms.split(","):
        spec = {"engine": "pysubgroup", "rows": rows, "attributes": attributes, "algorithm": algorithm}
        theirs = run_child(spec, timeout)
        if theirs is None:
            finished = False
            lines.append(f"| {task} | pysubgroup | {algorithm} | > {timeout:.0f} (stopped) | – | – | – | – |")
            continue
        lines.append(_row(task, "pysubgroup", algorithm, theirs, ours))
    sys.stderr.write(f"{task}: tenbin top 5: {ours['top']}\n")
    return lines, finished


def _row(task: str, engine: str, algorithm: str, res: dict[str, Any], ours: dict[str, Any] | None) -> str:
    qualities = ", ".join(f"{q:,.1f}" for q in res["qualities"])
    if ours is None:
        verdict, ratio = f"{res['tried']:,} tried, {res['evaluated']:,} evaluated", "1×"
    else:
        pairs = zip(ours["qualities"], res["qualities"], strict=False)
        at_least = all(a >= b * (1 - 1e-9) for a, b in pairs) and len(ours["qualities"]) >= len(res["qualities"])
        verdict = "tenbin ≥ pysubgroup element-wise" if at_least else "tenbin BELOW pysubgroup"
        distinct = len({round(q, 6) for q in res["qualities"]})
        if distinct < len(res["qualities"]):
            verdict += f" (pysubgroup's top {len(res['qualities'])}: {distinct} distinct qualities)"
        ratio = f"{res['seconds'] / ours['seconds']:,.0f}× slower"
    return (
        f"| {task} | {engine} | {algorithm} | {res['seconds']:.2f} (median of {len(res['runs'])}) "
        f"| {res['peak_rss_mb']:.0f} ({res['data_rss_mb']:.0f} data) | {qualities} | {verdict} | {ratio} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--attributes", type=int, default=20, choices=range(2, 21), metavar="2..20")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pysubgroup-timeout", type=float, default=900.0)
    parser.add_argument("--fallback-rows", type=int, default=20_000)
    parser.add_argument("--fallback-attributes", type=int, default=20)
    parser.add_argument("--algorithms", default="dfs", help="comma-separated: dfs, simpledfs, apriori, dfsnumeric")
    parser.add_argument("--skip-pysubgroup", action="store_true")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        spec = json.loads(args.child)
        if spec["engine"] == "tenbin":
            out = child_tenbin(spec["rows"], spec["attributes"], spec["repeat"])
        else:
            out = child_pysubgroup(spec["rows"], spec["attributes"], spec["algorithm"])
        print(json.dumps(out, ensure_ascii=False))
        return
    print(f"Machine: {machine()}\n")
    print(f"Task: depth {DEPTH}, min_support {MIN_SUPPORT} rows, top {TOP}, quality (n/N)^{A}·(mean_sg − mean_all)\n")
    print("| task (rows × attributes) | engine | algorithm | seconds | peak RSS MB | top-5 quality | top-5 | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    lines, finished = compare(args.rows, args.attributes, args, args.pysubgroup_timeout)
    print("\n".join(lines), flush=True)
    if not finished:
        small, _ = compare(args.fallback_rows, args.fallback_attributes, args, None)
        print("\n".join(small))


if __name__ == "__main__":
    main()
