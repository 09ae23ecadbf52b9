"""The ``gym-anything`` command: list environments, run the demo, audits, evaluations, suites, exports and
leaderboards."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ..runtime import programs
from ..selection import BREADTH, EXPONENT
from ..specs.model import SoftwareSpec, TaskSpec
from ..specs.registry import all_software


def software_table(envs) -> str:
    """The software as a Markdown table (what docs/software.md shows between its software-table markers)."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    rows = ["| id | software | Debian packages | SOC groups | tasks | long-horizon |",
            "|---|---|---|---|---|---|"]
    for env in envs.values():
        long = sum(task.horizon == "long" for task in env.tasks.values())
        rows.append(f"| `{env.id}` | {cell(env.name)} | {', '.join(f'`{p}`' for p in env.packages)} | "
                    f"{', '.join(env.soc_groups)} | {len(env.tasks)} | {long} |")
    return "\n".join(rows)


def cmd_list(args: argparse.Namespace) -> int:
    from ..audit.review import review_state

    envs = all_software()
    if args.group:
        from ..selection import load_occupations

        try:
            code = load_occupations().group_code(args.group)
        except ValueError as exc:
            print(f"gym-anything list: --group expects {exc}", file=sys.stderr)
            return 2
        envs = {key: env for key, env in envs.items() if code in env.soc_groups}
    if args.markdown:
        print(software_table(envs))
        return 0
    for env in envs.values():
        if not env.tasks:  # a scaffold (gym-anything create scaffold): loads, not registered
            print(f"{env.id:45s} {env.name} (no tasks yet: not registered)")
            continue
        print(f"{env.gym_id:45s} {env.name} (SOC {', '.join(env.soc_groups)})")
        for task in env.tasks.values():
            print(f"  {task.gym_id:43s} {task.split:5s} {task.difficulty:6s} {task.horizon:5s} "
                  f"max_steps={task.max_steps:<4d} reviewed: {review_state(env, task)}")
    return 0


def cmd_select(args: argparse.Namespace) -> int:
    """The GDP-grounded ranking of the catalog's software (docs/selection.md)."""
    from .. import selection as sel

    try:
        table = sel.load_occupations()
        catalog = sel.load_catalog(table, args.catalog or sel.CATALOG_FILE)
        shares = sel.load_screen_shares(table)
    except sel.SelectionDataError as exc:
        print(f"gym-anything select: {exc}", file=sys.stderr)
        return 2
    registered = {env.id: env.soc_groups for env in all_software().values() if env.tasks}
    for problem in sel.group_mismatches(catalog, registered):
        print(f"gym-anything select: warning: {problem}", file=sys.stderr)
    unranked = sorted(set(registered) - set(catalog.by_id))
    if unranked:
        print(f"gym-anything select: note: registered software without a catalog entry (not ranked): "
              f"{', '.join(unranked)}", file=sys.stderr)
    start = [i for i in registered if i in catalog and catalog[i].sandboxable] if args.registered else []
    try:
        selection = sel.select(table, shares, catalog, top=None if args.all else args.top, start=start,
                               registered=registered, exponent=args.exponent, breadth=args.breadth)
    except ValueError as exc:
        print(f"gym-anything select: {exc}", file=sys.stderr)
        return 2
    print(sel.selection_json(selection) if args.json else sel.format_selection(selection))
    return 0


SUITE_GROUPS = ("runtime", "audit", "formats")  # what running and verifying a suite's episodes needs


