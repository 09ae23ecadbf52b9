"""The leaderboard site, built from eval runs and driven in a real headless Chromium (Debian's chromedriver).

The leaderboard only reads run folders, so the runs are written by the real evaluation on the fake runner
(``runtime/fake.py``: a scripted editor instead of an app; the fixture software of ``fake_suite.py``)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from browser_for_tests import headless_chromium
from fake_suite import SUITE, TASKS, fake_root_on_path
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from gym_anything.benchmark.evaluation import run_eval
from gym_anything.benchmark.leaderboard import LeaderboardError, build_site
from gym_anything.cli import main as cli

ONLY = TASKS  # fakepad.append-line, fakepad.count-lines
FIRST, SECOND = ONLY
PAYLOAD = "</script><script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">'&<!--"


def _edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    """The fakepad data root (stand-in audit records: test setup, see fake_suite.py) first on the data path."""
    yield from fake_root_on_path(tmp_path_factory)


@pytest.fixture(scope="module")
def runs(data_root, tmp_path_factory) -> Path:
    """oracle (with video) and random (without) on two tasks x two seeds, plus two edited copies: one with
    script injections in its run data, one claiming the next suite version."""
    root = tmp_path_factory.mktemp("leaderboard") / "runs"
    run_eval(SUITE, "oracle", root / "oracle", jobs=2, only=ONLY, progress=False, model="oracle-plan", runner="fake")
    run_eval(SUITE, "random", root / "random", jobs=2, only=ONLY, agent_kwargs={"steps": 5}, progress=False,
             video=False, runner="fake")
    injected = root / "injected"
    shutil.copytree(root / "random", injected)
    _edit_json(injected / "run.json", lambda run: run.update(model=PAYLOAD))
    episode = injected / "episodes" / FIRST / "seed-0"

    def poison(result: dict) -> None:
        result["instruction"] = PAYLOAD
        result["verifier"]["items"][0]["detail"] = PAYLOAD

    _edit_json(episode / "result.json", poison)
    lines = (episode / "steps.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    first.update(action_text=PAYLOAD, agent={"model_output": PAYLOAD, "parse_error": PAYLOAD})
    (episode / "steps.jsonl").write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    _edit_json(injected / "episodes" / SECOND / "seed-1" / "result.json", lambda result: result.update(
        error={"type": "RuntimeError", "message": "agent crashed: " + PAYLOAD, "traceback": "Traceback ..."},
        fault={"kind": "app_crashed", "message": PAYLOAD}))
    shutil.copytree(root / "oracle", root / "oracle-next")
    _edit_json(root / "oracle-next" / "run.json", lambda run: run.update(suite_version=run["suite_version"] + 1))
    return root


@pytest.fixture(scope="module")
def site(runs) -> Path:
    out = runs.parent / "site"
    assert cli(["leaderboard", str(runs), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def browser():
    driver = headless_chromium()
    yield driver
    driver.quit()


def _open(driver, page: Path) -> None:
    """Load a page from file:// and fail on any console error (JS exceptions, missing files, CSP blocks)."""
    driver.get(page.as_uri())
    _assert_clean(driver)


def _assert_clean(driver) -> None:
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors
    assert driver.execute_script("return window.__pwned") is None


def _summary(runs: Path, name: str) -> dict:
    return json.loads((runs / name / "summary.json").read_text())["overall"]


def _steps(runs: Path, run: str, episode: str) -> list[dict]:
    folder = runs / run / "episodes" / episode
    return [json.loads(line) for line in (folder / "steps.jsonl").read_text().splitlines()]


