"""The report page: templates with autoescaping, SVG figures with captions, labels, navigation, and a
layout that stays legible at 400 px (a headless browser, when one is installed).

Built from a small synthetic experiment (no simulation, no numba): seconds.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from hebblab import report
from hebblab.experiments import EXPERIMENTS
from hebblab.experiments.base import Experiment, ExperimentConfig, Headline, Result

NAME = "page-test"
EVIL = "<script>alert('x')</script>"


class Cfg(ExperimentConfig):
    replicates: int = 5
    rates_hz: tuple[float, ...] = (1.0, 5.0, 10.0)
    label: str = "a long-ish setting value that should wrap on a narrow screen without overflowing"


def _result() -> Result:
    return Result(
        headline=dict(write=dict(seconds={"mean": 16.4, "ci95": [15.0, 17.9], "n": 5}, fraction=0.226,
                                 long_snake_case_key_only_in_results={"at_least": 3.0}),
                      evil=1.5),
        tables=dict(curve=dict(dt_ms=[-10.0, 0.0, 10.0], change=[0.1, 0.0, -0.1]),
                    points=dict(x=list(range(50)), y=[float(i) ** 0.5 for i in range(50)])),
        notes=[f"a note with {EVIL}"], kinds={"evil": "closed-form"})


def _figures(result):
    from matplotlib.figure import Figure
    fig_a = Figure(figsize=(11, 4.6))
    ax = fig_a.subplots()
    ax.plot([-10, 0, 10], [0.1, 0.0, -0.1], "o-", label="window")
    ax.legend()
    ax.set(title="Figure A")
    fig_b = Figure(figsize=(6.5, 4.4))
    ax = fig_b.subplots()
    rng = np.random.default_rng(1)
    ax.plot(rng.normal(size=20_000), rng.normal(size=20_000), ".", ms=1, label="20 000 simulated synapses")
    ax.legend()
    return [("figA_first", fig_a), ("figB_second", fig_b)]


EXP = Experiment(
    name=NAME, question=f"Is {EVIL} escaped in the question?", about=f"About & {EVIL}, with `--set x=1`.",
    config=Cfg, quick={}, full={}, run=lambda c, seed=1, progress=False: _result(), figures=_figures,
    summary=(Headline("write.seconds", "time to write an 8-bit level", "s"),
             Headline("write.fraction", "false-write probability", percent=True),
             Headline("evil", f"label with {EVIL}")),
    finding=lambda r: f"The finding, with {EVIL} and 16.4 s.",
    captions={"figA_first": "Figure A: the first figure; tests the first claim.",
              "figB_second": f"Figure B: the second figure, caption with {EVIL}."})


@pytest.fixture
def built(tmp_path, monkeypatch):
    """A report folder with one synthetic run: (out, run folder)."""
    monkeypatch.setitem(EXPERIMENTS, NAME, EXP)
    config = EXP.make_config("quick")
    result = EXP.run(config)
    folder = report.write_run(EXP, config, 1, result, tmp_path)
    info = json.loads((folder / "config.json").read_text())
    report.write_index(tmp_path, [(EXP, folder, info, result)], "quick", 1.0)
    return tmp_path, folder


class _Page(HTMLParser):
    """Elements by tag, with attributes, and the text inside each table of a class."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.ids, self.hrefs, self.scripts = [], set(), [], 0
        self.tables: dict[str, list[str]] = {}
        self._table, self._captions, self.captions = None, 0, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if tag == "script":
            self.scripts += 1
        if tag == "table":
            self._table = a.get("class", "")
            self.tables.setdefault(self._table, [])
        if tag == "figcaption":
            self._captions += 1
            self.captions.append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        if tag == "figcaption":
            self._captions -= 1

    def handle_data(self, data):
        if self._table is not None:
            self.tables[self._table].append(data)
        if self._captions:
            self.captions[-1] += data


def test_untrusted_text_is_escaped(built):
    out, folder = built
    for page in (out / "report.html", folder / "report.html"):
        text = page.read_text()
        assert "<script>" not in text and _Page(text).scripts == 0
        assert "&lt;script&gt;alert(" in text
        for where in ("About &amp; &lt;script&gt;", "label with &lt;script&gt;", "finding, with &lt;script&gt;",
                      "caption with &lt;script&gt;", "a note with &lt;script&gt;", "question?"):
            assert where in text, (page, where)


def test_figures_are_svg_with_captions_in_their_order(built):
    out, folder = built
    manifest = json.loads((folder / "figures" / "figures.json").read_text())
    assert [f["name"] for f in manifest] == ["figA_first", "figB_second"]
    for f in manifest:
        assert f["format"] == "svg" and (folder / f["file"]).is_file() and f["caption"]
    assert not list((folder / "figures").glob("*.png"))
    svg = (folder / "figures" / "figB_second.svg").read_bytes()
    assert b"<svg" in svg[:2000] and b"<image" in svg  # the 20 000 points are one raster layer
    assert len(svg) < 400_000
    text = (out / "report.html").read_text()
    page = _Page(text)
    imgs = [a for tag, a in page.tags if tag == "img"]
    assert len(imgs) == 2 and all(a["src"].startswith("data:image/svg+xml;base64,") for a in imgs)
    assert base64.b64decode(imgs[1]["src"].split(",", 1)[1]) == svg
    assert len(page.captions) == 2
    assert page.captions[0].startswith("Figure 1. Figure A: the first figure") and "Figure B" in page.captions[1]
    assert text.index("figA_first") < text.index("figB_second")
    assert f"{folder.name}/figures/figB_second.svg" in page.hrefs