def cmd_packages(args: argparse.Namespace) -> int:
    """Print the Debian packages that provide what gym-anything runs (one per line): by default every program
    group but the Docker runner's, plus every environment's application (what scripts/setup.sh installs)."""
    if args.suite is not None:
        if args.group:
            raise SystemExit("gym-anything packages: give --suite or --group, not both")
        from ..benchmark.suites import load_suite

        names = {name.split(".", 1)[0] for name in load_suite(args.suite).tasks}
        needed = programs.packages(SUITE_GROUPS)
        for env_id in sorted(names):
            needed.update(all_software()[env_id].packages)
        print("\n".join(sorted(needed)))
        return 0
    groups = tuple(args.group or [g for g in programs.GROUPS if g != "docker"])
    needed = programs.packages(groups)
    if not args.group:
        for env in all_software().values():
            needed.update(env.packages)
    print("\n".join(sorted(needed)))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The README demo: the oracle and a random agent on one task per software, recorded like any eval run."""
    from ..benchmark.evaluation import run_eval

    out = Path(args.out)
    print(f"gym-anything demo: suite 'demo' x (oracle, random agent) -> {out}/")
    summaries = {}
    for agent, kwargs in (("oracle", {}), ("random", {"steps": args.random_steps})):
        summaries[agent] = run_eval("demo", agent, out / agent, jobs=args.jobs, agent_kwargs=kwargs)
    for agent, summary in summaries.items():
        for name in summary["by_task"]:
            result = json.loads(next((out / agent / "episodes" / name).glob("seed-*/result.json")).read_text())
            fault = f"  fault={result['fault']['kind']}" if result.get("fault") else ""
            error = f"  error={result['error']['message']}" if result.get("error") else ""
            print(f"  {name:36s} {agent:6s} reward={result['reward']:.2f} steps={result['steps']:3d} "
                  f"time={result['wall_time']:.1f}s{fault}{error}")
    oracle = summaries["oracle"]["overall"]
    print(f"oracle solved {oracle['successes']}/{oracle['n']}; random agent "
          f"{summaries['random']['overall']['successes']}/{summaries['random']['overall']['n']}; "
          f"trajectories (steps.jsonl, frames/*.png, video.mp4) under {out}/*/episodes/")
    from ..benchmark.leaderboard import build_site

    build_site(out, out / "site")
    print(f"leaderboard with a trajectory viewer: {out / 'site' / 'index.html'}")
    return 0 if oracle["successes"] == oracle["n"] else 1


def _agent_kwargs(pairs: list[str] | None) -> dict:
    kwargs = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.isidentifier():
            raise SystemExit(f"--agent-arg expects KEY=VALUE, got {pair!r}")
        try:
            kwargs[key] = json.loads(value)
        except ValueError:
            kwargs[key] = value
    return kwargs


def cmd_eval(args: argparse.Namespace) -> int:
    from ..benchmark.evaluation import run_eval
    from ..benchmark.stats import format_table

    reviewer, max_reviews = args.reviewer, args.max_reviews
    for old, new, value in (("--audit-judge", "--reviewer", args.audit_judge),
                            ("--max-audits", "--max-reviews", args.max_audits)):
        if value is not None:
            print(f"gym-anything eval: {old} is deprecated; use {new}", file=sys.stderr)
    if args.audit_judge is not None:
        if reviewer is not None:
            raise SystemExit("gym-anything eval: give --reviewer or its old name --audit-judge, not both")
        reviewer = args.audit_judge
    if args.max_audits is not None:
        if max_reviews is not None:
            raise SystemExit("gym-anything eval: give --max-reviews or its old name --max-audits, not both")
        max_reviews = args.max_audits
    resources = None
    if args.ray_resources is not None:
        if args.ray is None:
            raise SystemExit("gym-anything eval: --ray-resources needs --ray")
        from ..runtime.ray_cluster import parse_resources

        try:
            resources = parse_resources(args.ray_resources)
        except ValueError as exc:
            raise SystemExit(f"gym-anything eval: --ray-resources: {exc}") from None
    try:
        summary = run_eval(args.suite, args.agent, Path(args.out), jobs=args.jobs,
                           agent_kwargs=_agent_kwargs(args.agent_arg), only=args.task, reviewer=reviewer,
                           max_reviews=2 if max_reviews is None else max_reviews, runner=args.runner,
                           video=not args.no_video, model=args.model, name=args.name,
                           episode_timeout=args.episode_timeout, ray=args.ray, ray_resources=resources)
    except ConnectionError as exc:  # --ray: no cluster at that address
        raise SystemExit(f"gym-anything eval: {exc}") from None
    print(format_table(summary))
    print(f"results: {args.out}/summary.json")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ..benchmark.export import ExportError, export_runs

    try:
        summary = export_runs(args.runs, args.out, successful=args.successful, fmt=args.format,
                              test_fraction=args.test_fraction, seed=args.seed, overwrite=args.overwrite)
    except ExportError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 2
    print(summary.text())
    return 0


def cmd_export_harbor(args: argparse.Namespace) -> int:
    from ..benchmark.suites import SuiteError
    from ..integrations.harbor import HarborExportError, export_suite

    try:
        folders = export_suite(args.suite, args.out, build=not args.no_build, tasks=args.task,
                               agent_network=args.agent_network)
    except (HarborExportError, SuiteError) as exc:
        print(f"export-harbor: {exc}", file=sys.stderr)
        return 2
    print(f"{len(folders)} Harbor task folder(s) in {args.out}")
    return 0


def cmd_leaderboard(args: argparse.Namespace) -> int:
    from ..benchmark.leaderboard import LeaderboardError, build_site

    try:
        stats = build_site(Path(args.runs_dir), Path(args.out))
    except LeaderboardError as exc:
        print(f"gym-anything leaderboard: {exc}", file=sys.stderr)
        return 2
    print(f"leaderboard: {stats['runs']} run(s) on {stats['suites']} suite version(s), {stats['episodes']} episodes, "
          f"{stats['frames']} frames ({stats['frames_converted']} converted), {stats['bytes'] / 1e6:.1f} MB "
          f"-> {stats['index']}")
    return 0


def cmd_suite(args: argparse.Namespace) -> int:
    from ..audit.similarity import ContaminationError
    from ..benchmark.suites import SuiteError, load_suite, suite_names, write_suite

    try:
        if args.action == "check":
            return _suite_check(args.names)
        if args.action == "screens":
            return _suite_screens(args.names or suite_names(), args.runner)
        if args.action == "write":
            for name in args.names or suite_names():
                suite, changed = write_suite(name)
                print(f"{suite.name}: v{suite.version}, {len(suite.tasks)} tasks x {len(suite.seeds)} seeds"
                      + (" (updated)" if changed else " (unchanged)"))
            return 0
    except (ContaminationError, SuiteError) as exc:
        print(f"gym-anything suite {args.action}: {exc}", file=sys.stderr)
        return 2
    for name in args.names or suite_names():
        suite = load_suite(name)
        print(f"{suite.name} v{suite.version} ({suite.digest}): {len(suite.tasks)} tasks x {len(suite.seeds)} seeds"
              f" = {len(suite.episodes())} episodes, step budget {suite.step_budget or 'per task'}")
        if args.action == "show":
            for task in suite.tasks:
                print(f"  {task}")
    return 0


def _suite_check(names: list[str]) -> int:
    from ..benchmark.suites import all_items, contamination_report, suite_items

    items = list({f"{e.id}.{t.id}": (e, t) for n in names for e, t in suite_items(n)[1]}.values()) if names \
        else all_items()
    text, leaks = contamination_report(items)
    print(text)
    return 1 if leaks else 0


def _suite_screens(names: list[str], runner: str) -> int:
    from ..audit.screens import measure_screens, missing_screens
    from ..audit.similarity import Index
    from ..benchmark.suites import suite_items

    index = Index()
    measured = 0
    for name in names:
        suite, items = suite_items(name)
        todo = missing_screens(items, suite.seeds, index)
        print(f"{suite.name}: {len(items)} tasks x seeds {list(suite.seeds)}, "
              f"{sum(len(s) for s in todo.values())} start screen(s) to measure")
        measured += measure_screens(items, suite.seeds, index, runner=runner)
    written = index.save(all_software())
    print(f"{measured} start screen(s) measured" + "".join(f"\n  wrote {p}" for p in written))
    return 0


def _selected_tasks(args: argparse.Namespace) -> list[tuple[SoftwareSpec, TaskSpec]]:
    selected = []
    for env in all_software().values():
        for task in env.tasks.values():
            name = f"{env.id}.{task.id}"
            if args.all or (args.env and env.id in args.env) or (args.task and name in args.task):
                selected.append((env, task))
    return selected


def _audit_one(env_id: str, task_id: str, seeds: int, random_steps: int, evidence: str | None, mutate: bool,
               progress: Callable[[str], None] = lambda _: None):
    """One task's audit (in this process, or in a worker process with ``--jobs``)."""
    from ..audit import audit_task

    env = all_software()[env_id]
    return audit_task(env, env.tasks[task_id], seeds=seeds, random_steps=random_steps,
                      evidence=Path(evidence) / f"{env_id}.{task_id}" if evidence else None, mutate=mutate,
                      progress=progress)


