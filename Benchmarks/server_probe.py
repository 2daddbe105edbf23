"""Runs a server command and measures it from outside: CPU seconds (utime + stime from
/proc/PID/stat) between the first log line containing START and the first containing END, the
wall time between them, and the peak resident set (VmHWM from /proc/PID/status).

The server's stdout and stderr go to LOG. Kills the server after --timeout seconds.
--tree: the server is a process tree (Flower's SuperLink starts flower-superexec, which starts
flwr-serverapp): peak_rss_mb is the sum over every process of the tree of its own VmHWM (an upper
bound of the tree's peak), CPU is not measured. --stop-file F: once F exists, the server is sent
SIGTERM (the tree's children too) and measured until it exits.
Writes {"cpu_seconds", "wall_seconds", "peak_rss_mb", "exit", "timed_out", "started", "ended"}
to OUT.

Usage: server_probe.py --log LOG --out OUT --start START --end END [--timeout S] -- CMD ...
"""
import argparse
import json
import os
import subprocess
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def descendants(root):
    """root and every process below it (from /proc/*/stat parent ids)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--start", required=True)
    parser.add_argument("--end", required=True)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--tree", action="store_true")
    parser.add_argument("--stop-file")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    log = open(args.log, "wb")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + args.timeout
    start = end = None
    peak = 0.0
    last_cpu = 0.0
    timed_out = False
    tree_peaks = {}
    stopping = False
    offset = 0
    pending = b""
    with open(args.log, "rb") as reader:
        while proc.poll() is None:
            if args.tree:
                for pid in descendants(proc.pid):
                    try:
                        tree_peaks[pid] = max(tree_peaks.get(pid, 0.0), peak_rss_mb(pid))
                    except (OSError, IndexError, ValueError):
                        pass
                peak = sum(tree_peaks.values())
            else:
                try:
                    last_cpu = cpu_seconds(proc.pid)
                    peak = max(peak, peak_rss_mb(proc.pid))
                except (OSError, IndexError, ValueError):
                    pass
            if args.stop_file and not stopping and os.path.exists(args.stop_file):
                stopping = True
                for pid in descendants(proc.pid):
                    try:
                        os.kill(pid, 15)
                    except OSError:
                        pass
            reader.seek(offset)
            chunk = reader.read()
            offset += len(chunk)
            pending += chunk
            lines = pending.split(b"\n")
            pending = lines.pop()
            now = time.monotonic()
            for line in lines:
                text = line.decode("utf-8", "replace")
                if start is None and args.start in text:
                    start = (now, last_cpu)
                if start is not None and end is None and args.end in text:
                    end = (now, last_cpu)
            if now > deadline:
                timed_out = True
                proc.kill()
                break
            time.sleep(0.05 if args.tree else 0.01)
    code = proc.wait()
    with open(args.log, "rb") as reader:
        reader.seek(offset)
        rest = (pending + reader.read()).decode("utf-8", "replace")
    if start is not None and end is None and args.end in rest:
        end = (time.monotonic(), last_cpu)
    result = {
        "cpu_seconds": (end[1] - start[1]) if start and end else None,
        "wall_seconds": (end[0] - start[0]) if start and end else None,
        "peak_rss_mb": peak,
        "exit": code,
        "timed_out": timed_out,
        "started": start is not None,
        "ended": end is not None,
    }
    with open(args.out, "w") as f:
        json.dump(result, f)
    sys.exit(0)


if __name__ == "__main__":
    main()