@pytest.mark.app
def test_index_ranks_runs_per_suite_version(site, runs, browser):
    _open(browser, site / "index.html")
    sections = {(s.get_attribute("data-suite"), s.get_attribute("data-version")): s
                for s in browser.find_elements(By.CSS_SELECTOR, "section.suite")}
    version = str(json.loads((runs / "oracle" / "run.json").read_text())["suite_version"])
    assert set(sections) == {(SUITE, version), (SUITE, str(int(version) + 1))}
    rows = sections[(SUITE, version)].find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [r.get_attribute("data-run") for r in rows][0] == "oracle"
    assert sorted(r.get_attribute("data-run") for r in rows) == ["injected", "oracle", "random"]
    next_rows = sections[(SUITE, str(int(version) + 1))].find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [r.get_attribute("data-run") for r in next_rows] == ["oracle-next"]
    for row in rows + next_rows:
        name = row.get_attribute("data-run")
        overall = _summary(runs, name)
        cells = row.find_elements(By.TAG_NAME, "td")
        assert float(cells[6].get_attribute("data-sort")) == overall["success_rate"]
        assert [float(v) for v in cells[6].get_attribute("data-ci").split(",")] == overall["ci95"]
        assert cells[6].text.startswith(f"{overall['success_rate'] * 100:.1f}%")
        assert float(cells[8].get_attribute("data-sort")) == overall["mean_steps"]
    assert _summary(runs, "oracle")["success_rate"] == 1.0 and _summary(runs, "random")["success_rate"] == 0.0
    by_run = {r.get_attribute("data-run"): r.find_elements(By.TAG_NAME, "td") for r in rows}
    assert by_run["oracle"][2].text == "oracle-plan" and by_run["injected"][2].text == PAYLOAD
    n = _summary(runs, "random")["n"]
    assert by_run["random"][9].text == f"{n} (0)" and by_run["injected"][9].text == f"{n} (1)"  # the edited error


@pytest.mark.app
def test_charts_show_success_per_software_and_soc_group_with_their_intervals(site, runs, browser):
    _open(browser, site / "index.html")  # no console error: the inline SVG passes the pages' CSP
    version = str(json.loads((runs / "oracle" / "run.json").read_text())["suite_version"])
    section = browser.find_element(By.CSS_SELECTOR, f'section.suite[data-version="{version}"]')
    for by, key in (("software", "by_software"), ("soc", "by_soc")):
        chart = section.find_element(By.CSS_SELECTOR, f'figure.chart[data-by="{by}"] svg')
        assert chart.size["width"] > 400 and chart.size["height"] > 60  # drawn, not an empty box
        bars = {(b.get_attribute("data-series"), b.get_attribute("data-category")): b
                for b in chart.find_elements(By.CSS_SELECTOR, "g.bar")}
        expected = {(run, name): agg for run in ("oracle", "random", "injected")
                    for name, agg in json.loads((runs / run / "summary.json").read_text())[key].items()}
        assert set(bars) == set(expected)  # one bar per run and category
        for (run, name), agg in expected.items():
            bar = bars[(run, name)]
            assert float(bar.get_attribute("data-rate")) == pytest.approx(agg["success_rate"], abs=1e-4)
            width = float(bar.find_element(By.TAG_NAME, "rect").get_attribute("width"))
            assert width == pytest.approx(420 * agg["success_rate"], abs=0.1)
            lo, hi = agg["ci95"]
            assert f"[95% CI {100 * lo:.0f}%, {100 * hi:.0f}%]" in bar.find_element(By.TAG_NAME, "title") \
                .get_attribute("textContent")
    labels = section.find_element(By.CSS_SELECTOR, 'figure.chart[data-by="soc"] svg').text
    assert "43-0000 Office and Administrative Support" in labels  # the OEWS title of the group
    assert "random (injected)" in labels and "random (random)" in labels  # two runs named alike, told apart
    _open(browser, site / "runs" / "oracle" / "index.html")
    bars = browser.find_elements(By.CSS_SELECTOR, 'figure.chart[data-by="software"] g.bar')
    assert [b.get_attribute("data-category") for b in bars] == ["fakepad"] and \
        float(bars[0].get_attribute("data-rate")) == 1.0


