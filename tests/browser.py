"""Headless Chromium for the tests: screenshots, and measurements of a page's real layout.

`measure` loads a copy of the page with a small script appended that reads what the browser laid
out (computed font sizes of the chart's text, every element's box against the viewport) and
writes it into the DOM, which `--dump-dom` returns. The page itself carries no script.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

MEASURE = """<script>
(() => {
  const vw = document.documentElement.clientWidth;
  const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const hidden = e => e.closest('.skip, .visually-hidden');
  const overflowing = [...document.body.querySelectorAll('*')]
    .filter(e => visible(e) && !hidden(e) && e.tagName !== 'SCRIPT')
    .filter(e => { const r = e.getBoundingClientRect(); return r.right > vw + 0.5 || r.left < -0.5; })
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : '')
               + ' ' + Math.round(e.getBoundingClientRect().right));
  const chartText = [...document.querySelectorAll('.chart .gridline span, .chart .ticks li, .chart .chart-latest')]
    .filter(visible)
    .map(e => ({text: e.textContent.trim(), px: parseFloat(getComputedStyle(e).fontSize),
                height: e.getBoundingClientRect().height, width: e.getBoundingClientRect().width,
                fits: e.scrollWidth <= Math.ceil(e.getBoundingClientRect().width) + 1}));
  const chart = document.querySelector('.chart');
  parent.postMessage(JSON.stringify({
    viewport: vw, scrollWidth: document.documentElement.scrollWidth, overflowing, chartText,
    chartWidth: chart ? chart.getBoundingClientRect().width : 0}), '*');
})();
</script>"""
# Chromium's headless window is at least 500 px wide: a phone's width is given to an iframe instead.
FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="{src}" style="border:0;width:{width}px;height:2000px"></iframe>
<script>addEventListener('message', e => document.body.setAttribute('data-measure', e.data));</script>
</body></html>"""


def chromium(*args: str, tmp_path: Path, width: int = 1200, height: int = 1600) -> subprocess.CompletedProcess:
    """Run Debian's headless Chromium with a fresh profile (a test that cannot run it fails, never skips)."""
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail("Chromium is not installed: apt-get install chromium (scripts/test.sh does it)")
    profile = tmp_path / f"chromium-profile-{width}"
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", f"--window-size={width},{height}", *args],
        capture_output=True, timeout=120, check=True,
    )


def measure(page: Path, *, width: int, tmp_path: Path) -> dict:
    """What Chromium laid out for `page` at `width` CSS px: overflowing elements, the chart's text sizes."""
    copy = page.with_name(f"measure-{width}-{page.name}")  # beside the page: its relative links still work
    html = page.read_text(encoding="utf-8")
    copy.write_text(html.replace("</body>", MEASURE + "</body>", 1), encoding="utf-8")
    frame = tmp_path / f"frame-{width}.html"
    frame.write_text(FRAME.format(src=copy.as_uri(), width=width), encoding="utf-8")
    dom = chromium("--dump-dom", "--hide-scrollbars", "--virtual-time-budget=10000", "--allow-file-access-from-files",
                   frame.as_uri(), tmp_path=tmp_path, width=max(width, 600)).stdout
    copy.unlink()
    found = re.search(r'data-measure="([^"]*)"', dom.decode("utf-8"))
    assert found, "the measuring script did not run"
    return json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&"))
