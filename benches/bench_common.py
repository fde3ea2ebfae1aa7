"""What the benchmarks share: the release binary, running it with peak RSS, and a served
sandbox in its own process. Standard library only."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "switchboard"
# Not a word that appears elsewhere in the output: the redactor scrubs the token everywhere.
TOKEN = "bench-token"


def say(figure, text):
    print(f"[{figure}] {text}", flush=True)


def run(args, cwd, env=None, timed=False):
    """Run the binary; returns (exit code, stdout, stderr, seconds, peak RSS MB)."""
    full_env = dict(os.environ, NO_COLOR="1", WEBEX_ACCESS_TOKEN=TOKEN, **(env or {}))
    command = [str(BIN), *args]
    rss_file = None
    if timed:
        rss_file = Path(cwd) / ".rss"
        command = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file), *command]
    started = time.perf_counter()
    p = subprocess.run(command, cwd=cwd, env=full_env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    rss_mb = None
    if rss_file and rss_file.exists():
        rss_mb = int(rss_file.read_text().strip().splitlines()[-1]) / 1024
    return p.returncode, p.stdout, p.stderr, seconds, rss_mb


def must(result, what, codes=(0,)):
    code, out, err, *_ = result
    if code not in codes:
        sys.exit(f"{what} failed ({code}):\n{out[-2000:]}\n{err[-2000:]}")
    return result


class Served:
    """`switchboard sandbox serve` in its own process, stopped with SIGTERM (flushes its org)."""

    def __init__(self, sandbox_dir, *flags):
        self.proc = subprocess.Popen(
            [str(BIN), "sandbox", "serve", "--port", "0", "--sandbox-dir", str(sandbox_dir), *flags],
            stdout=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip().removeprefix("Sandbox listening on ")
        self.origin = self.url.removesuffix("/v1")

    def stats(self):
        with urllib.request.urlopen(f"{self.origin}/_sandbox/stats") as r:
            return json.load(r)

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(f"{self.origin}/_sandbox/stats/reset", method="POST")).read()

    def get(self, path):
        req = urllib.request.Request(f"{self.url}{path}", headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(req) as r:
            return json.load(r)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=120)


def default_python():
    """A Python with wxc-sdk: the venv .ci/run makes, else python3."""
    venv = Path(os.environ.get("TMPDIR", "/tmp")) / "switchboard-wxc-venv" / "bin" / "python"
    return str(venv) if venv.exists() else "python3"
