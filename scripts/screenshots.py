"""Screenshots of the web UI's main pages for docs/screenshots/ (the README and docs/web.md show them).

Starts a throwaway server, publishes demo figures through the REST API, and captures the pages in
Debian's chromium through Playwright. Run: `.venv/bin/python scripts/screenshots.py`.
"""

from __future__ import annotations

import io
import math
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import start_server, stop_server  # noqa: E402
from tests.server.helpers import Api, data_item  # noqa: E402
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.web.seed import seed  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def chart(kind: str, seed_value: int) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = random.Random(seed_value)
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=80)
    if kind == "scatter":
        xs = [rng.gauss(0, 1) for _ in range(300)]
        ax.scatter(xs, [x * 0.8 + rng.gauss(0, 0.6) for x in xs], s=10, alpha=0.6, color="#0e7490")
        ax.set_title("Expression vs. dose")
    elif kind == "bars":
        labels = ["A", "B", "C", "D", "E"]
        ax.bar(
            labels,
            [rng.uniform(2, 9) for _ in labels],
            color=["#0e7490", "#d97706", "#7c3aed", "#059669", "#dc2626"],
        )
        ax.set_title("Response by cell line")
    elif kind == "hist":
        ax.hist([rng.gauss(5, 1.5) for _ in range(2000)], bins=40, color="#7c3aed", alpha=0.8)
        ax.set_title("Survival time distribution")
    elif kind == "heat":
        grid = [[math.sin(i / 3 + seed_value) * math.cos(j / 4) for j in range(24)] for i in range(16)]
        ax.imshow(grid, cmap="viridis", aspect="auto")
        ax.set_title("Plate heatmap")
    else:
        xs = [i / 10 for i in range(100)]
        ax.plot(xs, [math.sin(x + seed_value) * math.exp(-x / 8) for x in xs], color="#dc2626", lw=2)
        ax.set_title("Damped response")
    ax.grid(alpha=0.3)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


def publish_demo(api) -> dict:
    prefix = api.created("short_id_prefix/reserve/", {})["prefix"]  # short ids are under a reserved prefix
    seeded = seed(api, revisions=4, short_prefix=prefix, workspace_name="Tumour growth study")
    for name in ("Xenograft cohort 1", "Organoid screen"):
        api.analysis(seeded.workspace["api_id"], name)
    kinds = ["scatter", "bars", "hist", "heat", "line"]
    names = [
        "Dose response",
        "Cell line panel",
        "Survival times",
        "Plate 7 heatmap",
        "Damped oscillation",
        "Dose response (log)",
        "Cell line panel (normalised)",
        "Survival by arm",
        "Plate 8 heatmap",
        "Response decay",
    ]
    story_figures = [seeded.figure["api_id"]]
    for number, name in enumerate(names):
        figure = api.figure(seeded.analysis["api_id"], name)
        if number in (0, 2, 3):
            story_figures.append(figure["api_id"])
        for revision in range(1 + number % 3):
            image = chart(kinds[number % len(kinds)], number * 10 + revision)
            api.revision(figure["api_id"], data_item(image, "image", name="figure", format="png"))
    other = api.workspace("Methods paper")
    api.analysis(other["api_id"], "Figure 2 panels")
    story = demo_story(api, seeded.analysis["api_id"], story_figures)
    compare = f"/compare?a={seeded.revisions[0]['api_id']}&b={seeded.revisions[-1]['api_id']}"
    return {
        "home": "/",
        "workspace": f"/workspace/{seeded.workspace['api_id']}",
        "analysis": f"/analysis/{seeded.analysis['api_id']}",
        "figure": f"/figure/{seeded.figure['api_id']}",
        "revision": "/r/DEMO4",
        "compare-side": f"{compare}&mode=side",
        "compare-slider": f"{compare}&mode=slider",
        "compare-diff": f"{compare}&mode=diff",
        "lineage": f"/revision/{seeded.revisions[-1]['api_id']}/lineage",
        "asset-revision": f"/asset_revision/{seeded.asset_revision['api_id']}",
        "share": f"/figure/{seeded.figure['api_id']}#share",
        "story": f"/story/{story}",
    }


def demo_story(api, analysis_id: str, figure_ids: list[str]) -> str:
    """A story over a few figures, written by the offline provider; waits until it is written."""
    import time

    body = {"analysis": analysis_id, "figure_ids": figure_ids, "title": "Treatment slows tumour growth"}
    story = api.post("story/", body).json()
    for _ in range(120):
        if api.ok(f"story/{story['api_id']}")["status"] != "generating":
            break
        time.sleep(0.5)
    return story["api_id"]


def main() -> int:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        server = start_server(Path(home))
        try:
            username, password = server.add_user("alice", "a long demo password")
            api = Api(server, server.login(username, password), username, password)
            pages = publish_demo(api)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                context = browser.new_context(base_url=server.url, viewport={"width": 1360, "height": 860})
                page = context.new_page()
                page.goto("/signin")
                page.screenshot(path=OUT / "signin.png")
                page.fill("#id_username", api.username)
                page.fill("#id_password", api.password)
                with page.expect_navigation():
                    page.click("#signin-submit")
                for name, path in pages.items():
                    page.goto(path)
                    page.wait_for_load_state("networkidle")
                    if name == "share":
                        page.click("#share-button")
                        page.screenshot(path=OUT / f"{name}.png")
                        continue
                    page.screenshot(path=OUT / f"{name}.png", full_page=name not in ("analysis", "revision"))
                    print(f"{name}: {OUT / (name + '.png')}")
                browser.close()
        finally:
            stop_server(server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