def cmd_audit(args: argparse.Namespace) -> int:
    from ..audit import VersionNotBumpedError, is_audited, store

    selected = _selected_tasks(args)
    if not selected:
        print("gym-anything audit: nothing selected (use --all, --env ENV or --task ENV.TASK)", file=sys.stderr)
        return 2
    if args.report:
        return _report(selected, args)
    if args.review_only:
        return _review_selected(selected, args)
    if args.changed:
        current = [f"{env.id}.{task.id}" for env, task in selected if is_audited(env, task)]
        selected = [(env, task) for env, task in selected if not is_audited(env, task)]
        print(f"{len(current)} task(s) already have a current passing audit; auditing the other {len(selected)}")
        if not selected:
            return 0
    if args.jobs < 1:
        print(f"gym-anything audit: --jobs must be at least 1, got {args.jobs}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else None
    evidence = Path(args.evidence) if args.evidence else (out / "evidence" if out else Path("audit-evidence"))
    print(f"auditing {len(selected)} task(s), {args.seeds} seed(s) each"
          + (f", {args.jobs} at a time" if args.jobs > 1 else ""))
    audits = []
    refused: list[str] = []  # passed, but not stored: the task changed without a version bump
    started = time.perf_counter()

    def finish(number: int, env: SoftwareSpec, task: TaskSpec, audit) -> None:
        label = f"[{number}/{len(selected)}] {env.id}.{task.id}"
        audits.append(audit)
        mutation = audit.mutation or {}
        figures = (f"; mutants {mutation['mutants']}: {mutation['killed']} killed, {mutation['equivalent']} "
                   f"equivalent, {len(mutation['survived'])} survived") if mutation else ""
        print(f"{chr(13) if sys.stdout.isatty() else ''}{label}: {'PASS' if audit.passed else 'FAIL'} "
              f"({audit.wall_time:.1f}s{figures}){' ' * 10}", flush=True)
        for check in audit.checks:
            if not check.passed:
                print(f"    FAILED {check.name}: {check.detail}")
                for folder in check.evidence:
                    print(f"        evidence: {folder}")
        if args.store and audit.passed:
            try:
                store(env, task, audit)
            except VersionNotBumpedError as error:
                print(f"    NOT STORED: {error}")
                refused.append(audit.task)
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{env.id}.{task.id}.json").write_text(json.dumps(audit.to_json(), indent=2, default=str))

    if args.jobs == 1:
        for number, (env, task) in enumerate(selected, 1):
            def progress(message: str, label: str = f"[{number}/{len(selected)}] {env.id}.{task.id}") -> None:
                if sys.stdout.isatty():
                    print(f"\r{label}: {message:40s}", end="", flush=True)

            finish(number, env, task, _audit_one(env.id, task.id, args.seeds, args.random_steps, str(evidence),
                                                 args.mutants, progress))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        from ..runtime.guardian import die_with_parent

        with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
            futures = {pool.submit(_audit_one, env.id, task.id, args.seeds, args.random_steps, str(evidence),
                                   args.mutants): (env, task) for env, task in selected}
            for number, future in enumerate(as_completed(futures), 1):
                env, task = futures[future]
                finish(number, env, task, future.result())
    width = max(len(a.task) for a in audits)
    print(f"\n{'task':{width}s}  result  checks  mutants (killed/equivalent/survived)  time")
    for a in audits:
        m = a.mutation or {}
        figures = f"{m['mutants']:2d} ({m['killed']}/{m['equivalent']}/{len(m['survived'])})" if m else "-"
        print(f"{a.task:{width}s}  {'PASS' if a.passed else 'FAIL':6s}  {sum(c.passed for c in a.checks):2d}/"
              f"{len(a.checks):<3d}   {figures:34s}  {a.wall_time:5.1f}s")
    failed = [a.task for a in audits if not a.passed]
    mutations = [a.mutation for a in audits if a.mutation]
    if mutations:
        total = sum(m["mutants"] for m in mutations)
        killed, same = sum(m["killed"] for m in mutations), sum(m["equivalent"] for m in mutations)
        print(f"mutants: {total} run, {killed} killed, {same} equivalent, "
              f"{sum(len(m['survived']) for m in mutations)} survived; kill rate "
              f"{killed / max(total - same, 1):.0%} of the non-equivalent")
    print(f"{len(audits) - len(failed)}/{len(audits)} tasks passed the audit in {time.perf_counter() - started:.0f} s"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    if failed:
        print(f"evidence of the failed checks: {evidence}/<software>.<task>/<check>/<run>/")
    if refused:
        print(f"{len(refused)} passing audit(s) not stored (bump 'version:' in the task file): {', '.join(refused)}")
    if args.review:
        return max(_review_selected(selected, args, {a.task: a for a in audits}), 1 if failed or refused else 0)
    return 1 if failed or refused else 0


def _report(selected: list[tuple[SoftwareSpec, TaskSpec]], args: argparse.Namespace) -> int:
    """``audit --report``: each verifier (or ``--judge``) against the labelled set of its task."""
    from ..audit.labelled import judge_report, summary, verifier_report, write_report

    agreements, missing = [], []
    judged_by = args.judge or "verifier"
    print(f"{judged_by} against the labelled sets of {len(selected)} task(s)")
    for env, task in selected:
        agreement = judge_report(env, task, args.judge) if args.judge else verifier_report(env, task)
        if agreement is None:
            missing.append(f"{env.id}.{task.id}")
            continue
        agreements.append(agreement)
        print(f"  {task.gym_id}: {agreement.positives} pass / {agreement.negatives} fail labelled; "
              f"false positives {len(agreement.false_positives)}, false negatives {len(agreement.false_negatives)}"
              + (" (set recorded for an older digest)" if agreement.stale else ""))
        for name in agreement.false_positives:
            print(f"      false positive: {name}")
        for name in agreement.false_negatives:
            print(f"      false negative: {name}")
        for error in agreement.errors[:3]:
            print(f"      error: {error}")
    totals = summary(agreements)
    print(f"{totals['tasks']} task(s): {totals['positives']} pass and {totals['negatives']} fail trajectories; "
          f"false-positive rate {totals['false_positive_rate']:.1%} ({totals['false_positives']}), "
          f"false-negative rate {totals['false_negative_rate']:.1%} ({totals['false_negatives']})")
    if missing:
        print(f"no labelled set (audit them first): {', '.join(missing)}")
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        write_report(agreements, Path(args.out) / "labelled-report.json")
    return 1 if totals["false_positives"] or totals["false_negatives"] or missing else 0


def _model_spec(text: str) -> str:
    """An argparse type: a well-formed model spec (checked before any audit runs)."""
    from ..models.backends import parse_model_spec

    try:
        parse_model_spec(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _review_selected(selected: list, args: argparse.Namespace, gates: dict | None = None) -> int:
    """``audit --review MODEL``: the auditor agent reviews each selected task; ``gates`` (gym id -> the fresh
    TaskAudit) are shown as the gate's report, else the stored audit records. 1 if a review failed, 2 on bad use."""
    from ..audit.review import assemble_evidence, review_task, store_review
    from ..models.backends import make_backend, parse_model_spec

    if not args.review:
        print("gym-anything audit: --review-only needs --review MODEL", file=sys.stderr)
        return 2
    spec = parse_model_spec(args.review)
    try:
        backend = make_backend(spec)
    except Exception as exc:  # noqa: BLE001 - a model that does not load: nothing to review with
        print(f"gym-anything audit: --review: the model does not load: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    source = "the fresh gate reports" if gates is not None else "the stored audit records"
    print(f"\nreviewing {len(selected)} task(s) with {spec.name} ({source} as the gate's evidence)", flush=True)
    failed = []
    for number, (env, task) in enumerate(selected, 1):
        label = f"[{number}/{len(selected)}] {env.id}.{task.id}"
        evidence = assemble_evidence(env, task, gate=(gates or {}).get(task.gym_id))
        review = review_task(env, task, backend, evidence, name=spec.name)
        where = f"stored in {store_review(env, task, review)}" if args.store else "not stored (--no-store)"
        print(f"{label}: review {'PASS' if review.passed else 'FAIL'} ({review.wall_time:.1f}s), {where}", flush=True)
        if review.error:
            print(f"    ERROR {review.error}")
        for item in review.items:
            if not item.passed:
                print(f"    FAILED {item.name}: {item.evidence}")
        if args.out:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            (Path(args.out) / f"{env.id}.{task.id}.review.json").write_text(
                json.dumps(review.to_json(), indent=2, default=str))
        if not review.passed:
            failed.append(f"{env.id}.{task.id}")
    print(f"{len(selected) - len(failed)}/{len(selected)} tasks passed the review"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Convert a data root from the legacy layout (verifiers/<software>.py) to one folder per software."""
    from ..specs.migrate import MigrationError, migrate

    try:
        migrate(Path(args.root), dry_run=args.dry_run)
    except MigrationError as exc:
        print(f"gym-anything migrate: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_create_explore(args: argparse.Namespace) -> int:
    """``create explore``: run actions on a fresh instance, print one line per step and the --find boxes."""
    from ..creation.explore import explore, find_text
    from ..errors import GymAnythingError

    actions: list | str = []
    if args.actions:
        try:
            text = sys.stdin.read() if args.actions == "-" else Path(args.actions).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"gym-anything create explore: --actions: {exc}", file=sys.stderr)
            return 2
        try:
            actions = json.loads(text)
        except ValueError:
            actions = text  # pyautogui-style lines
        if not isinstance(actions, (list, str)):
            print("gym-anything create explore: a JSON actions file holds a list", file=sys.stderr)
            return 2
    out = Path(args.out or f"explore-output/{args.software}")
    try:
        result = explore(args.software, actions, out, task=args.task, seed=args.seed, root=args.root,
                         runner=args.runner, ocr=not args.no_ocr, keep_home=args.keep_home)
    except GymAnythingError as exc:
        print(f"gym-anything create explore: {exc}", file=sys.stderr)
        return 2
    print(f"explore {args.software}" + (f".{args.task} seed {args.seed}" if args.task else " (no task)")
          + f" -> {out}/ (frames/, steps.jsonl, ocr/, summary.json)")
    for step in result.steps:
        what = step["code"] or "reset"
        took = step.get("reset_time") if step["step"] == 0 else step.get("step_time")
        windows = ", ".join(repr(w["title"]) for w in step.get("windows", []))
        fault = f"  FAULT {step['fault']['kind']}: {step['fault']['detail']}" if step.get("fault") else ""
        verdict = f"  verifier score {step['verifier']['score']}" if step.get("verifier") else ""
        print(f"  {step['step']:4d} {what[:60]:60s} {took or 0:6.2f}s  windows: {windows or '-'}{fault}{verdict}")
    timings, stopped = result.summary["timings"], result.summary["stopped"]
    print(f"stopped at step {stopped['step']} ({stopped['reason']}); reset {timings['reset']:.2f}s, step p50 "
          f"{timings['step']['p50'] or 0:.2f}s max {timings['step']['max'] or 0:.2f}s, OCR {timings['ocr']:.1f}s, "
          f"total {timings['total']:.1f}s")
    if "ocr_error" in result.summary:
        print(f"no OCR: {result.summary['ocr_error']}")
    missing = []
    for text in args.find or []:
        matches = find_text(out, text) if not args.no_ocr else []
        for m in matches:
            print(f"find {text!r}: frame {m['frame']} box ({m['left']}, {m['top']}) {m['width']}x{m['height']}, "
                  f"centre ({m['center'][0]}, {m['center'][1]}), confidence {m['conf']:.0f}")
        if not matches:
            print(f"find {text!r}: not read on any frame")
            missing.append(text)
    return 1 if stopped["reason"] == "fault" or missing else 0


def cmd_view(args: argparse.Namespace) -> int:
    """``view RUN_OR_ID``: an env's screen in the browser (view-only), or ``--play`` its task and record it."""
    from ..benchmark.runs import RUN_FILE, RunFormatError
    from ..view import session

    target = Path(args.target)
    try:
        if target.is_dir():
            if args.play or args.seed is not None or args.task is not None:
                raise ValueError(f"{args.target} is a folder: a running eval's episode is viewed as it is, view "
                                 "only (--play, --seed and --task need a gym id)")
            if not (target / RUN_FILE).is_file():
                raise ValueError(f"{args.target} is not a run folder (no {RUN_FILE})")
            session.view_run(target, args.episode, port=args.port)
        elif args.episode is not None:
            raise ValueError("--episode needs a run folder")
        elif args.play:
            out = args.out or f"runs/play-{time.strftime('%Y%m%d-%H%M%S')}"
            result = session.play(args.target, out, seed=args.seed, task=args.task, port=args.port,
                                  video=not args.no_video)
            error = result.get("error")
            outcome = "success" if result["success"] else "no success"
            steps = f"{result['steps']} step{'' if result['steps'] == 1 else 's'}"
            print(f"play: {result['episode']}: reward {result['reward']:.2f} ({outcome}, {steps})"
                  f"{'; error: ' + error['message'] if error else ''}; recorded in {out}")
            return 0 if error is None else 1
        else:
            if args.out is not None:
                raise ValueError("--out needs --play (view only records nothing)")
            session.view_env(args.target, seed=args.seed, task=args.task, port=args.port)
    except (ValueError, RunFormatError, programs.MissingProgram) as exc:
        print(f"gym-anything view: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gym-anything view: aborted", file=sys.stderr)
        return 130
    return 0


def _shown_size(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    width, sep, height = text.partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise SystemExit(f"--shown expects WIDTHxHEIGHT (e.g. 1024x576), got {text!r}")
    return int(width), int(height)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ..serve.app import EnvServer
    from ..serve.openenv_server import LOOPBACK

    if args.host not in LOOPBACK and not args.public:
        raise SystemExit(f"--host {args.host} is not loopback: the env's screen would be open to the network; "
                         f"add --public if that is what you want")
    try:
        served = EnvServer(args.id, instances=args.instances, seed=args.seed, shown=_shown_size(args.shown),
                           idle_timeout=args.idle_timeout, host=args.host)
    except ValueError as exc:
        raise SystemExit(f"gym-anything serve: {exc}") from None
    base = f"http://{args.host}:{args.port}"
    print(f"serving {args.id} ({args.instances} instance(s), one client each, freed after {args.idle_timeout:g} s "
          f"idle) at {base}: MCP at {base}/mcp, OpenEnv at {base} (WebSocket /ws); Ctrl+C stops", flush=True)
    try:
        uvicorn.run(served.app(), host=args.host, port=args.port, log_level="warning")
    finally:
        served.close()
    return 0


def cmd_serve_judge(args: argparse.Namespace) -> int:
    from ..models.server import ModelServer

    server = ModelServer(args.model, args.host, args.port, args.name)
    print(f"serving {args.model} as '{args.name}' at {server.base_url} "
          f"(GYM_ANYTHING_JUDGE=openai:{server.base_url}#{args.name})", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


def cmd_create_scaffold(args: argparse.Namespace) -> int:
    from ..creation.scaffold import ScaffoldError, scaffold

    try:
        result = scaffold(args.package, Path(args.root), software=args.software, timeout=args.timeout,
                          overwrite=args.force)
    except ScaffoldError as exc:
        print(f"gym-anything create scaffold: {exc}", file=sys.stderr)
        return 2
    print(f"{result.folder}/env.yaml written; first window after {result.first.ready_time}s; first-run windows "
          f"{[w['title'] for w in result.first.extra] or 'none'}, with the template "
          f"{[w['title'] for w in result.second.extra] if result.second else '?'}; see scaffold/report.md")
    return 0


def _creation_models(args: argparse.Namespace):
    """The reviewer and summariser backends of ``create run``/``amplify`` (None when not given); the summariser
    defaults to the creator's ``--model``."""
    from ..models.backends import make_backend

    reviewer = make_backend(args.reviewer, max_tokens=2048) if args.reviewer else None
    summary_model = args.summariser or getattr(args, "model", None)
    summariser = make_backend(summary_model, max_tokens=4096) if summary_model else None
    return reviewer, summariser


def _creation_settings(args: argparse.Namespace):
    from ..creation.tools import Settings

    return Settings(seeds=args.seeds, random_steps=args.random_steps)


def cmd_create_run(args: argparse.Namespace) -> int:
    """``create run``: the creation-audit loop with a model with tools or an external CLI."""
    from ..creation.creators import ChatCreator, CommandCreator
    from ..creation.loop import create_run
    from ..models.backends import make_chat_client

    if bool(args.model) == bool(args.command):
        print("gym-anything create run: give exactly one of --model openai:URL#MODEL and --command TEMPLATE",
              file=sys.stderr)
        return 2
    try:
        creator = ChatCreator(make_chat_client(args.model), max_turns=args.max_turns) if args.model \
            else CommandCreator(args.command, timeout=args.command_timeout)
        reviewer, summariser = _creation_models(args)
        result = create_run(args.software, creator, root=Path(args.root), reviewer=reviewer, package=args.package,
                            rounds=args.rounds, n_tasks=args.tasks, runs_dir=args.runs, review=not args.no_review,
                            settings=_creation_settings(args), summariser=summariser)
    except ValueError as exc:
        print(f"gym-anything create run: {exc}", file=sys.stderr)
        return 2
    if result.stopped:
        print(f"gym-anything create run: {result.stopped}", file=sys.stderr)
    print(f"accepted: {', '.join(result.accepted) or 'none'}; rejected: "
          f"{', '.join(f'{t} ({r[:120]})' for t, r in result.rejected.items()) or 'none'}; run folder {result.run}")
    return 0 if result.accepted else 1


def cmd_create_amplify(args: argparse.Namespace) -> int:
    from ..creation.amplify import amplify
    from ..models.backends import make_chat_client

    try:
        reviewer, summariser = _creation_models(args)
        result = amplify(args.software, make_chat_client(args.model), args.n, root=Path(args.root),
                         reviewer=reviewer, runs_dir=args.runs, review=not args.no_review,
                         settings=_creation_settings(args), summariser=summariser)
    except ValueError as exc:
        print(f"gym-anything create amplify: {exc}", file=sys.stderr)
        return 2
    print(f"accepted {len(result.accepted)} of {args.n}: {', '.join(result.accepted) or 'none'}; run folder "
          f"{result.run}")
    return 0


def cmd_create_report(args: argparse.Namespace) -> int:
    from ..creation.report import load_prices, render, summarise
    from ..errors import SpecError

    try:
        report = summarise(args.runs, load_prices(args.prices))
    except (OSError, SpecError) as exc:
        print(f"gym-anything create report: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


def _creation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("software", metavar="SOFTWARE", help="the software id (envs/SOFTWARE/ of --root)")
    parser.add_argument("--root", default=".", help="the data root (default: .)")
    parser.add_argument("--reviewer", metavar="MODEL", help="the auditor agent's model (openai:URL#MODEL or "
                                                            "transformers:PATH); required unless --no-review")
    parser.add_argument("--no-review", action="store_true", help="accept on the audit gate alone (recorded)")
    parser.add_argument("--summariser", metavar="MODEL", help="the model that condenses the run into the memory "
                                                              "(default: the creator's --model)")
    parser.add_argument("--runs", help="where run folders go (default: ROOT/creation-runs)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per audit (default 3)")
    parser.add_argument("--random-steps", type=int, default=15, help="random-agent steps per audit (default 15)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gym-anything", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="list environments and tasks")
    listing.add_argument("--markdown", action="store_true",
                         help="print the software as a Markdown table (id, name, Debian packages, SOC groups, "
                              "tasks, long-horizon tasks): docs/software.md's table")
    listing.add_argument("--group", metavar="SOC", help="only the software serving this SOC major group (43 or "
                                                        "43-0000)")
    listing.set_defaults(func=cmd_list)
    choose = sub.add_parser("select", help="rank candidate software by the wage bill of the occupations they serve "
                                           "(BLS OEWS May 2025), with diminishing returns per SOC group "
                                           "(docs/selection.md)")
    choose.add_argument("--top", type=int, default=25, metavar="N",
                        help="software to choose after the start set (default 25)")
    choose.add_argument("--all", action="store_true", help="rank the whole sandboxable catalog")
    choose.add_argument("--registered", action="store_true",
                        help="start from the software already in the registry, then choose --top more")
    choose.add_argument("--json", action="store_true", help="print the selection as JSON")
    choose.add_argument("--exponent", type=float, default=EXPONENT, metavar="P",
                        help=f"diminishing returns per group: a group counts as V_g * C_g^P (0 < P <= 1; default "
                             f"{EXPONENT})")
    choose.add_argument("--breadth", type=float, default=BREADTH, metavar="B",
                        help=f"the share of a group's wage bill earned by reaching it (>= 0; default {BREADTH})")
    choose.add_argument("--catalog", metavar="FILE", help="another catalog file (default: the bundled catalog.yaml)")
    choose.set_defaults(func=cmd_select)
    packages = sub.add_parser("packages", help="print the Debian packages needed (scripts/setup.sh installs them)")
    packages.add_argument("--group", action="append", choices=sorted(programs.GROUPS),
                          help="only the programs of this group (repeatable); default: all but docker, plus "
                               "every environment's packages")
    packages.add_argument("--suite", metavar="NAME",
                          help="only what running and verifying this suite needs: the runtime, audit and formats "
                               "programs and the packages of its software (scripts/setup.sh --suite demo)")
    packages.set_defaults(func=cmd_packages)
    demo = sub.add_parser("demo", help="run the oracle and a random agent on a few tasks, saving trajectories")
    demo.add_argument("--out", default="demo-output", help="folder for trajectories (default: demo-output)")
    demo.add_argument("--jobs", type=int, default=1, help="episodes run in parallel")
    demo.add_argument("--random-steps", type=int, default=8, help="actions the random agent takes before DONE")
    demo.set_defaults(func=cmd_demo)
    ev = sub.add_parser("eval", help="run an agent on a benchmark suite (parallel, resumable, recorded)")
    ev.add_argument("--suite", required=True, help="a suite name (benchmarks/<name>.yaml) or a suite file")
    ev.add_argument("--agent", required=True,
                    help="random | oracle | openai:URL#MODEL | transformers:PATH | package.module:Class")
    ev.add_argument("--agent-arg", action="append", metavar="KEY=VALUE",
                    help="constructor argument for the agent (JSON value or string; repeatable)")
    ev.add_argument("--out", required=True, help="run folder (re-run the same command to resume)")
    ev.add_argument("--jobs", type=int, help="parallel workers, one env per software each (default 1; with --ray, "
                                             "as many actors as the cluster's resources hold)")
    ev.add_argument("--task", action="append", help="only this <software>.<task> of the suite (repeatable)")
    ev.add_argument("--reviewer", metavar="JUDGE",
                    help="wrap the agent in ReviewedAgent: this judge (openai:URL#MODEL | transformers:PATH) reviews "
                         "each DONE from the screenshots; the reviews are recorded in each result's 'reviews'")
    ev.add_argument("--max-reviews", type=int, metavar="N", help="reviews of DONE per episode at most (default 2)")
    ev.add_argument("--audit-judge", help=argparse.SUPPRESS)  # the old names of --reviewer / --max-reviews
    ev.add_argument("--max-audits", type=int, help=argparse.SUPPRESS)
    ev.add_argument("--runner", default="local", help="local | docker | fake (scripted screens, for tests)")
    ev.add_argument("--model", help="model name recorded in run.json (shown on the leaderboard)")
    ev.add_argument("--name", help="run name (default: the --out folder's name)")
    ev.add_argument("--no-video", action="store_true", help="skip the MP4 per episode")
    ev.add_argument("--episode-timeout", type=float, metavar="SECONDS",
                    help="wall-clock limit per episode; a worker past it is killed and replaced, the episode is "
                         "an error (default: 120 s + 30 s per step of the episode's budget)")
    ev.add_argument("--ray", metavar="ADDRESS",
                    help="run the episodes on a Ray cluster's nodes, one env per actor: auto | HOST:PORT | "
                         "ray://HOST:PORT | local (a new Ray on this machine); the run folder is written here")
    ev.add_argument("--ray-resources", metavar="NAME=N,...",
                    help="what each Ray actor asks for (default CPU=1), e.g. CPU=1,memory=4e9,app_node=1")
    ev.set_defaults(func=cmd_eval)
    export = sub.add_parser("export", help="eval runs -> a training dataset, one row per step (distillation)")
    export.add_argument("runs", nargs="+", metavar="RUN", help="run folders written by gym-anything eval")
    export.add_argument("--out", required=True, help="dataset folder")
    export.add_argument("--successful", action="store_true", help="only episodes whose verifier passed")
    export.add_argument("--format", choices=("hf", "jsonl"), default="hf",
                        help="hf: datasets save_to_disk (load_from_disk); jsonl: <split>/metadata.jsonl + PNGs "
                             "(load_dataset(folder))")
    export.add_argument("--test-fraction", type=float, default=0.0,
                        help="share of episode instances put in a 'test' split (default 0: train only)")
    export.add_argument("--seed", type=int, default=0, help="seed of the train/test split")
    export.add_argument("--overwrite", action="store_true", help="replace a non-empty --out folder")
    export.set_defaults(func=cmd_export)
    harbor = sub.add_parser("export-harbor", help="a suite's task instances as Harbor task folders (docs/exports.md)")
    harbor.add_argument("suite", help="a suite name (benchmarks/<name>.yaml) or a suite file")
    harbor.add_argument("--out", required=True, help="a new or empty folder: one task folder per task and seed")
    harbor.add_argument("--task", action="append", metavar="SW.TASK", help="only this task of the suite (repeatable)")
    harbor.add_argument("--no-build", action="store_true",
                        help="do not build the task images through the Docker API (the Dockerfiles name their tags)")
    harbor.add_argument("--agent-network", choices=("no-network", "public"), default="no-network",
                        help="the agent phase's network: none (default, like the env) or public (agents that run in "
                             "the container and call their model from there)")
    harbor.set_defaults(func=cmd_export_harbor)
    board = sub.add_parser("leaderboard", help="build a static HTML leaderboard site from eval run folders")
    board.add_argument("runs_dir", help="a folder of run folders (each made by gym-anything eval), or one run")
    board.add_argument("--out", required=True, help="site folder (new, empty, or a site built before)")
    board.set_defaults(func=cmd_leaderboard)
    suite = sub.add_parser("suite", help="list, show, refresh or check benchmark suites")
    suite.add_argument("action", choices=("list", "show", "write", "check", "screens"),
                       help="write = re-select tasks and digests from the registry (bumps the version; refuses "
                            "train/test near-duplicates); check = every pair of tasks that reaches a near-duplicate "
                            "limit (exit 1 if one crosses the splits); screens = measure missing start screens on "
                            "the real apps (docs/contamination.md)")
    suite.add_argument("names", nargs="*", help="suite names (default: all; check: every task)")
    suite.add_argument("--runner", default="local", help="with screens: the runner (default local)")
    suite.set_defaults(func=cmd_suite)
    audit = sub.add_parser("audit", help="prove tasks' rewards on the real apps (see gym_anything.audit)")
    audit.add_argument("--all", action="store_true", help="every task")
    audit.add_argument("--env", action="append", help="every task of this software (repeatable)")
    audit.add_argument("--task", action="append", help="one task as <software>.<task> (repeatable)")
    audit.add_argument("--seeds", type=int, default=3)
    audit.add_argument("--random-steps", type=int, default=15)
    audit.add_argument("--out", help="folder for one JSON report per task")
    audit.add_argument("--no-store", dest="store", action="store_false",
                       help="do not record passing audits in audits/<software>/<task>.json")
    audit.add_argument("--jobs", type=int, default=1, help="tasks audited at once, one process each (default 1)")
    audit.add_argument("--changed", action="store_true",
                       help="only the selected tasks without a current passing audit (their digest changed)")
    audit.add_argument("--evidence", help="folder for the evidence of failed checks (default: OUT/evidence with "
                                          "--out, else ./audit-evidence)")
    audit.add_argument("--no-mutants", dest="mutants", action="store_false",
                       help="skip the mutation test of the verifiers (the audit then cannot pass)")
    audit.add_argument("--report", action="store_true",
                       help="no audit: each selected task's verifier (or --judge) against its labelled set")
    audit.add_argument("--judge", help="with --report: a model spec to judge the labelled trajectories, replayed "
                                       "on the real app, with the task's checklist")


    audit.add_argument("--review", metavar="MODEL", type=_model_spec,
                       help="then the auditor agent: this model (openai:URL#MODEL | transformers:PATH) reviews each "
                            "task against a quality checklist (docs/audit.md); stored in "
                            "audits/<software>/<task>.review.json")
    audit.add_argument("--review-only", action="store_true",
                       help="with --review: skip the gate; the stored audit record is the gate's evidence")
    audit.set_defaults(func=cmd_audit)
    migrate = sub.add_parser("migrate", help="convert a data root from the legacy layout (verifiers/<software>.py) "
                                             "to one folder per software (docs/spec-format.md)")
    migrate.add_argument("root", metavar="ROOT", help="the data root: the folder holding envs/ (and verifiers/)")
    migrate.add_argument("--dry-run", action="store_true", help="print what would be done; change nothing")
    migrate.set_defaults(func=cmd_migrate)
    create = sub.add_parser("create", help="creating a software (docs/creation.md): scaffold, explore, run, amplify, "
                                             "report")
    create_sub = create.add_subparsers(dest="create_command", required=True)
    scaffold = create_sub.add_parser("scaffold", help="install PACKAGE, launch it in the sandbox, write "
                                     "envs/<software>/ (env.yaml, HOME template, scaffold/ evidence)")
    scaffold.add_argument("package", help="the Debian package")
    scaffold.add_argument("--root", default=".", help="the data root to write envs/<software>/ into (default: .)")
    scaffold.add_argument("--id", dest="software", help="the software id (default: from the package name)")
    scaffold.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the first window")
    scaffold.add_argument("--force", action="store_true", help="replace an existing envs/<software>/env.yaml")
    scaffold.set_defaults(func=cmd_create_scaffold)
    explore = create_sub.add_parser("explore", help="run actions on a fresh instance; write frames, steps.jsonl, "
                                                    "OCR words with boxes and summary.json")
    explore.add_argument("software", metavar="SOFTWARE", help="a software id (tasks optional)")
    explore.add_argument("--task", help="start this task's instance (its setup for --seed); default: the app alone")
    explore.add_argument("--seed", type=int, default=0, help="the reset seed (default 0)")
    explore.add_argument("--actions", metavar="FILE", help="a JSON list of actions, or pyautogui-style lines; - "
                                                          "reads stdin (default: none, only the start screen)")
    explore.add_argument("--out", help="output folder (default: explore-output/SOFTWARE; earlier outputs replaced)")
    explore.add_argument("--find", action="append", metavar="TEXT",
                         help="print where TEXT was read (box and centre in screen pixels, per frame; repeatable)")
    explore.add_argument("--root", help="the data root holding envs/SOFTWARE (default: the data roots)")
    explore.add_argument("--runner", default="local", help="local | docker | fake")
    explore.add_argument("--no-ocr", action="store_true", help="skip OCR (no ocr/ folder)")
    explore.add_argument("--keep-home", action="store_true",
                         help="copy the episode's HOME, as the app left it, to OUT/home (for the HOME template)")
    explore.set_defaults(func=cmd_create_explore)
    run = create_sub.add_parser("run", help="the creation-audit loop: a creator writes tasks, the gate and the "
                                            "auditor agent judge them, feedback for N rounds, memory updated")
    _creation_options(run)
    run.add_argument("--model", help="the creator: an OpenAI-compatible endpoint with tool calls, openai:URL#MODEL")
    run.add_argument("--command", help="the creator: an external CLI agent, a command template with {prompt} (the "
                                       "prompt file), {folder}, {root}, {software}; run in envs/SOFTWARE/")
    run.add_argument("--command-timeout", type=float, default=3600, help="seconds per round of --command")
    run.add_argument("--package", help="the Debian package to scaffold from when envs/SOFTWARE/env.yaml is missing")
    run.add_argument("--rounds", type=int, default=3, help="creation-audit rounds (default 3)")
    run.add_argument("--tasks", type=int, default=3, help="how many tasks to ask for (default 3)")
    run.add_argument("--max-turns", type=int, default=60, help="model turns per round (default 60)")
    run.set_defaults(func=cmd_create_run)
    amp = create_sub.add_parser("amplify", help="many more tasks from the accepted ones, one per attempt, each "
                                                "through the duplicate check, the gate and the auditor")
    _creation_options(amp)
    amp.add_argument("-n", type=int, default=10, help="attempts: one new task each (default 10)")
    amp.add_argument("--model", required=True, help="the (cheaper) model with tool calls, openai:URL#MODEL")
    amp.set_defaults(func=cmd_create_amplify)
    report = create_sub.add_parser("report", help="accepted tasks, rounds, audit failures by check, tokens and "
                                                  "dollars per accepted task, from run folders")
    report.add_argument("runs", nargs="+", metavar="RUNS", help="run folders, or folders holding them")
    report.add_argument("--prices", help="YAML: model name -> {input, output} US dollars per million tokens")
    report.add_argument("--json", action="store_true", help="print the numbers as JSON")
    report.set_defaults(func=cmd_create_report)
    view = sub.add_parser("view", help="an env's screen in the browser (view only), or --play its task: your input "
                                       "is recorded as a trajectory (docs/view.md)")
    view.add_argument("target", metavar="RUN_OR_ID", help="a gym id (the env is started) or the folder of a running "
                                                           "eval (the display of its running episode)")
    view.add_argument("--play", action="store_true", help="play mode: the browser's input becomes actions, "
                                                          "recorded into --out; Done (or Ctrl+C) ends the episode")
    view.add_argument("--seed", type=int, help="the reset seed (default: random)")
    view.add_argument("--task", help="the task, for a software id (default: the one the seed draws)")
    view.add_argument("--out", help="with --play: the run folder (default: runs/play-<time>)")
    view.add_argument("--episode", help="with a run folder: which running episode (when several run)")
    view.add_argument("--port", type=int, default=0, help="the port on 127.0.0.1 (default: a free one)")
    view.add_argument("--no-video", action="store_true", help="with --play: no video.mp4")
    view.set_defaults(func=cmd_view)
    serve_env = sub.add_parser("serve", help="serve env instances over MCP (Anthropic's computer tools) and "
                                             "OpenEnv's HTTP/WebSocket protocol on one port (docs/serve.md)")
    serve_env.add_argument("id", help="a gym id, e.g. GymAnything/mousepad.append-entry-v1")
    serve_env.add_argument("--host", default="127.0.0.1")
    serve_env.add_argument("--port", type=int, default=8765)
    serve_env.add_argument("--seed", type=int, default=None, help="the first episode's seed")
    serve_env.add_argument("--instances", type=int, default=1, help="how many env instances (one client each)")
    serve_env.add_argument("--idle-timeout", type=float, default=1800.0,
                           help="seconds without a request after which a client's claim on an instance lapses")
    serve_env.add_argument("--shown", default=None, help="the screenshot size the client sees, WIDTHxHEIGHT")
    serve_env.add_argument("--public", action="store_true", help="allow a host that is not loopback")
    serve_env.set_defaults(func=cmd_serve)
    serve = sub.add_parser("serve-judge", help="serve a local VLM over an OpenAI-compatible API")
    serve.add_argument("--model", required=True, help="a folder loadable with AutoModelForImageTextToText")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--name", default="local", help="the model name clients ask for")
    serve.set_defaults(func=cmd_serve_judge)
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit flush
    except BrokenPipeError:  # `gym-anything list | head -1`: the reader left; stop quietly, like SIGPIPE
        _stdout_to_devnull()
        return EXIT_BROKEN_PIPE
    return code


EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a command whose pipe reader went away


def _stdout_to_devnull() -> None:
    """Point stdout at /dev/null so the interpreter's final flush of unwritten output does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (e.g. captured in tests)
        pass


if __name__ == "__main__":
    sys.exit(main())
