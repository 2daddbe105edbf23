"""Scrapes a Prometheus /metrics URL with urllib until the server goes away.

Polls every --interval seconds. Stops when the endpoint refuses connections after at least one
successful scrape, or after --timeout seconds. Lines not in Prometheus text format are errors.
Prints one JSON object: {"scrapes": N, "errors": [...], "max": {series: value},
"last": {series: value}, "first_seen": {series: scrape index}} where a series is the metric name
with its {labels} exactly as exposed.

Usage: scrape_metrics.py URL [--interval 0.02] [--timeout 240]
"""
import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.request

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})?) (\S+)$')
TYPE = re.compile(r"^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$")


def parse(text, errors):
    values = {}
    for line in text.splitlines():
        if not line or line.startswith("# HELP "):
            continue
        if line.startswith("#"):
            if not TYPE.match(line):
                errors.append("bad comment line: " + line)
            continue
        match = SAMPLE.match(line)
        if not match:
            errors.append("bad sample line: " + line)
            continue
        values[match.group(1)] = float(match.group(2))
    return values


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--interval", type=float, default=0.02)
    parser.add_argument("--timeout", type=float, default=240)
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout
    scrapes, errors, maxima, last, first_seen = 0, [], {}, {}, {}
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(args.url, timeout=5) as response:
                content_type = response.headers.get("Content-Type", "")
                if not content_type.startswith("text/plain"):
                    errors.append("content type " + content_type)
                values = parse(response.read().decode("utf-8"), errors)
        except (urllib.error.URLError, ConnectionError, OSError):
            if scrapes > 0:
                break
            time.sleep(args.interval)
            continue
        for series, value in values.items():
            maxima[series] = max(value, maxima.get(series, value))
            first_seen.setdefault(series, scrapes)
        last = values
        scrapes += 1
        time.sleep(args.interval)
    json.dump({"scrapes": scrapes, "errors": errors[:20], "max": maxima, "last": last, "first_seen": first_seen},
              sys.stdout)
    print()


if __name__ == "__main__":
    main()
