#!/usr/bin/env python3
"""Renders a Pollen run's report.html in headless Chromium and checks that both plots are visible.

Usage: check-report.py RUN_DIR [--chromium PATH] [--screenshot OUT.png]

Takes a screenshot (RUN_DIR/report.png unless --screenshot is given), then looks for the plots'
series colours: the centralised series (#1f77b4) must appear in two separate regions (the accuracy
plot and the loss plot) and the distributed series (#ff7f0e) must appear too. Prints what it found
as JSON and exits 1 when a plot is missing. Needs Pillow.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

from PIL import Image

BLUE = (0x1F, 0x77, 0xB4)
ORANGE = (0xFF, 0x7F, 0x0E)


def close(pixel, colour, tolerance=40):
    return all(abs(p - c) <= tolerance for p, c in zip(pixel[:3], colour))


def regions(coordinates, gap=24):
    """Clusters of a 1-D projection split wherever `gap` empty pixels separate them."""
    values = sorted(set(coordinates))
    if not values:
        return []
    out = [[values[0], values[0]]]
    for v in values[1:]:
        if v - out[-1][1] > gap:
            out.append([v, v])
        else:
            out[-1][1] = v
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM") or shutil.which("chromium")
                        or shutil.which("chromium-browser") or shutil.which("google-chrome"))
    parser.add_argument("--screenshot")
    args = parser.parse_args()
    report = os.path.abspath(os.path.join(args.run_dir, "report.html"))
    if not os.path.exists(report):
        sys.exit(f"no report at {report}")
    if not args.chromium:
        sys.exit("no chromium found (install it, or pass --chromium / set CHROMIUM)")
    shot = os.path.abspath(args.screenshot or os.path.join(args.run_dir, "report.png"))
    subprocess.run(
        [args.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--window-size=1400,1100", f"--screenshot={shot}", "file://" + report],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    image = Image.open(shot).convert("RGB")
    width, height = image.size
    pixels = image.load()
    blue, orange = [], []
    for y in range(height):
        for x in range(width):
            p = pixels[x, y]
            if close(p, BLUE):
                blue.append((x, y))
            elif close(p, ORANGE):
                orange.append((x, y))
    # Two plots side by side or one above the other: the blue pixels form two clusters along x or y.
    blue_x = regions([x for x, _ in blue])
    blue_y = regions([y for _, y in blue])
    plots = max(len(blue_x), len(blue_y))
    found = {
        "screenshot": shot, "size": [width, height], "blue_pixels": len(blue),
        "orange_pixels": len(orange), "blue_regions_x": blue_x, "blue_regions_y": blue_y,
        "plots": plots,
    }
    print(json.dumps(found))
    if plots < 2 or len(blue) < 200 or len(orange) < 100:
        sys.exit("report.html does not show both plots: " + json.dumps(found))


if __name__ == "__main__":
    main()
