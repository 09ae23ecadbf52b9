"""The leaderboard: a static HTML site built from eval run folders (docs/run-format.md), read with
:class:`gym_anything.benchmark.runs.RunFolder` like every reader of runs.

Usage (what ``gym-anything leaderboard RUNS_DIR --out SITE_DIR`` calls)::

    stats = build_site(Path("runs"), Path("site"))    # then open site/index.html (file:// works)

``index.html`` ranks the runs of each suite version (runs of different versions are never mixed), a page per
run drills down to tasks, seeds and verifier checklists, and a page per episode replays the trajectory with
the actions drawn on the frames. The site is self-contained: frames are converted to WebP and videos copied at
build time, so it can be moved or served from anywhere; scripts and styles are local files (no CDN). A rebuild
into the same folder only converts new frames. Every string from run data is HTML-escaped (and JSON embedded
for the viewer is escaped against ``</script>``); the pages also forbid inline scripts by CSP.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image

from ...actions import viewer_overlays
from ...errors import GymAnythingError
from ..runs import EpisodeRecord, RunFolder, RunFormatError, find_runs
from .charts import MAX_SERIES, soc_label, success_chart

__all__ = ["LeaderboardError", "build_site"]

_YES, _NO = "\u2713", "\u2717"
ASSETS = Path(__file__).with_name("assets")
SITE_MARKER = ".gym-anything-leaderboard"  # written into the site folder: only such a folder is rebuilt over
FRAME_QUALITY = 70  # WebP quality (method 2): ~2.5x smaller than the PNGs, ~50 ms per 720p frame, text readable
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
        "base-uri 'none'; form-action 'none'")


class LeaderboardError(GymAnythingError, ValueError):
    """Bad input to the leaderboard: names the file or argument, the field and what was expected."""


# --- HTML building: strings are escaped unless they are Html ------------------------------------------


class Html(str):
    """Markup that is already safe; any other string put into an element is escaped."""


Child = Any  # str | int | float | Html | None | Iterable[Child]


def _text(child: Child) -> str:
    if child is None or child is False:
        return ""
    if isinstance(child, Html):
        return child
    if isinstance(child, str):
        return html.escape(child, quote=False)
    if isinstance(child, (int, float)):
        return html.escape(str(child))
    if isinstance(child, Iterable):
        return "".join(_text(c) for c in child)
    raise TypeError(f"cannot put {type(child).__name__} into HTML")


def el(tag: str, attrs: dict[str, Any] | None = None, *children: Child) -> Html:
    """``<tag attrs>children</tag>``: attribute values and non-Html children are escaped."""
    parts = [tag]
    for name, value in (attrs or {}).items():
        if value is None or value is False:
            continue
        parts.append(name if value is True else f'{name}="{html.escape(str(value), quote=True)}"')
    if tag in ("meta", "link", "input", "img", "br"):
        return Html(f"<{' '.join(parts)}>")
    return Html(f"<{' '.join(parts)}>{_text(children)}</{tag}>")


def _json_for_script(data: Any) -> Html:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>``, ``<!--`` or ``&`` surprises)."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    return Html(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


def _page(title: str, depth: int, body: Iterable[Child], scripts: Iterable[str] = ()) -> str:
    up = "../" * depth
    head = el("head", None,
              el("meta", {"charset": "utf-8"}),
              el("meta", {"http-equiv": "Content-Security-Policy", "content": _CSP}),
              el("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}),
              el("title", None, title),
              el("link", {"rel": "stylesheet", "href": f"{up}assets/site.css"}))
    tail = [el("script", {"src": f"{up}assets/{name}"}) for name in scripts]
    return "<!doctype html>\n" + el("html", {"lang": "en"}, head, el("body", None, *body, *tail)) + "\n"


# --- formatting --------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "\u2014" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "\u2014" if value is None else f"{value:.{digits}f}"


def _date(value: str | None) -> str:
    if not value:
        return "\u2014"
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return value


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "run"


def _facts(pairs: Iterable[tuple[str, Child]]) -> Html:
    return el("dl", {"class": "facts"}, [[el("dt", None, k), el("dd", None, v)] for k, v in pairs])


def _sortable(headers: list[tuple[str, str]], rows: list[Html], cls: str = "") -> Html:
    """A table sorted by table.js; headers are (label, "number"|"text")."""
    head = el("thead", None, el("tr", None, [
        el("th", {"data-type": kind, "class": "num" if kind == "number" else None}, label) for label, kind in headers]))
    return el("table", {"class": f"sortable {cls}".strip()}, head, el("tbody", None, rows))


def _num_cell(content: Child, sort: float | int | None, **attrs: Any) -> Html:
    """A right-aligned cell that sorts by ``sort`` (missing values sort last)."""
    return el("td", {"class": "num", "data-sort": "" if sort is None else sort, **attrs}, content)


# --- reading runs ------------------------------------------------------------------------------------


@dataclass
class _Run:
    folder: Path
    slug: str
    name: str
    meta: dict[str, Any]
    episodes: list[EpisodeRecord]
    total: int
    summary: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # result.json files read as absent (unfinished)

    @property
    def results(self) -> list[dict[str, Any]]:
        return [e.result for e in self.episodes]

    @property
    def suite_key(self) -> tuple[str, int]:
        return (str(self.meta["suite"]), int(self.meta["suite_version"]))


def _read_run(folder: Path, slug: str) -> _Run:
    source = RunFolder(folder)
    try:
        meta = source.meta
    except RunFormatError as exc:
        raise LeaderboardError(str(exc)) from None
    episodes = list(source.episodes())
    results = [e.result for e in episodes]
    # the statistics come from the episodes (never from summary.json), so every page agrees with the results
    return _Run(folder, slug, source.name, meta, episodes, source.total(results), source.summary(results),
                list(source.problems))


def _load_runs(runs_dir: Path) -> list[_Run]:
    """Every run folder (a folder with ``run.json``) under ``runs_dir``, which may itself be one run."""
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        raise LeaderboardError(f"runs_dir: expected a folder of eval runs, {runs_dir} is not a folder")
    folders = find_runs(runs_dir)
    if not folders:
        raise LeaderboardError(f"runs_dir: no run folder (with run.json) under {runs_dir}")
    runs, used = [], set()
    for folder in folders:
        rel = folder.relative_to(runs_dir).as_posix()
        slug = base = _slug(rel if rel != "." else folder.resolve().name)
        counter = 2
        while slug in used:
            slug, counter = f"{base}-{counter}", counter + 1
        used.add(slug)
        runs.append(_read_run(folder, slug))
    return runs


def _rank_key(run: _Run) -> tuple:
    overall = run.summary["overall"]
    return (-(overall["success_rate"] or 0), -(overall["mean_score"] or 0), overall["mean_steps"] or 0, run.name)


# --- pages -------------------------------------------------------------------------------------------


def _index_page(runs: list[_Run]) -> str:
    groups: dict[tuple[str, int], list[_Run]] = {}
    for run in runs:
        groups.setdefault(run.suite_key, []).append(run)
    body: list[Child] = [el("h1", None, "gym-anything leaderboard"),
                         el("p", {"class": "meta"}, f"{len(runs)} run(s) on {len(groups)} suite version(s); "
                            "runs are ranked by success rate (then mean score) within a suite version. "
                            "Click a column header to sort.")]
    headers = [("#", "number"), ("run", "text"), ("model", "text"), ("agent", "text"), ("step budget", "number"),
               ("date", "text"), ("success (95% CI)", "number"), ("mean score", "number"),
               ("mean steps", "number"), ("episodes (errors)", "number")]
    for (suite, version), members in sorted(groups.items()):
        members.sort(key=_rank_key)
        digests = sorted({str(r.meta.get("suite_digest")) for r in members})
        rows = []
        for rank, run in enumerate(members, 1):
            overall, meta = run.summary["overall"], run.meta
            lo, hi = overall["ci95"]
            budget = meta.get("step_budget")
            done = f"{overall['n']}" + (f"/{run.total}" if run.total != overall["n"] else "")
            rows.append(el("tr", {"data-run": run.slug},
                           _num_cell(str(rank), rank),
                           el("td", None, el("a", {"href": f"runs/{run.slug}/index.html"}, run.name)),
                           el("td", None, str(meta.get("model") or "\u2014")),
                           el("td", None, str(meta.get("agent") or meta.get("agent_name") or "\u2014")),
                           _num_cell(str(budget) if budget else "per task", budget or 0),
                           el("td", {"data-sort": meta.get("started") or ""}, _date(meta.get("started"))),
                           _num_cell([_pct(overall["success_rate"]), " ",
                                      el("span", {"class": "ci"}, f"[{_pct(lo)}, {_pct(hi)}]")],
                                     overall["success_rate"], **{"data-ci": f"{lo},{hi}"}),
                           _num_cell(_num(overall["mean_score"], 3), overall["mean_score"]),
                           _num_cell(_num(overall["mean_steps"], 1), overall["mean_steps"]),
                           _num_cell(f"{done} ({overall['errors']})", overall["n"])))
        body.append(el("section", {"class": "suite", "data-suite": suite, "data-version": version},
                       el("h2", None, f"suite {suite} v{version}"),
                       el("p", {"class": "meta"}, "digest " + ", ".join(digests)),
                       el("p", {"class": "warning"}, "These runs name different suite digests for one version.")
                       if len(digests) > 1 else None,
                       _sortable(headers, rows, "ranking"),
                       el("p", {"class": "meta"}, f"The charts compare the {MAX_SERIES} best-ranked runs.")
                       if len(members) > MAX_SERIES else None,
                       _charts(members[:MAX_SERIES], "software"), _charts(members[:MAX_SERIES], "soc")))
    return _page("gym-anything leaderboard", 0, body, ["table.js"])


def _charts(runs: list[_Run], by: str) -> Html:
    """The success chart of ``runs`` per software (``by="software"``) or per SOC group; a run is named by its
    name, and by its folder too where two runs share a name."""
    key, title = ("by_software", "Success by software") if by == "software" else ("by_soc", "Success by SOC group")
    names = sorted({name for run in runs for name in run.summary.get(key) or {}})
    categories = [(name, soc_label(name) if by == "soc" else name) for name in names]
    if not categories:
        return Html("")
    shared = {run.name for run in runs if sum(r.name == run.name for r in runs) > 1}
    series = [(run.slug, f"{run.name} ({run.slug})" if run.name in shared else run.name, run.summary.get(key) or {})
              for run in runs]
    return Html(el("figure", {"class": "chart", "data-by": by}, Html(success_chart(title, categories, series))))


def _aggregate_table(title: str, groups: dict[str, dict[str, Any]]) -> Html:
    rows = [el("tr", None, el("td", None, name), _num_cell(str(agg["n"]), agg["n"]),
               _num_cell(f"{_pct(agg['success_rate'])} [{_pct(agg['ci95'][0])}, {_pct(agg['ci95'][1])}]",
                         agg["success_rate"]),
               _num_cell(_num(agg["mean_score"], 3), agg["mean_score"]),
               _num_cell(_num(agg["mean_steps"], 1), agg["mean_steps"]))
            for name, agg in groups.items()]
    return _sortable([(title, "text"), ("n", "number"), ("success (95% CI)", "number"), ("mean score", "number"),
                      ("mean steps", "number")], rows)


def _episode_slug(result: dict[str, Any]) -> str:
    return _slug(f"{result.get('env')}.{result.get('task')}-seed-{result.get('seed')}")


def _verifier_block(verifier: dict[str, Any] | None) -> list[Child]:
    if not verifier:
        return [el("p", {"class": "muted"}, "no verifier result")]
    rows = []
    for item in verifier.get("items") or []:
        points = item.get("points", item.get("weight"))
        rows.append(el("tr", {"class": "pass" if item.get("passed") else "fail"},
                       el("td", None, "passed" if item.get("passed") else "FAILED"),
                       el("td", None, str(item.get("name", ""))),
                       _num_cell("gate" if points == 0 else _num(points, 2) if isinstance(points, (int, float))
                                 else "\u2014", points if isinstance(points, (int, float)) else None),
                       el("td", None, str(item.get("detail", "")))))
    parts: list[Child] = [
        el("p", None, f"verifier: score {_num(verifier.get('score'), 3)}, ",
           el("b", {"class": "pass" if verifier.get("passed") else "fail"},
              "passed" if verifier.get("passed") else "failed")),
        el("table", {"class": "checklist"}, el("thead", None, el("tr", None, el("th", None, "result"),
                                                                 el("th", None, "check"), el("th", None, "points"),
                                                                 el("th", None, "detail"))),
           el("tbody", None, rows)) if rows else None]
    if verifier.get("error"):
        parts.append(el("p", {"class": "bad"}, "verifier error: ", str(verifier["error"])))
    if verifier.get("checklist"):
        parts += [el("h4", None, "checklist (judge / OCR)"),
                  el("pre", None, json.dumps(verifier["checklist"], indent=2, ensure_ascii=False, default=str))]
    return parts


def _problems(result: dict[str, Any]) -> list[Child]:
    parts: list[Child] = []
    if result.get("fault"):
        fault = result["fault"]  # {"kind", "detail"} (the reader renames an older result's "message")
        parts.append(el("p", {"class": "bad fault"}, "fault: ", f"{fault.get('kind', '')}: {fault.get('detail', '')}"))
    if result.get("error"):
        error = result["error"]  # {"type", "message", "traceback"}
        parts.append(el("div", {"class": "bad error"}, el("p", None, "error: ", str(error.get("type", "")), ": ",
                                                          str(error.get("message", ""))),
                        el("details", None, el("summary", None, "traceback"),
                           el("pre", None, str(error.get("traceback", ""))))))
    return parts


def _run_page(run: _Run, viewers: set[str]) -> str:
    meta, summary = run.meta, run.summary
    by_task: dict[str, list[dict[str, Any]]] = {}
    for result in run.results:
        by_task.setdefault(f"{result['env']}.{result.get('task', '')}", []).append(result)
    overall = summary["overall"]
    task_rows, details = [], []
    for name, results in sorted(by_task.items()):
        results.sort(key=lambda r: (r.get("seed") is None, r.get("seed")))
        first, agg = results[0], summary["by_task"][name]
        anchor = "task-" + _slug(name)
        chips = [el("a", {"class": f"chip {'pass' if r.get('success') else 'fail'}",
                          "href": f"{_episode_slug(r)}/index.html" if _episode_slug(r) in viewers else None,
                          "data-seed": r.get("seed")},
                    f"seed {r.get('seed')} " + (_YES if r.get("success") else _NO)
                    + (" error" if r.get("error") else "")) for r in results]
        task_rows.append(el("tr", {"data-task": name},
                            el("td", None, el("a", {"href": f"#{anchor}"}, name)),
                            el("td", None, str(first.get("env", ""))),
                            el("td", None, ", ".join(map(str, first.get("soc_groups") or []))),
                            el("td", None, str(first.get("split", ""))),
                            el("td", None, str(first.get("difficulty", ""))),
                            el("td", {"data-sort": agg["success_rate"]}, chips),
                            _num_cell(_num(agg["mean_score"], 3), agg["mean_score"]),
                            _num_cell(_num(agg["mean_steps"], 1), agg["mean_steps"]),
                            _num_cell(_num(agg["mean_wall_time"], 1) + " s", agg["mean_wall_time"])))
        episodes = []
        for r in results:
            slug = _episode_slug(r)
            episodes.append(el(
                "div", {"class": "episode", "id": f"episode-{slug}"},
                el("h4", None, f"seed {r.get('seed')}: ",
                   el("span", {"class": "pass" if r.get("success") else "fail"},
                      "success" if r.get("success") else "failure"),
                   f" \u2014 reward {_num(r.get('reward'), 3)}, {r.get('steps', 0)}/{r.get('max_steps', '?')} steps, "
                   f"{_num(r.get('wall_time'), 1)} s",
                   [" \u2014 ", el("a", {"href": f"{slug}/index.html", "class": "replay"}, "replay trajectory")]
                   if slug in viewers else None),
                el("div", {"class": "instruction"}, str(r.get("instruction") or "(no instruction recorded)")),
                _problems(r), _verifier_block(r.get("verifier")),
                el("p", {"class": "muted"}, f"{len(r['reviews'])} review(s) of DONE by the reviewer")
                if r.get("reviews") else None))
        details.append(el("section", {"class": "task", "id": anchor}, el("h3", None, name), episodes))
    body = [
        el("nav", {"class": "crumbs"}, el("a", {"href": "../../index.html"}, "leaderboard"), " / ", run.name),
        el("h1", None, f"run {run.name}"),
        _facts([("suite", f"{meta['suite']} v{meta['suite_version']} ({meta.get('suite_digest', '?')})"),
                ("agent", str(meta.get("agent", ""))), ("model", str(meta.get("model") or "\u2014")),
                ("agent arguments", json.dumps(meta.get("agent_kwargs") or {}, ensure_ascii=False)),
                ("step budget", str(meta.get("step_budget") or "each task's own")),
                ("success", f"{overall['successes']}/{overall['n']} = {_pct(overall['success_rate'])} "
                            f"[{_pct(overall['ci95'][0])}, {_pct(overall['ci95'][1])}] (95% Wilson)"),
                ("episodes", f"{overall['n']} finished of {run.total}, {overall['errors']} error(s), "
                             f"{overall['faults']} fault(s)"),
                ("runner", f"{meta.get('runner', '?')}, {meta.get('jobs', '?')} job(s) on {meta.get('host', '?')}"),
                ("started / finished", f"{_date(meta.get('started'))} / {_date(meta.get('finished'))}"),
                ("gym-anything", str(meta.get("gym_anything_version", "?")))]),
        el("div", {"class": "warning problems"},
           el("p", None, f"{len(run.problems)} result file(s) could not be read; those episodes count as unfinished:"),
           el("ul", None, [el("li", None, p) for p in run.problems])) if run.problems else None,
        el("h2", None, "Tasks"),
        _sortable([("task", "text"), ("software", "text"), ("SOC groups", "text"), ("split", "text"),
                   ("difficulty", "text"), ("success per seed", "number"), ("mean score", "number"),
                   ("mean steps", "number"), ("mean time", "number")], task_rows, "tasks"),
        el("h2", None, "By software"), _charts([run], "software"),
        _aggregate_table("software", summary["by_software"]),
        el("h2", None, "By SOC group"), _charts([run], "soc"),
        _aggregate_table("SOC group", summary["by_soc"]),
        el("h2", None, "Episodes"), details]
    return _page(f"run {run.name}", 2, body, ["table.js"])


def _viewer_page(run: _Run, result: dict[str, Any], steps: list[dict[str, Any]], frames: list[str | None],
                 size: tuple[int, int], video: bool) -> str:
    outcome = (f"{'success' if result.get('success') else 'failure'}, reward {_num(result.get('reward'), 3)}, "
               f"score {_num(result.get('score'), 3)}")
    data = {"width": size[0], "height": size[1], "frames": frames,
            "steps": [{k: s.get(k) for k in ("step", "action", "action_text", "reward", "step_time", "settle_time",
                                              "agent_time", "pointer", "fault", "agent")} for s in steps],
            "overlays": viewer_overlays(),  # what viewer.js draws for each action type
            "final": {"reward": result.get("reward"), "summary": f"end of episode: {outcome}"}}
    stage = el("div", {"class": "stage"},
               el("img", {"id": "frame", "alt": "screen", "width": size[0], "height": size[1]}),
               el("div", {"id": "no-frame", "class": "missing", "hidden": True}, "no frame recorded for this step"),
               Html(f'<svg id="overlay" viewBox="0 0 {size[0]} {size[1]}" xmlns="http://www.w3.org/2000/svg">'
                    '<defs><marker id="arrowhead" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="5" '
                    'markerHeight="5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#ff0050"/>'
                    '</marker></defs><g id="marks"></g></svg>'))
    controls = el("div", {"class": "controls"},
                  el("button", {"id": "prev", "type": "button"}, "\u25C0 Prev"),
                  el("button", {"id": "play", "type": "button"}, "Play"),
                  el("button", {"id": "next", "type": "button"}, "Next \u25B6"),
                  el("input", {"id": "slider", "type": "range", "min": 0, "max": 0, "value": 0, "step": 1}),
                  el("span", {"id": "position"}, ""))
    panel = el("div", {"class": "panel"},
               el("h3", {"id": "step-title"}, ""),
               el("dl", {"class": "facts"},
                  [[el("dt", None, label), el("dd", {"id": ident}, "")] for label, ident in (
                      ("action", "action-text"), ("reward", "reward"), ("step time", "step-time"),
                      ("settle time", "settle-time"), ("agent time", "agent-time"), ("pointer after", "pointer"),
                      ("fault", "step-fault"))]),
               el("h4", None, "model output"), el("pre", {"id": "model-output"}, ""),
               el("h4", None, "agent trace"), el("pre", {"id": "trace"}, ""))
    body = [
        el("nav", {"class": "crumbs"}, el("a", {"href": "../../../index.html"}, "leaderboard"), " / ",
           el("a", {"href": f"../index.html#episode-{_episode_slug(result)}"}, run.name), " / ",
           str(result["episode"])),
        el("h1", None, str(result["episode"])),
        el("div", {"class": "instruction", "id": "instruction"}, str(result.get("instruction") or "")),
        el("p", {"class": "meta"}, outcome, f" \u2014 {result.get('steps', 0)} steps, "
           f"{_num(result.get('wall_time'), 1)} s",
           [" \u2014 ", el("a", {"href": "video.mp4", "id": "video"}, "video.mp4")] if video else None),
        _problems(result),
        el("div", {"class": "viewer"}, el("div", None, stage, controls), panel),
        el("script", {"type": "application/json", "id": "trajectory"}, _json_for_script(data))]
    return _page(f"{result['episode']} \u2014 {run.name}", 3, body, ["viewer.js"])


# --- the build ---------------------------------------------------------------------------------------


def _fresh(target: Path, source: Path) -> bool:
    return target.is_file() and target.stat().st_mtime >= source.stat().st_mtime


def _frames(episode: EpisodeRecord, target: Path,
            todo: list[tuple[Path, Path]]) -> tuple[list[str | None], tuple[int, int]]:
    """The episode's frames (0 .. its readable steps) as WebP URLs under ``target/frames`` and the frame size;
    new or changed frames are queued in ``todo`` for conversion and frames no longer in the run are deleted."""
    pngs = {i: p for i, p in enumerate(episode.frames) if p is not None}
    if not pngs:
        shutil.rmtree(target / "frames", ignore_errors=True)
        return [], (1280, 720)
    (target / "frames").mkdir(parents=True, exist_ok=True)
    wanted = {f"{i:04d}.webp" for i in pngs}
    for stale in (target / "frames").iterdir():
        if stale.name not in wanted:
            stale.unlink()
    for index, png in sorted(pngs.items()):
        webp = target / "frames" / f"{index:04d}.webp"
        if not _fresh(webp, png):
            todo.append((png, webp))
    with Image.open(pngs[min(pngs)]) as first:
        size = first.size
    return [f"frames/{i:04d}.webp" if i in pngs else None for i in range(len(episode.frames))], size


def _to_webp(job: tuple[Path, Path]) -> None:
    png, webp = job
    with Image.open(png) as image:
        image.convert("RGB").save(webp, "WEBP", quality=FRAME_QUALITY, method=2)


def _prepare_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise LeaderboardError(f"out: expected a folder for the site, {out} is a file")
    if out.is_dir() and any(out.iterdir()) and not (out / SITE_MARKER).is_file():
        raise LeaderboardError(f"out: {out} is not empty and is not a leaderboard site (no {SITE_MARKER}); "
                               "choose a new or empty folder")
    (out / "assets").mkdir(parents=True, exist_ok=True)
    (out / SITE_MARKER).write_text("built by gym-anything leaderboard; this folder is rebuilt in place\n")
    for asset in ASSETS.iterdir():
        if asset.suffix in (".css", ".js"):
            shutil.copyfile(asset, out / "assets" / asset.name)


def build_site(runs_dir: Path, out: Path) -> dict[str, Any]:
    """Build the static leaderboard of the runs under ``runs_dir`` into ``out``; returns counts and sizes."""
    runs_dir, out = Path(runs_dir), Path(out)
    runs = _load_runs(runs_dir)
    if out.resolve() in [r.folder.resolve() for r in runs] or runs_dir.resolve() == out.resolve():
        raise LeaderboardError(f"out: {out} must not be the runs folder or a run")
    _prepare_out(out)
    stats: dict[str, Any] = {"runs": len(runs), "suites": len({r.suite_key for r in runs}), "episodes": 0,
                             "frames": 0}
    todo: list[tuple[Path, Path]] = []
    for run in runs:
        run_out = out / "runs" / run.slug
        viewers = set()
        for episode in run.episodes:
            result = episode.result
            slug = _episode_slug(result)
            target = run_out / slug
            target.mkdir(parents=True, exist_ok=True)
            frames, size = _frames(episode, target, todo)
            stats["frames"] += sum(f is not None for f in frames)
            video = episode.video
            if video is not None and not _fresh(target / "video.mp4", video):
                shutil.copy2(video, target / "video.mp4")
            elif video is None:
                (target / "video.mp4").unlink(missing_ok=True)
            page = _viewer_page(run, result, episode.steps, frames, size, video is not None)
            (target / "index.html").write_text(page, encoding="utf-8")
            viewers.add(slug)
            stats["episodes"] += 1
        for stale in run_out.iterdir():
            if stale.is_dir() and stale.name not in viewers:
                shutil.rmtree(stale)
        (run_out / "index.html").write_text(_run_page(run, viewers), encoding="utf-8")
    if (out / "runs").is_dir():
        for stale in (out / "runs").iterdir():
            if stale.name in {r.slug for r in runs}:
                continue
            if stale.is_dir():
                shutil.rmtree(stale)
            else:
                stale.unlink()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # Pillow encodes without the GIL
        list(pool.map(_to_webp, todo))
    stats["frames_converted"] = len(todo)
    (out / "index.html").write_text(_index_page(runs), encoding="utf-8")
    stats["bytes"] = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    stats["index"] = str(out / "index.html")
    return stats
