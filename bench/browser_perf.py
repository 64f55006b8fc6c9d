"""Speed in the browser: Chromium's own performance entries on the pages people open most.

Starts its own ``manage.py run`` (web + worker) on a fresh data directory, signs a person
up, generates one real 15 s track, clones it into a 100-track library and shares it,
then opens home, Generate, the library and the share page in the system Chromium, each
in a fresh browser context (empty cache) several times, and prints the medians of:

* LCP — Largest Contentful Paint (ms from navigation start), target < 1000 on loopback;
* FCP — First Contentful Paint (ms); TTFB — first byte of the HTML (ms), the server's share;
* CLS — Cumulative Layout Shift, target < 0.05;
* KB  — bytes transferred (document + CSS/JS/images/fonts), audio excluded, target < 200.

    .venv/bin/python bench/browser_perf.py [--runs 7] [--json out.json] [--resources]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.live import CHROMIUM, CHROMIUM_ARGS, PERF_SCRIPT, new_server, sign_in  # noqa: E402

TARGETS = {"lcp_ms": 1000, "cls": 0.05, "kb": 200}


def prepare(server, browser) -> tuple[dict, str]:  # type: ignore[no-untyped-def]
    """A signed-in session with a 100-track library and the path of a shared track."""
    email = "bench@example.com"
    server.create_user(email, name="Bench")
    context = browser.new_context(base_url=server.url)
    context.set_default_timeout(180_000)
    page = context.new_page()
    sign_in(page, email)
    page.goto("/generate/")
    page.get_by_label("Prompt", exact=True).fill("Lo-fi hip hop beat for studying")
    page.eval_on_selector("#id_duration", "el => { el.value = '15'; el.dispatchEvent(new Event('input')); }")
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(re.compile(r"/tracks/[0-9a-f-]{36}/"))
    page.locator("[data-play]").wait_for(state="visible")
    page.get_by_role("button", name=re.compile("make public", re.I)).click()
    share_path = re.sub(r"^https?://[^/]+", "", page.locator("[data-share-input]").input_value())
    track_id = page.url.rstrip("/").split("/")[-1]
    state = context.storage_state()
    context.close()
    server.clone_track(track_id, 99)
    return state, share_path


def measure(browser, url: str, state: dict, path: str) -> dict:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800}, storage_state=state)
    try:
        page = context.new_page()
        response = page.goto(path, wait_until="load")
        if not response or response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status if response else '?'}")
        return page.evaluate(PERF_SCRIPT)
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the medians here")
    parser.add_argument("--resources", action="store_true", help="list each page's resources (last run)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    server = new_server(prefix="himig-bench-").start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                state, share_path = prepare(server, browser)
                pages = [("home", "/"), ("generate", "/generate/"), ("library (100)", "/library/"),
                         ("share", share_path)]
                for _, path in pages:  # one warm-up each: Python imports, template compilation
                    measure(browser, server.url, state, path)
                rows = {}
                for name, path in pages:
                    runs = [measure(browser, server.url, state, path) for _ in range(args.runs)]
                    rows[name] = {
                        "lcp_ms": statistics.median(r["lcp_ms"] or 0 for r in runs),
                        "fcp_ms": statistics.median(r["fcp_ms"] or 0 for r in runs),
                        "ttfb_ms": statistics.median(r["ttfb_ms"] or 0 for r in runs),
                        "cls": max(r["cls"] for r in runs),
                        "kb": statistics.median(r["bytes"] for r in runs) / 1000,
                        "html_kb": statistics.median(r["html_bytes"] for r in runs) / 1000,
                    }
                    if args.resources:
                        for resource in runs[-1]["resources"]:
                            print(f"  {name:14} {resource[1] / 1000:7.1f} KB  done {resource[2]:5} ms  {resource[0]}")
            finally:
                browser.close()
    finally:
        server.stop()

    print(f"\nChromium performance entries, median of {args.runs} cold loads per page, 1280×800, loopback")
    print(f"{'page':16}{'LCP ms':>8}{'FCP ms':>8}{'TTFB ms':>9}{'CLS max':>9}{'KB':>8}{'HTML KB':>9}  targets: LCP<1000 CLS<0.05 KB<200")
    for name, row in rows.items():
        misses = [k for k in ("lcp_ms", "cls", "kb") if row[k] >= TARGETS[k]]
        print(f"{name:16}{row['lcp_ms']:8.0f}{row['fcp_ms']:8.0f}{row['ttfb_ms']:9.0f}{row['cls']:9.3f}{row['kb']:8.1f}{row['html_kb']:9.1f}"
              f"  {'MISS ' + ', '.join(misses) if misses else 'ok'}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
