#!/usr/bin/env python3
"""Switchboard on a 10,000-user org: the figures of issue 9, measured with the release binary.

    cargo build --release && python3 benches/people.py [--only 1,2,3,4] [--people 10000] [--sites 100]

Needs the Python standard library, git, GNU time (/usr/bin/time, peak RSS) and, for figure 3, a
Python with `wxc-sdk` (`--python`, default: the venv .ci/run makes, else python3).

The org: `switchboard sandbox seed --people N --with-settings --people-manifests people`: N
calling users over the sites, each with call forwarding and call recording set, and one
`UserCalling` document per user that matches it (so a plan has nothing to do).

  1. no-op plan, sandbox at 20 ms latency limited to 50 req/s: requests vs the minimum (list
     pages + one read per owned setting) and wall time vs requests / rate
  2. `plan --changed-since HEAD~1` after a commit touching 3 users: requests and wall time
  3. apply changing forwarding on 1,000 users (`apply --changed-since`), side by side in one run
     with the script an admin writes today (wxc-sdk: per CSV row, find the person, read the
     setting, PUT it)
  4. offline plan (`plan --inventory`) of the converged org: wall time and peak RSS
"""

import argparse
import csv
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

RATE = 50
LATENCY_MS = 20
PAGE = 1000
SETTINGS_PER_USER = 2  # forwarding and recording
RESULTS = {}


def git(ws, *args):
    subprocess.run(["git", *args], cwd=ws, check=True, capture_output=True)


def limited(ws):
    """The org served at 20 ms latency and 50 req/s, and the config that reaches it at that rate."""
    served = Served(ws / "org", "--rate-limit", str(RATE), "--latency-ms", str(LATENCY_MS))
    limits = f"{{requestsPerSecond: {RATE}, burst: 10, maxConcurrency: 8}}"
    (ws / "switchboard.yaml").write_text(
        f"defaultTarget: bench\ntargets:\n  bench:\n    type: webex\n    baseUrl: {served.url}\n    limits: {limits}\n")
    print(f"    sandbox: {LATENCY_MS} ms latency, {RATE} req/s; target limits {limits}", flush=True)
    return served


def workspace(base, name, people, sites):
    """A git repository with the seeded org (state in org/, not committed) and its manifests."""
    ws = Path(base) / name
    ws.mkdir(parents=True)
    must(run(["sandbox", "seed", "--locations", str(sites), "--people", str(people), "--with-settings",
              "--sandbox-dir", "org", "--people-manifests", "people"], ws), f"seed {name}")
    (ws / ".gitignore").write_text("org/\nstate/\n*.json\n*.csv\n.rss\nswitchboard.yaml\n")
    git(ws, "init", "-q")
    git(ws, "-c", "user.email=bench@example.com", "-c", "user.name=bench", "add", "-A")
    git(ws, "-c", "user.email=bench@example.com", "-c", "user.name=bench", "commit", "-qm", "seeded")
    return ws


def minimum_noop(people, sites):
    """The fewest requests a full no-op read needs: the people list with calling data (1,000 a
    page), the licenses and locations lists, and one GET per owned setting of each user."""
    pages = math.ceil((people + 60) / PAGE)
    return pages + 1 + math.ceil((sites + 3) / PAGE) + SETTINGS_PER_USER * people, pages


def change_forwarding(ws, count, destination_prefix="+1628"):
    """Rewrite the forwarding destination of the first `count` users in their documents; returns
    (email, destination) rows."""
    rows = []
    for path in sorted((ws / "people").glob("*.yaml")):
        text = path.read_text()
        docs = text.split("\n---\n")
        changed = False
        for i, doc in enumerate(docs):
            if len(rows) >= count or "destination:" not in doc:
                continue
            email = next(l.split(": ", 1)[1] for l in doc.splitlines() if "personRef:" in l)
            destination = f"{destination_prefix}{len(rows):07d}"
            start = doc.index('destination: "') + len('destination: "')
            end = doc.index('"', start)
            docs[i] = doc[:start] + destination + doc[end:]
            rows.append((email.strip(), destination))
            changed = True
        if changed:
            path.write_text("\n---\n".join(docs))
        if len(rows) >= count:
            break
    git(ws, "-c", "user.email=bench@example.com", "-c", "user.name=bench", "commit", "-qam", f"forwarding for {count}")
    return rows


def figure_1(base, people, sites):
    ws = workspace(base, "noop", people, sites)
    served = limited(ws)
    try:
        served.reset()
        code, out, err, seconds, _ = run(["plan", "people", "--detailed-exitcode"], ws)
        assert code == 0, (code, out[-1500:], err[-1500:])
        sent = served.stats()["requests"]
    finally:
        served.stop()
    minimum, pages = minimum_noop(people, sites)
    ideal = sent / RATE
    say(1, f"no-op plan of {people} users ({SETTINGS_PER_USER} settings each): {sent} requests "
           f"(minimum {minimum}: {pages} people pages + licenses + locations + {SETTINGS_PER_USER * people} setting reads), "
           f"{seconds:.1f} s (requests / rate = {ideal:.1f} s: {seconds / ideal:.2f}x)")
    RESULTS["1_noop_plan"] = {"people": people, "requests": sent, "minimum": minimum,
                              "overhead_pct": round(100 * (sent - minimum) / minimum, 2),
                              "seconds": round(seconds, 1), "requests_over_rate_s": round(ideal, 1)}
    return ws


