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


AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"  # MPL-2.0, see its PROVENANCE.md
AXE_RUN = """<script>
axe.run(document, {resultTypes: ['violations']}).then(r => document.body.setAttribute('data-axe', JSON.stringify(
  r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                          nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))));
</script>"""


def axe_violations(page: Path, *, tmp_path: Path, width: int = 1200) -> list[dict]:
    """axe-core's violations of `page` as Chromium renders it (id, impact, help, a few nodes).

    axe is inlined into a copy of the page beside it (so relative links and images still load);
    the page itself carries no script."""
    copy = page.with_name(f"axe-{width}-{page.name}")
    html = page.read_text(encoding="utf-8")
    script = "<script>" + AXE.read_text(encoding="utf-8") + "</script>" + AXE_RUN
    copy.write_text(html.replace("</body>", script + "</body>", 1), encoding="utf-8")
    dom = chromium("--dump-dom", "--virtual-time-budget=30000", "--allow-file-access-from-files", copy.as_uri(),
                   tmp_path=tmp_path, width=width).stdout.decode("utf-8")
    copy.unlink()
    found = re.search(r'<body[^>]*\sdata-axe="([^"]*)"', dom)
    assert found, "axe-core did not finish"
    return json.loads(found[1].replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def serious(violations: list[dict]) -> list[dict]:
    """The violations axe rates serious or critical."""
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


def screenshot(page: Path, png: Path, *, width: int, tmp_path: Path, height: int = 2000) -> Path:
    """A PNG of `page` laid out `width` CSS px wide (in an iframe that wide: a headless window is at
    least 500 px), cropped to that width."""
    from PIL import Image

    frame = tmp_path / f"shot-frame-{width}.html"
    frame.write_text(FRAME.format(src=page.as_uri(), width=width).replace("height:2000px", f"height:{height}px"),
                     encoding="utf-8")
    chromium(f"--screenshot={png}", "--hide-scrollbars", "--virtual-time-budget=5000",
             "--allow-file-access-from-files", frame.as_uri(), tmp_path=tmp_path, width=max(width, 600),
             height=height)
    with Image.open(png) as img:
        img.crop((0, 0, width, height)).save(png)
    return png