def test_a_chart_compares_at_most_six_series_and_escapes_its_labels():
    from gym_anything.benchmark.leaderboard.charts import MAX_SERIES, success_chart

    agg = {"n": 3, "successes": 1, "success_rate": 1 / 3, "ci95": [0.06, 0.79]}
    svg = success_chart("t<", [("a", PAYLOAD)], [(PAYLOAD, PAYLOAD, {"a": agg})])
    assert "<script>" not in svg and "<img" not in svg and "33% (1/3)" in svg
    with pytest.raises(ValueError, match=f"at most {MAX_SERIES} series"):
        success_chart("t", [("a", "a")], [(str(i), str(i), {"a": agg}) for i in range(MAX_SERIES + 1)])


@pytest.mark.app
def test_clicking_a_header_sorts_the_table(site, browser):
    _open(browser, site / "index.html")
    table = browser.find_element(By.CSS_SELECTOR, "section.suite table.ranking")
    headers = {th.text: th for th in table.find_elements(By.CSS_SELECTOR, "thead th")}

    def column(index: int) -> list[str]:
        cells = [r.find_elements(By.TAG_NAME, "td")[index] for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
        return [c.get_attribute("data-sort") or c.text for c in cells]

    headers["mean steps"].click()
    steps = [float(v) for v in column(8)]
    assert steps == sorted(steps, reverse=True) and headers["mean steps"].get_attribute("aria-sort") == "descending"
    headers["mean steps"].click()
    steps = [float(v) for v in column(8)]
    assert steps == sorted(steps) and headers["mean steps"].get_attribute("aria-sort") == "ascending"
    assert len(set(steps)) > 1  # the oracle and the random agent took different numbers of steps
    headers["run"].click()
    names = column(1)
    assert names == sorted(names, key=str.lower) and headers["mean steps"].get_attribute("aria-sort") is None


@pytest.mark.app
def test_run_page_drills_down_to_tasks_and_checklists(site, runs, browser):
    _open(browser, site / "index.html")
    browser.find_element(By.CSS_SELECTOR, 'tr[data-run="oracle"] a').click()
    assert browser.current_url.endswith("/runs/oracle/index.html")
    _assert_clean(browser)
    tasks = browser.find_elements(By.CSS_SELECTOR, "table.tasks tbody tr")
    assert sorted(t.get_attribute("data-task") for t in tasks) == sorted(ONLY)
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-task="{FIRST}"]')
    chips = row.find_elements(By.CSS_SELECTOR, "a.chip")
    assert [c.get_attribute("data-seed") for c in chips] == ["0", "1"]
    assert all("pass" in c.get_attribute("class") for c in chips)
    result = json.loads((runs / "oracle" / "episodes" / FIRST / "seed-0" / "result.json").read_text())
    assert row.find_elements(By.TAG_NAME, "td")[2].text == ", ".join(result["soc_groups"])
    row.find_element(By.CSS_SELECTOR, "td a").click()
    assert browser.current_url.endswith(f"#task-{FIRST}")
    episode = browser.find_element(By.ID, f"episode-{FIRST}-seed-0")
    assert episode.find_element(By.CSS_SELECTOR, ".instruction").text == result["instruction"]
    checks = episode.find_elements(By.CSS_SELECTOR, "table.checklist tbody tr")
    names = [c.find_elements(By.TAG_NAME, "td")[1].text for c in checks]
    assert names == [item["name"] for item in result["verifier"]["items"]]
    assert all(c.get_attribute("class") == "pass" for c in checks)
    chips[0].click()
    assert browser.current_url.endswith(f"/runs/oracle/{FIRST}-seed-0/index.html")
    _assert_clean(browser)
    video = browser.find_element(By.ID, "video").get_attribute("href")
    assert Path(video.removeprefix("file://")).stat().st_size > 0  # the oracle run recorded MP4s