def figure_2(ws):
    change_forwarding(ws, 3)
    served = limited(ws)
    try:
        served.reset()
        code, out, err, seconds, _ = run(["plan", "people", "--changed-since", "HEAD~1"], ws)
        assert code == 0, (code, out[-1500:], err[-1500:])
        sent = served.stats()["requests"]
    finally:
        served.stop()
    updates = out.count("~ UserCalling/")
    say(2, f"plan --changed-since HEAD~1 touching 3 users: {sent} requests, {seconds:.2f} s, {updates} updates shown")
    RESULTS["2_changed_since"] = {"requests": sent, "seconds": round(seconds, 2), "updates": updates}


def figure_3(base, people, sites, python, count):
    rows = {}
    # Switchboard: the change is a commit; apply reads and writes only what it touches.
    ws = workspace(base, "versus-switchboard", people, sites)
    change_forwarding(ws, count)
    served = limited(ws)
    try:
        served.reset()
        code, out, err, seconds, _ = run(["apply", "people", "--changed-since", "HEAD~1", "--yes", "--force"], ws)
        stats = served.stats()
    finally:
        served.stop()
    if code != 0:
        print(out[-1500:], err[-1500:])
    rows["switchboard"] = {"requests": stats["requests"], "throttled": stats["throttled"],
                           "seconds": round(seconds, 1), "exit": code}
    # The script: the same changes from a CSV.
    ws = workspace(base, "versus-wxc-sdk", people, sites)
    changes = change_forwarding(ws, count)
    with open(ws / "changes.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["email", "destination"])
        w.writerows(changes)
    served = limited(ws)
    try:
        served.reset()
        started = time.perf_counter()
        p = subprocess.run([python, str(ROOT / "benches" / "wxc_sdk_forwarding_csv.py"), "--base-url", served.url,
                            "--csv", str(ws / "changes.csv"), "--concurrency", "8"], capture_output=True, text=True)
        seconds = time.perf_counter() - started
        stats = served.stats()
    finally:
        served.stop()
    if p.returncode != 0:
        print(p.stdout[-1500:], p.stderr[-1500:])
    rows["wxc-sdk"] = {"requests": stats["requests"], "throttled": stats["throttled"],
                       "seconds": round(seconds, 1), "exit": p.returncode}
    # Both orgs now hold the same forwarding: a plan of the switchboard manifests against the
    # script's org finds nothing to do (a check, not a figure: no latency, no rate).
    served = Served(ws / "org")
    try:
        (ws / "switchboard.yaml").write_text(
            f"defaultTarget: bench\ntargets:\n  bench:\n    type: webex\n    baseUrl: {served.url}\n    limits: {{requestsPerSecond: 0}}\n")
        code, out, err, *_ = run(["plan", "people", "--detailed-exitcode"], ws)
    finally:
        served.stop()
    rows["script_result_matches_manifests"] = code == 0
    s, w = rows["switchboard"], rows["wxc-sdk"]
    say(3, f"forwarding changed on {count} users at {RATE} req/s, {LATENCY_MS} ms — switchboard apply --changed-since: "
           f"{s['requests']} requests, {s['seconds']} s; wxc-sdk CSV script: {w['requests']} requests, {w['seconds']} s; "
           f"same end state: {rows['script_result_matches_manifests']}")
    RESULTS["3_versus_csv_script"] = rows


def figure_4(ws):
    served = Served(ws / "org")
    try:
        (ws / "switchboard.yaml").write_text(
            f"defaultTarget: bench\ntargets:\n  bench:\n    type: webex\n    baseUrl: {served.url}\n    limits: {{requestsPerSecond: 0}}\n")
        must(run(["inventory", "pull", "--out", "snapshot.json"], ws), "inventory pull")
    finally:
        served.stop()
    code, out, err, seconds, rss = must(run(["plan", "people", "--inventory", "snapshot.json"], ws, timed=True),
                                        "offline plan", codes=(0, 2))
    say(4, f"offline plan (--inventory) of the {out.count('UserCalling') or 'converged'} org: {seconds:.2f} s, "
           f"peak RSS {rss:.0f} MB (exit {code})")
    RESULTS["4_offline_plan"] = {"seconds": round(seconds, 2), "peak_rss_mb": round(rss), "exit": code}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default="1,2,3,4", help="figures to run, e.g. 1,4")
    p.add_argument("--people", type=int, default=10_000)
    p.add_argument("--sites", type=int, default=100)
    p.add_argument("--changes", type=int, default=1000, help="users whose forwarding figure 3 changes")
    p.add_argument("--python", default=default_python(), help="a Python with wxc-sdk, for figure 3")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args()
    if not BIN.exists():
        sys.exit(f"{BIN} is missing: run `cargo build --release` first")
    only = {int(x) for x in args.only.split(",")}
    base = tempfile.mkdtemp(prefix="switchboard-people-bench-")
    print(f"work directory {base}; {os.cpu_count()} CPUs; {args.people} users over {args.sites} sites", flush=True)
    try:
        ws = None
        if only & {1, 2, 4}:
            ws = figure_1(base, args.people, args.sites) if 1 in only else workspace(base, "noop", args.people, args.sites)
        if 4 in only:
            figure_4(ws)
        if 2 in only:
            figure_2(ws)
        if 3 in only:
            figure_3(base, args.people, args.sites, args.python, args.changes)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(json.dumps(RESULTS, indent=2))


if __name__ == "__main__":
    main()
