#!/usr/bin/env python3
"""Switchboard at org scale: the figures of issue 3, measured with the release binary.

    cargo build --release && python3 benches/scale.py [--only 1,2,3] [--sites 500] [--big-sites 2500]

Prints one line per figure and a JSON summary at the end. Needs only the Python standard library,
GNU time (/usr/bin/time, for peak RSS) and, for figure 6, a Python with `wxc-sdk` installed
(`--python`, default: the venv .ci/run makes, else python3).

  1. offline plan (`plan --inventory`) of the converged 10,000-object org: wall time, peak RSS
  2. no-op live plan against the sandbox with 20 ms latency: requests vs the minimum, wall time
  3. apply of 2,000 creates, sandbox limited to 50 req/s with 20 ms latency: wall vs requests/rate
  4. the same with 10% injected faults: converges, exactly the desired set, extra requests
  5. growth: offline plan at 1k, 10k, 100k objects
  6. the obvious alternative (wxc-sdk, one lookup GET per object, same concurrency) side by side
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import BIN, ROOT, Served, default_python, must, run, say

OBJECTS_PER_SITE = 4  # trunk, route group, dial plan, schedule
RESULTS = {}


def workspace(base, name, sites, people=10_000):
    """A directory with a seeded org of `sites` generated locations and its manifests."""
    ws = Path(base) / name
    ws.mkdir(parents=True)
    must(run(["sandbox", "seed", "--locations", str(sites), "--people", str(people),
              "--sandbox-dir", "org", "--manifests", "manifests"], ws), f"seed {name}")
    (ws / "switchboard.yaml").write_text(LOCAL_TARGET)
    return ws


LOCAL_TARGET = "targets:\n  local:\n    type: sandbox\n    stateDir: org\n"


def target(ws, url, limits="{}"):
    print(f"    target limits: {limits} (a webex target with no requestsPerSecond runs at 10 req/s)", flush=True)
    (ws / "switchboard.yaml").write_text(
        f"defaultTarget: bench\n{LOCAL_TARGET}  bench:\n    type: webex\n    baseUrl: {url}\n    limits: {limits}\n")


def minimum_requests(sites, managed_sites, page=1000):
    """The fewest requests a full read of the phase-1 kinds needs on the Webex API: one page per
    1,000 locations/trunks/route groups/dial plans, one schedule list per location holding managed
    schedules (there is no org-wide schedule list), and the reads the list calls do not cover:
    a trunk's and a route group's detail, a dial plan's pattern list and a schedule's events."""
    lists = 4 * max(1, math.ceil((sites + 3) / page))
    per_site = managed_sites  # schedule list
    details = 4 * managed_sites
    return lists + per_site + details, lists + per_site


def figure_1_and_2(base, big_sites):
    ws = workspace(base, "converged", big_sites)
    objects = big_sites * OBJECTS_PER_SITE
    # Converge the org through the embedded sandbox (no limits), then snapshot it.
    r = must(run(["apply", "manifests", "--yes", "--target", "local", "--concurrency", "16"], ws, timed=True), "apply")
    say(1, f"set-up: applied {objects} objects in {r[3]:.1f} s (embedded sandbox, no limits)")
    must(run(["inventory", "pull", "--target", "local", "--out", "snapshot.json"], ws), "inventory pull")
    code, out, err, seconds, rss = must(
        run(["plan", "manifests", "--inventory", "snapshot.json"], ws, timed=True), "offline plan")
    assert "No changes" in out or "No changes" in err, out[-500:]
    say(1, f"offline plan of {objects} objects (converged, no changes): {seconds:.2f} s, peak RSS {rss:.0f} MB")
    RESULTS["1_offline_plan"] = {"objects": objects, "seconds": round(seconds, 3), "peak_rss_mb": round(rss)}

    served = Served(ws / "org", "--latency-ms", "20")
    try:
        # No fixed client rate: the figure measures the requests a no-op plan needs.
        target(ws, served.url, "{requestsPerSecond: 0, maxConcurrency: 8}")
        served.reset()
        code, out, err, seconds, _ = run(["plan", "manifests", "--detailed-exitcode"], ws)
        assert code == 0, (code, out[-1000:], err[-1000:])
        sent = served.stats()["requests"]
    finally:
        served.stop()
    minimum, list_pages = minimum_requests(big_sites, big_sites)
    say(2, f"no-op live plan, 20 ms latency: {sent} requests (minimum {minimum}: {list_pages} list pages "
           f"+ {minimum - list_pages} detail reads the list calls do not cover), {seconds:.1f} s")
    RESULTS["2_noop_live_plan"] = {"objects": objects, "requests": sent, "minimum": minimum,
                                   "list_pages": list_pages, "seconds": round(seconds, 2),
                                   "overhead_pct": round(100 * (sent - minimum) / minimum, 1)}


def apply_under_limit(base, name, sites, fault_flags):
    ws = workspace(base, name, sites)
    served = Served(ws / "org", "--rate-limit", "50", "--latency-ms", "20", *fault_flags)
    try:
        target(ws, served.url, "{requestsPerSecond: 50, burst: 10, maxConcurrency: 8}")
        code, out, err, seconds, _ = run(["apply", "manifests", "--yes"], ws)
        stats = served.stats()
    finally:
        served.stop()
    return ws, code, out, err, seconds, stats


def verify_desired_set(ws, sites):
    """Restart the org without faults or limits: a plan finds nothing to do, and every generated
    object exists exactly once."""
    served = Served(ws / "org")
    try:
        # A check, not a figure: no client rate either (the Webex default would take minutes).
        target(ws, served.url, "{requestsPerSecond: 0}")
        code, out, err, *_ = run(["plan", "manifests", "--detailed-exitcode"], ws)
        counts = {}
        for path, wrapper in [("/telephony/config/premisePstn/trunks", "trunks"),
                              ("/telephony/config/premisePstn/routeGroups", "routeGroups"),
                              ("/telephony/config/premisePstn/dialPlans", "dialPlans")]:
            names = [i["name"] for i in served.get(f"{path}?max=100000")[wrapper]]
            site_names = [n for n in names if n.startswith("Site ")]
            counts[wrapper] = (len(site_names), len(set(site_names)))
    finally:
        served.stop()
    exact = code == 0 and all(total == unique == sites for total, unique in counts.values())
    return exact, code, counts


def figure_3_and_4(base, sites):
    objects = sites * OBJECTS_PER_SITE
    ws, code, out, err, seconds, stats = apply_under_limit(base, "limited", sites, [])
    sent = stats["requests"]
    ideal = sent / 50
    failed = "0 failed" not in out
    say(3, f"apply of {objects} creates at 50 req/s, 20 ms latency: {seconds:.1f} s for {sent} requests "
           f"(theoretical minimum {ideal:.1f} s: {seconds / ideal:.2f}x), exit {code}, "
           f"429s {stats['throttled']}{', FAILURES' if failed else ''}")
    exact, plan_code, counts = verify_desired_set(ws, sites)
    RESULTS["3_apply_rate_limited"] = {"objects": objects, "requests": sent, "seconds": round(seconds, 2),
                                       "theoretical_s": round(ideal, 2), "ratio": round(seconds / ideal, 3),
                                       "exit": code, "throttled": stats["throttled"], "exact_set": exact}

    faults = ["--seed", "7", "--error-rate", "0.04", "--applied-but-fail-rate", "0.03", "--drop-rate", "0.03"]
    ws, code, out, err, seconds, fstats = apply_under_limit(base, "faulty", sites, faults)
    injected = fstats["injectedErrors"] + fstats["appliedButFailed"] + fstats["dropped"]
    reruns = 0
    while code != 0 and reruns < 3:  # what `apply --only-failures` is for; counted separately
        reruns += 1
        served = Served(ws / "org", "--rate-limit", "50", "--latency-ms", "20", *faults)
        target(ws, served.url, "{requestsPerSecond: 50, burst: 10, maxConcurrency: 8}")
        code, out, err, s2, _ = run(["apply", "manifests", "--yes", "--only-failures"], ws)
        fstats = served.stats()
        served.stop()
        seconds += s2
    exact, plan_code, counts = verify_desired_set(ws, sites)
    say(4, f"same with 10% faults: {fstats['requests']} requests ({fstats['requests'] - sent:+d} vs fault-free), "
           f"{injected} faults injected, {seconds:.1f} s, exit {code} after {reruns} re-run(s), "
           f"plan afterwards exit {plan_code}, exactly the desired set: {exact} {counts}")
    RESULTS["4_apply_with_faults"] = {"requests": fstats["requests"], "extra_requests": fstats["requests"] - sent,
                                      "faults_injected": injected, "seconds": round(seconds, 2), "exit": code,
                                      "reruns": reruns, "exact_set": exact}


def figure_5(base, sizes):
    rows = []
    for sites in sizes:
        ws = workspace(base, f"growth-{sites}", sites, people=1000)
        must(run(["inventory", "pull", "--target", "local", "--out", "snapshot.json"], ws), "inventory pull")
        code, out, err, seconds, rss = must(
            run(["plan", "manifests", "--inventory", "snapshot.json"], ws, timed=True), "offline plan")
        objects = sites * OBJECTS_PER_SITE
        rows.append({"objects": objects, "seconds": round(seconds, 3), "peak_rss_mb": round(rss),
                     "us_per_object": round(1e6 * seconds / objects, 1)})
        say(5, f"offline plan, {objects} objects (all creates): {seconds:.2f} s, peak RSS {rss:.0f} MB, "
               f"{1e6 * seconds / objects:.0f} us/object")
        shutil.rmtree(ws / "org", ignore_errors=True)
    RESULTS["5_growth"] = rows


def figure_6(base, sites, python):
    objects = sites * OBJECTS_PER_SITE
    rows = {}
    for tool in ["switchboard", "wxc-sdk"]:
        ws = workspace(base, f"versus-{tool}", sites)
        served = Served(ws / "org", "--rate-limit", "50", "--latency-ms", "20")
        try:
            if tool == "switchboard":
                target(ws, served.url, "{requestsPerSecond: 50, burst: 10, maxConcurrency: 8}")
                code, out, err, seconds, _ = run(["apply", "manifests", "--yes", "--concurrency", "8"], ws)
            else:
                started = time.perf_counter()
                p = subprocess.run([python, str(ROOT / "benches" / "wxc_sdk_per_object.py"), "--base-url", served.url,
                                    "--locations", str(sites), "--concurrency", "8"], capture_output=True, text=True)
                seconds, code = time.perf_counter() - started, p.returncode
                if code != 0:
                    print(p.stdout[-1500:], p.stderr[-1500:])
            stats = served.stats()
        finally:
            served.stop()
        rows[tool] = {"requests": stats["requests"], "throttled": stats["throttled"], "seconds": round(seconds, 1),
                      "exit": code}
    s, w = rows["switchboard"], rows["wxc-sdk"]
    say(6, f"{objects} creates at 50 req/s, 20 ms, concurrency 8 — switchboard: {s['requests']} requests, "
           f"{s['seconds']} s; wxc-sdk per-object script: {w['requests']} requests ({w['throttled']} answered 429), "
           f"{w['seconds']} s")
    RESULTS["6_versus_per_object_script"] = rows


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default="1,2,3,4,5,6", help="figures to run, e.g. 1,5")
    p.add_argument("--sites", type=int, default=500, help="sites for figures 3, 4, 6 (x4 objects)")
    p.add_argument("--big-sites", type=int, default=2500, help="sites for figures 1, 2 (x4 objects)")
    p.add_argument("--growth", default="250,2500,25000", help="sites for figure 5")
    p.add_argument("--python", default=default_python(), help="a Python with wxc-sdk, for figure 6")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args()
    if not BIN.exists():
        sys.exit(f"{BIN} is missing: run `cargo build --release` first")
    only = {int(x) for x in args.only.split(",")}
    base = tempfile.mkdtemp(prefix="switchboard-bench-")
    print(f"work directory {base}; {os.cpu_count()} CPUs", flush=True)
    try:
        if only & {1, 2}:
            figure_1_and_2(base, args.big_sites)
        if only & {3, 4}:
            figure_3_and_4(base, args.sites)
        if 5 in only:
            figure_5(base, [int(s) for s in args.growth.split(",")])
        if 6 in only:
            figure_6(base, args.sites, args.python)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(json.dumps(RESULTS, indent=2))


if __name__ == "__main__":
    main()