@pytest.mark.app
def test_trajectory_viewer_steps_plays_and_draws_the_actions(site, runs, browser):
    steps = _steps(runs, "random", f"{FIRST}/seed-0")
    page = site / "runs" / "random" / f"{FIRST}-seed-0" / "index.html"
    _open(browser, page)
    assert browser.find_elements(By.ID, "video") == []  # recorded with video=False
    frame = browser.find_element(By.ID, "frame")
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return arguments[0].complete", frame))
    size = browser.execute_script("return [arguments[0].naturalWidth, arguments[0].naturalHeight]", frame)
    assert size == [640, 360]  # the WebP decoded at the screen's size
    assert frame.get_attribute("src").endswith("/frames/0000.webp")
    overlay = browser.find_element(By.ID, "overlay")

    def attr(selector: str, name: str) -> float:
        return float(overlay.find_element(By.CSS_SELECTOR, selector).get_attribute(name))

    drawn = set()
    for record in steps:  # position p shows frame p and the action of step p + 1, taken on it
        assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-position") == str(record["step"] - 1)
        action = record["action"]
        assert overlay.get_attribute("data-kind") == action["type"]
        assert browser.find_element(By.ID, "action-text").text == record["action_text"]
        if "x" in action:
            assert (attr("#mark", "cx"), attr("#mark", "cy")) == (action["x"], action["y"])
            drawn.add("pointer")
        if action["type"] == "drag":
            assert (attr("#arrow", "x1"), attr("#arrow", "y1")) == (action["x"], action["y"])
            assert (attr("#arrow", "x2"), attr("#arrow", "y2")) == (action["x2"], action["y2"])
            drawn.add("drag")
        if action["type"] == "type":
            assert overlay.find_element(By.ID, "label").get_attribute("textContent").startswith("type \u201c")
            drawn.add("type")
        if action["type"] == "done":
            assert overlay.find_element(By.ID, "banner").get_attribute("textContent") == "DONE"
            drawn.add("done")
        browser.find_element(By.ID, "next").click()
    assert drawn == {"pointer", "drag", "type", "done"}  # this seeded random episode has each kind
    assert overlay.get_attribute("data-kind") == "end"
    assert frame.get_attribute("src").endswith(f"/frames/{len(steps):04d}.webp")
    browser.find_element(By.ID, "play").click()  # at the end: play restarts from frame 0 and runs to the end
    WebDriverWait(browser, 30).until(
        lambda d: int(d.find_element(By.TAG_NAME, "body").get_attribute("data-position")) >= 2)
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "play").text == "Play")  # stopped at the end
    assert browser.find_element(By.ID, "slider").get_attribute("value") == str(len(steps))
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


@pytest.mark.app
def test_run_data_is_escaped_everywhere(site, browser):
    for page in site.rglob("*.html"):
        assert "<script>window.__pwned" not in page.read_text() and "<img src=x" not in page.read_text()
    _open(browser, site / "runs" / "injected" / "index.html")
    episode = browser.find_element(By.ID, f"episode-{FIRST}-seed-0")
    assert episode.find_element(By.CSS_SELECTOR, ".instruction").text == PAYLOAD
    assert episode.find_elements(By.CSS_SELECTOR, "table.checklist tbody td")[3].text == PAYLOAD
    crashed = browser.find_element(By.ID, f"episode-{SECOND}-seed-1")
    assert crashed.find_element(By.CSS_SELECTOR, ".error p").text == "error: RuntimeError: agent crashed: " + PAYLOAD
    assert crashed.find_element(By.CSS_SELECTOR, ".fault").text == "fault: app_crashed: " + PAYLOAD
    assert browser.execute_script("return document.querySelectorAll('img[src=\"x\"]').length") == 0
    _open(browser, site / "runs" / "injected" / f"{FIRST}-seed-0" / "index.html")
    assert browser.find_element(By.ID, "instruction").text == PAYLOAD
    assert browser.find_element(By.ID, "action-text").text == PAYLOAD
    assert browser.find_element(By.ID, "model-output").get_attribute("textContent") == PAYLOAD
    assert json.loads(browser.find_element(By.ID, "trace").get_attribute("textContent")) == {"parse_error": PAYLOAD}
    inline = browser.execute_script("return Array.from(document.querySelectorAll('script:not([src])'), s => s.type)")
    assert inline == ["application/json"]  # only the trajectory data: the payload made no script element
    assert browser.execute_script("return document.querySelectorAll('img[src=\"x\"]').length") == 0