def test_heavy_figure_falls_back_to_png(monkeypatch):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(3, 2))
    fig.subplots().plot(range(100), range(100))
    assert report.render_figure(fig)[0] == "svg"
    monkeypatch.setattr(report, "HEAVY_SVG_BYTES", 10)
    monkeypatch.setattr(report, "_fig_png", lambda f: b"\x89PNG small")
    fmt, data = report.render_figure(fig)
    assert fmt == "png" and data == b"\x89PNG small"


def test_viewport_toc_and_links(built):
    out, folder = built
    text = (out / "report.html").read_text()
    page = _Page(text)
    metas = [a for tag, a in page.tags if tag == "meta"]
    assert any(a.get("name") == "viewport" and "width=device-width" in a.get("content", "") for a in metas)
    assert any(tag == "nav" for tag, _ in page.tags)
    for target in ("#claims", f"#{NAME}", f"#{NAME}-fig-figA_first", f"#{NAME}-fig-figB_second"):
        assert target in page.hrefs and target[1:] in page.ids
    assert "#top" in page.hrefs and "top" in page.ids
    assert f"{folder.name}/report.html" in page.hrefs
    for t in ("curve", "points"):
        href = f"{folder.name}/tables/{t}.csv"
        assert href in page.hrefs and (out / href).is_file()
    assert "claims.json" in page.hrefs
    run_page = _Page((folder / "report.html").read_text())
    assert "../report.html" in run_page.hrefs  # back to the index
    assert "tables/curve.csv" in run_page.hrefs and "config.json" in run_page.hrefs
    assert any(tag == "meta" and a.get("name") == "viewport" for tag, a in run_page.tags)
    # the config is shown as one line per setting, not a JSON dump
    assert re.search(r"<dt><code>replicates</code></dt><dd><code>5</code></dd>", text)
    assert "<dt><code>rates_hz</code></dt><dd><code>[1.0, 5.0, 10.0]</code></dd>" in text


def test_headline_tables_use_labels_units_and_intervals(built):
    out, _ = built
    page = _Page((out / "report.html").read_text())
    cells = [c.strip() for c in page.tables["hl stack"] if c.strip()]
    assert "time to write an 8-bit level" in cells and "16.4 [15.0, 17.9] s" in cells
    assert "false-write probability" in cells and "22.6 %" in cells
    snake = [c for c in cells if re.search(r"\b[a-z][a-z0-9]*(?:[_.][a-z][a-z0-9]*)+\b", c)]
    assert not snake, snake
    # the keys stay available, in the table of every number in results.json
    assert "write.long_snake_case_key_only_in_results" in page.tables["keys"]


def test_every_experiment_declares_a_caption_for_its_figures():
    """Every registered experiment names a caption for each figure it draws (the names come from its
    figures function's source: drawing them would mean running the experiment)."""
    import inspect
    for name, exp in EXPERIMENTS.items():
        if name == NAME:
            continue
        src = inspect.getsource(inspect.getmodule(exp.figures))
        returned = set(re.findall(r"\(\"([A-Za-z0-9_]+)\", (?:fig\w*|_\w+\(result\))\)", src))
        assert returned, name
        missing = returned - set(exp.captions)
        assert not missing, f"{name}: no caption for {sorted(missing)}"
        for fig, caption in exp.captions.items():
            assert len(caption) > 40, (name, fig)


# ------------------------------------------------------------------ a real browser, where installed

BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "headless_shell")
PROBE = """<script>
addEventListener('load', function () {
  var d = document.documentElement;
  var wide = [];
  document.querySelectorAll('body *').forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.right > d.clientWidth + 1 && !el.closest('.scroll')) wide.push(el.tagName + '.' + el.className);
  });
  var p = document.createElement('pre');
  p.id = 'probe';
  p.textContent = JSON.stringify({scroll: d.scrollWidth, client: d.clientWidth, wide: wide.slice(0, 10),
    fonts: parseFloat(getComputedStyle(document.querySelector('td')).fontSize)});
  document.body.appendChild(p);
});
</script>"""


def _browser():
    for b in BROWSERS:
        path = shutil.which(b)
        if path:
            return path
    return None


def _browse(browser, page: Path, width: int, tmp: Path) -> dict:
    probe = tmp / f"probe-{width}.html"
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    common = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              f"--window-size={width},900", "--virtual-time-budget=5000"]
    dom = subprocess.run(common + ["--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120)
    m = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    assert m, dom.stderr[-2000:]
    shot = tmp / f"page-{width}.png"
    subprocess.run(common + [f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
    info = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    info["screenshot"] = shot
    return info


@pytest.mark.parametrize("width", [1400, 400])
def test_layout_in_a_headless_browser(built, tmp_path, width):
    browser = _browser()
    if browser is None:
        pytest.skip("no headless browser installed (Debian: apt-get install chromium-headless-shell)")
    out, folder = built
    for page in (out / "report.html", folder / "report.html"):
        info = _browse(browser, page, width, tmp_path)
        assert info["scroll"] <= info["client"] + 1, info  # no horizontal scrolling of the page
        assert not info["wide"], info
        assert info["fonts"] >= 12, info  # table text stays legible
        shot = info["screenshot"]
        assert shot.is_file() and shot.stat().st_size > 1000
        assert shot.read_bytes()[16:20] == width.to_bytes(4, "big")  # the PNG is as wide as the window
