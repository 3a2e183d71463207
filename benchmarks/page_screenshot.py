"""Screenshot of a results page (`manyworld report`) in headless Chromium, for the docs.

    python benchmarks/page_screenshot.py runs/reports/sac-single-task/index.html \
        docs/img/report.png --width 1200 --height 1700

Needs Debian's chromium and chromium-driver, and selenium (the `test` extra); it drives
/usr/bin/chromedriver, so nothing is downloaded.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("page", type=Path, help="the report's index.html")
    p.add_argument("out", type=Path, help="the PNG to write")
    p.add_argument("--width", type=int, default=1200)
    p.add_argument("--height", type=int, default=1700, help="the top of the page this tall")
    args = p.parse_args()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", f"--user-data-dir={profile}",
                 f"--window-size={args.width},{args.height}"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(args.page.resolve().as_uri())
        tmp = args.out.with_suffix(".tmp.png")
        driver.save_screenshot(str(tmp))
        tmp.replace(args.out)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
