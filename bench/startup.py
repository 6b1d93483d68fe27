"""Start-up time and idle memory of the command line, `console` and `serve`.

    python bench/startup.py [--repeat 3]

Runs each as a real process on a fresh SQLite database: `strategy-bot --help`
(time to exit), `strategy-bot console` (started and ended with no input: its time
and its peak memory) and `strategy-bot serve` with Slack configured
against a closed local port (time until it answers on its port, then its idle memory). Memory is
VmRSS from /proc (Linux). Prints the medians; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

COMMAND = shutil.which("strategy-bot") or "strategy-bot"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def help_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([COMMAND, "--help"], capture_output=True, check=True)
    return time.perf_counter() - started


def console(env: dict[str, str]) -> tuple[float, float]:
    """The console started and ended at once (no input): its time, and its peak memory
    (what it holds once started, from the kernel's account of the finished process)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [COMMAND, "console"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    _pid, _status, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def serve(env: dict[str, str]) -> tuple[float, float]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    process = subprocess.Popen(
        [COMMAND, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.perf_counter() - started > 60:
                    raise RuntimeError("serve did not start") from None
                time.sleep(0.05)
        ready = time.perf_counter() - started
        time.sleep(1)
        return ready, rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SLACK_", "TEAMS_", "GRAPH_"))
        }
        env["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'startup.db'}"
        # Slack over HTTP, its Web API a closed local port: serve starts, nothing leaves.
        env |= {
            "SLACK_BOT_TOKEN": "xoxb-startup-bench",
            "SLACK_SIGNING_SECRET": "startup-bench",
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
        }
        helps = [help_seconds() for _ in range(args.repeat)]
        consoles = [console(env) for _ in range(args.repeat)]
        serves = [serve(env) for _ in range(args.repeat)]
    print(f"{'':<24}{'start-up (s)':>14}{'idle RSS (MB)':>15}")
    print(f"{'strategy-bot --help':<24}{statistics.median(helps):>14.2f}{'':>15}")
    for name, runs in (("strategy-bot console", consoles), ("strategy-bot serve", serves)):
        ready = statistics.median(r for r, _ in runs)
        memory = statistics.median(m for _, m in runs)
        print(f"{name:<24}{ready:>14.2f}{memory:>15.1f}")


if __name__ == "__main__":
    main()