@pytest.mark.app
def test_site_is_self_contained_small_and_rebuilt_incrementally(site, runs, tmp_path):
    pngs = list(runs.glob("*/episodes/*/*/frames/*.png"))
    webps = list(site.glob("runs/*/*/frames/*.webp"))
    assert len(webps) == len(pngs) > 0
    assert sum(p.stat().st_size for p in webps) < 0.6 * sum(p.stat().st_size for p in pngs)
    for page in site.rglob("*.html"):
        for link in re.findall(r'(?:src|href)="([^"#]+)', page.read_text()):
            assert "://" not in link and (page.parent / link).is_file(), f"{page}: {link}"
    stats = build_site(runs, site)
    assert stats["frames_converted"] == 0 and stats["frames"] == len(pngs) and stats["runs"] == 4
    linked = tmp_path / "linked"  # runs gathered by symlink; a rebuild drops the runs no longer there
    linked.mkdir()
    (linked / "best").symlink_to(runs / "oracle", target_is_directory=True)
    shutil.copytree(site, tmp_path / "site")
    stats = build_site(linked, tmp_path / "site")
    assert stats["runs"] == 1 and [p.name for p in (tmp_path / "site" / "runs").iterdir()] == ["best"]


@pytest.mark.app
def test_bad_input_is_a_clear_error(tmp_path, runs, capsys):
    with pytest.raises(LeaderboardError, match="runs_dir: .* is not a folder"):
        build_site(tmp_path / "missing", tmp_path / "site")
    bad = tmp_path / "bad" / "run"
    bad.mkdir(parents=True)
    (bad / "run.json").write_text(json.dumps({"format": 99, "suite": "test", "suite_version": 1}))
    with pytest.raises(LeaderboardError, match=r"run\.json: field 'format': expected 1 or 2 .*, got 99"):
        build_site(tmp_path / "bad", tmp_path / "site")
    (bad / "run.json").write_text(json.dumps({"format": 1, "suite": "test", "suite_version": "1"}))
    with pytest.raises(LeaderboardError, match="field 'suite_version': expected an integer"):
        build_site(tmp_path / "bad", tmp_path / "site")
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "todo.txt").write_text("mine")
    assert cli(["leaderboard", str(runs), "--out", str(foreign)]) == 2
    assert "is not empty and is not a leaderboard site" in capsys.readouterr().err
    assert (foreign / "todo.txt").read_text() == "mine" and not (foreign / "index.html").exists()


def test_faults_show_their_kind_and_detail(tmp_path):
    """Faults carry kind/detail (the env's info["fault"]); results written before that carry kind/message. The
    results are written by hand in format 1 (with "audits"), which the reader still reads."""
    run = tmp_path / "runs" / "faulty"
    faults = {0: {"kind": "app_crashed", "detail": "mousepad exited with status 139"},
              1: {"kind": "display_died", "message": "Xvfb exited"}}
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"format": 1, "suite": "test", "suite_version": 1, "agent": "random"}))
    for seed, fault in faults.items():
        folder = run / "episodes" / "mousepad.append-entry" / f"seed-{seed}"
        folder.mkdir(parents=True)
        (folder / "result.json").write_text(json.dumps({
            "episode": f"mousepad.append-entry/seed-{seed}", "env": "mousepad", "task": "append-entry",
            "split": "test", "soc_groups": ["43-0000"], "difficulty": "easy", "seed": seed, "reward": 0.0,
            "success": False, "score": 0.0, "steps": 3, "verifier": None, "fault": fault, "error": None,
            "audits": [], "wall_time": 1.0}))
        (folder / "steps.jsonl").write_text("")
    build_site(tmp_path / "runs", tmp_path / "site")
    page = (tmp_path / "site" / "runs" / "faulty" / "index.html").read_text()
    faults_shown = re.findall(r'<p class="bad fault">(.*?)</p>', page)
    assert faults_shown == ["fault: app_crashed: mousepad exited with status 139", "fault: display_died: Xvfb exited"]
