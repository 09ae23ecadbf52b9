"""The creation-audit loop end to end on a real app outside the registry (FeatherPad), driven by scripted models
behind a real OpenAI-compatible HTTP server: scaffold, explore, write a task, audit it on the app, feedback,
review, register through a separate data root; then amplify from it, an external-CLI creator, and the report.

The scripted creator first writes a verifier that passes when the file is merely changed and saved (the gate's
mutation test finds survivors, and its report must reach the creator's next request verbatim), then an
instruction that does not say how the total is written (the scripted auditor rejects it), then the fix.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from scripted_models import ScriptedModels, Turns, text_of

from gym_anything.cli.main import main as cli
from gym_anything.creation.amplify import amplify
from gym_anything.creation.creators import ChatCreator
from gym_anything.creation.loop import create_run
from gym_anything.creation.memory import Memory
from gym_anything.creation.report import render, summarise
from gym_anything.creation.tools import Settings, gate_text
from gym_anything.models.backends import make_backend, make_chat_client
from gym_anything.specs.audits import is_audited, stored_audit
from gym_anything.specs.loader import load_env

pytestmark = pytest.mark.app

REPO = Path(__file__).resolve().parent.parent
SETTINGS = Settings(seeds=2, random_steps=5)
KEEP = os.environ.get("GYM_ANYTHING_KEEP_CREATION_RUN")  # copy the run folder there (docs/examples/creation-run)

AMBIGUOUS_YAML = """\
id: expense-total
version: 0
instruction: >-
  The expense report {file} lists one expense per line. Add the total of the amounts at the end and save
  the file.
parameters:
  file: {choice: [expenses.txt, trip-expenses.txt, office-expenses.txt]}
open: "{file}"
max_steps: 20
split: train
difficulty: easy
tags: [arithmetic, append, save]
setup: tasks/expense-total.py:setup
verifier: tasks/expense-total.py:verify
oracle: tasks/expense-total.py:solve
"""
CLEAR_YAML = AMBIGUOUS_YAML.replace(
    "lists one expense per line. Add the total of the amounts at the end and save\n  the file.",
    'lists one expense per line as "description: amount". Add a last line "Total: <sum of the\n  amounts>" '
    'with the sum written with two decimals (for example "Total: 1234.50"), leave the other lines\n  unchanged, '
    "and save the file.")

SETUP = '''\
"""expense-total: an expense list; the total goes on a new last line."""

from gym_anything import actions as A

ITEMS = ["Taxi to airport", "Hotel, two nights", "Conference fee", "Team lunch", "Printer toner", "Train ticket",
         "Parking", "Client dinner", "Office chairs", "Courier", "Software licence", "Stationery"]


def setup(ctx):
    count = int(ctx.rng.integers(6, 11))
    picks = ctx.rng.choice(len(ITEMS), size=count, replace=False)
    amounts = [float(ctx.rng.integers(500, 90000)) / 100 for _ in range(count)]
    text = "".join(f"{ITEMS[i]}: {a:.2f}\\n" for i, a in zip(picks, amounts))
    (ctx.home / ctx.params["file"]).write_text(text, encoding="utf-8")
    (ctx.private / "original.txt").write_text(text, encoding="utf-8")
    return {"total": f"{sum(amounts):.2f}"}


def solve(ctx):
    return [A.hotkey("ctrl", "end"), A.type(f"Total: {ctx.private['total']}\\n"), A.hotkey("ctrl", "s"), A.done()]
'''
WEAK_VERIFY = '''

def verify(ctx):
    path = ctx.home / ctx.params["file"]
    ctx.require("file exists", path.is_file(), path.name)
    original = (ctx.private_dir / "original.txt").read_text(encoding="utf-8")
    ctx.check("file changed and saved", path.read_text(encoding="utf-8") != original)
'''
STRONG_VERIFY = '''

def verify(ctx):
    path = ctx.home / ctx.params["file"]
    ctx.require("file exists", path.is_file(), path.name)
    original = (ctx.private_dir / "original.txt").read_text(encoding="utf-8").splitlines()
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    ctx.require("expense lines unchanged", lines[:len(original)] == original, f"{len(lines)} lines")
    want = f"Total: {ctx.private['total']}"
    ctx.check("total line", lines[-1].strip() == want, f"last line {lines[-1]!r}, expected {want!r}", weight=2)
    ctx.check("one line added", len(lines) == len(original) + 1, f"{len(lines)} lines")
'''
ADD_EXPENSE_YAML = """\
id: add-expense
version: 0
instruction: >-
  A receipt arrived after the report was written. Append the expense "{entry}" (without the quotes) as a new
  line at the end of {file}, keep every other line as it is, and save.
parameters:
  file: {choice: [expenses.txt, trip-expenses.txt]}
open: "{file}"
max_steps: 20
split: test
difficulty: easy
tags: [append, save]
setup: tasks/add-expense.py:setup
verifier: tasks/add-expense.py:verify
oracle: tasks/add-expense.py:solve
"""
ADD_EXPENSE_CODE = '''\
"""add-expense: one late receipt appended to an expense list."""

from gym_anything import actions as A

VENDORS = ["Blue Bottle Cafe", "Metro Cabs", "Staples", "Hilton Garden Inn", "Amtrak", "FedEx Office", "Lyft"]


def setup(ctx):
    rows = [f"{VENDORS[int(ctx.rng.integers(len(VENDORS)))]}: {float(ctx.rng.integers(300, 50000)) / 100:.2f}"
            for _ in range(int(ctx.rng.integers(5, 9)))]
    (ctx.home / ctx.params["file"]).write_text("\\n".join(rows) + "\\n", encoding="utf-8")
    (ctx.private / "rows.json").write_text("\\n".join(rows), encoding="utf-8")
    entry = f"Late receipt {int(ctx.rng.integers(1000, 9999))}: {float(ctx.rng.integers(300, 50000)) / 100:.2f}"
    ctx.public["entry"] = entry
    return {"entry": entry}


def verify(ctx):
    saved = ctx.home / ctx.params["file"]
    ctx.require("saved file exists", saved.is_file(), saved.name)
    before = (ctx.private_dir / "rows.json").read_text(encoding="utf-8").splitlines()
    after = [row for row in saved.read_text(encoding="utf-8").splitlines() if row.strip()]
    ctx.require("earlier rows kept", after[:len(before)] == before, f"{len(after)} rows")
    ctx.check("receipt appended last", after[-1].strip() == ctx.private["entry"], repr(after[-1]), weight=2)
    ctx.check("only one row added", len(after) == len(before) + 1, f"{len(after)} rows")


def solve(ctx):
    return [A.hotkey("ctrl", "end"), A.type(ctx.private["entry"] + "\\n"), A.hotkey("ctrl", "s"), A.done()]
'''
CHECKLIST = ("instruction", "start-state", "data", "real-work", "verifier", "other")
AMBIGUITY = ("The instruction does not say how the total is to be written (a 'Total:' label? how many decimals?), "
             "but the verifier accepts only 'Total: <sum with two decimals>': a correct total written another way "
             "fails.")
GENERAL_NOTE = "- A verifier must compare the saved value exactly: the mutation test changes one typed digit."
SOFTWARE_NOTE = "- FeatherPad: ctrl+End reaches the empty last line; ctrl+s saves an opened file with no dialog."


def call(name: str, **arguments):
    return {"name": name, "arguments": arguments}


def reply(*calls, content: str = ""):
    return lambda body: {"content": content, "tool_calls": list(calls)}


def auditor(body):
    """Rejects an instruction that does not say how the total is written; passes everything else."""
    prompt = text_of(body["messages"][-1])
    ambiguous = "Add the total of the amounts at the end" in prompt
    items = {name: {"passed": True, "evidence": "seen in the material"} for name in CHECKLIST}
    if ambiguous:
        items["instruction"] = {"passed": False, "evidence": AMBIGUITY}
    return {"content": json.dumps({"items": items})}


def summariser(body):
    return {"content": json.dumps({"general": GENERAL_NOTE, "software": SOFTWARE_NOTE})}


@pytest.fixture(scope="module")
def models():
    creator = Turns([
        reply(call("scaffold", package="featherpad")),
        reply(call("explore", actions=["pyautogui.write('draft')"], find="draft")),
        reply(call("write_file", path="../mousepad/env.yaml", content="id: stolen\n")),
        reply(call("write_file", path="tasks/expense-total.yaml", content=AMBIGUOUS_YAML),
              call("write_file", path="tasks/expense-total.py", content=SETUP + WEAK_VERIFY)),
        reply(call("finish", summary="expense-total: sum the expenses")),
        reply(call("write_file", path="tasks/expense-total.py", content=SETUP + STRONG_VERIFY),
              call("finish", summary="the verifier now compares the total line exactly")),
        reply(call("write_file", path="tasks/expense-total.yaml", content=CLEAR_YAML),
              call("finish", summary="the instruction now says the total line's exact form")),
    ])
    cheap = Turns([
        reply(call("write_file", path="tasks/expense-sum.yaml",
                   content=CLEAR_YAML.replace("id: expense-total", "id: expense-sum")
                   .replace("tasks/expense-total.py", "tasks/expense-sum.py")),
              call("write_file", path="tasks/expense-sum.py", content=SETUP + STRONG_VERIFY),
              call("write_file", path="tasks/expense-total.py", content="overwritten"),
              call("finish", summary="expense-sum")),
        reply(call("write_file", path="tasks/add-expense.yaml", content=ADD_EXPENSE_YAML),
              call("write_file", path="tasks/add-expense.py", content=ADD_EXPENSE_CODE),
              call("finish", summary="add-expense")),
    ])
    server = ScriptedModels({"creator": creator, "auditor": auditor, "summariser": summariser, "cheap": cheap})
    yield server, creator, cheap
    server.close()


@pytest.fixture(scope="module")
def created(models, tmp_path_factory):
    server, creator, _ = models
    root = tmp_path_factory.mktemp("creation") / "root"
    root.mkdir()
    result = create_run("featherpad", ChatCreator(make_chat_client(server.spec("creator"))), root=root,
                        reviewer=make_backend(server.spec("auditor")), rounds=3, runs_dir=root / "runs",
                        settings=SETTINGS, summariser=make_backend(server.spec("summariser")), log=lambda _: None)
    if KEEP:  # the documented example: screenshots left out, this machine's paths and port replaced
        shutil.rmtree(KEEP, ignore_errors=True)
        shutil.copytree(result.run, KEEP, ignore=shutil.ignore_patterns("*.png"))
        for path in Path(KEEP).rglob("*"):
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                path.write_text(text.replace(str(root), "<root>").replace(server.url, "http://127.0.0.1:<port>/v1"),
                                encoding="utf-8")
    return root, result


def _requests_after_user(server: ScriptedModels, text: str) -> list[dict]:
    """The creator's requests whose last user message contains ``text``."""
    found = []
    for body in server.bodies("creator"):
        users = [m for m in body["messages"] if m["role"] == "user"]
        if users and text in text_of(users[-1]):
            found.append(body)
    return found


def test_the_loop_accepts_the_task_after_the_gates_and_the_auditors_findings(models, created):
    server, creator, _ = models
    root, result = created
    assert not server.errors and creator.left == 0
    assert result.accepted == ["expense-total"] and result.rounds == 3
    run = result.run
    first = json.loads((run / "audits" / "expense-total.r1.json").read_text())
    survivors = next(c for c in first["checks"] if c["name"].startswith("mutation test"))
    assert not first["passed"] and not survivors["passed"] and "survived" in survivors["detail"]
    # the gate's report, as stored, reaches the creator's next request verbatim
    round2 = _requests_after_user(server, "Round 1 findings")
    assert round2 and gate_text(first) in text_of(round2[0]["messages"][-1])
    assert json.loads((run / "audits" / "expense-total.r2.json").read_text())["passed"]
    review2 = json.loads((run / "reviews" / "expense-total.r2.json").read_text())
    assert not review2["passed"] and [i["name"] for i in review2["items"] if not i["passed"]] == ["instruction"]
    round3 = _requests_after_user(server, "Round 2 findings")
    assert round3 and AMBIGUITY in text_of(round3[0]["messages"][-1])
    assert json.loads((run / "reviews" / "expense-total.r3.json").read_text())["passed"]
    spec = load_env(root / "envs" / "featherpad", root, warn=False)
    assert is_audited(spec, spec.tasks["expense-total"])
    assert stored_audit(spec, spec.tasks["expense-total"])["passed"]
    stages = [json.loads(line) for line in (run / "stages.jsonl").read_text().splitlines()]
    creates = [s for s in stages if s["stage"] == "create"]
    assert len(creates) == 3 and all(s["prompt_tokens"] > 0 and s["completion_tokens"] > 0 for s in creates)
    assert {s["stage"] for s in stages} >= {"prompt", "create", "audit", "review", "summarise"}
    transcript = (run / "transcript.jsonl").read_text().splitlines()
    assert len(transcript) >= 15 and (run / "prompt.md").is_file()


def test_scaffold_and_explore_ran_for_the_creator(created):
    root, result = created
    assert (root / "envs" / "featherpad" / "scaffold" / "start.png").is_file()
    tools = [json.loads(line) for line in (result.run / "tools.jsonl").read_text().splitlines()]
    explore = next(t for t in tools if t["tool"] == "explore")
    assert explore["ok"] and "where 'draft' is:" in explore["result"] and '"center"' in explore["result"]
    assert (result.run / "explore" / "001" / "summary.json").is_file()


def test_a_write_outside_the_software_folder_is_refused(created):
    root, result = created
    tools = [json.loads(line) for line in (result.run / "tools.jsonl").read_text().splitlines()]
    refused = next(t for t in tools if t["arguments"].get("path") == "../mousepad/env.yaml")
    assert not refused["ok"] and refused["result"].startswith("Refused:")
    assert not (root / "envs" / "mousepad").exists()


def test_the_accepted_task_registers_from_a_separate_root_and_its_oracle_scores_one(created):
    root, _ = created
    code = (
        "import gymnasium as gym, gym_anything\n"
        "from gym_anything.core.env import GymAnythingEnv\n"
        "ids = gym_anything.gym_ids()\n"
        "assert 'GymAnything/featherpad.expense-total-v0' in ids, ids\n"
        "env = gym.make('GymAnything/featherpad.expense-total-v0')\n"
        "obs, info = env.reset(seed=7)\n"
        "reward = 0.0\n"
        "for action in env.unwrapped.oracle_actions():\n"
        "    obs, reward, term, trunc, info = env.step(action)\n"
        "print('REWARD', reward, obs.shape)\n"
        "env.close()\n")
    env = {**os.environ, "GYM_ANYTHING_PATH": str(root), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "REWARD 1.0 (720, 1280, 3)" in done.stdout


def test_the_memory_changed_and_amplify_reads_it_and_rejects_a_near_duplicate(models, created):
    server, _, cheap = models
    root, result = created
    memory = Memory(root, "featherpad")
    assert memory.general() == GENERAL_NOTE.strip() and memory.notes() == SOFTWARE_NOTE.strip()
    stats = memory.stats()
    assert stats["runs"] == 1 and stats["checks"]["mutation test of the verifier (every non-equivalent mutant fails)"]
    assert stats["review_items"]["instruction"]["failed"] == 1
    assert any(f["check"] == "instruction" and "tasks/expense-total.yaml" in f["changed"] for f in stats["fixes"])
    summary_request = text_of(server.bodies("summariser")[0]["messages"][-1])
    assert "mutation test of the verifier" in summary_request and "expense-total" in summary_request

    more = amplify("featherpad", make_chat_client(server.spec("cheap")), 2, root=root,
                   reviewer=make_backend(server.spec("auditor")), runs_dir=root / "runs", settings=SETTINGS,
                   log=lambda _: None)
    assert not server.errors and cheap.left == 0
    first_prompt = text_of(server.bodies("cheap")[0]["messages"][-1])
    assert GENERAL_NOTE in first_prompt and SOFTWARE_NOTE in first_prompt  # the memory reached the next run
    assert "- expense-total: " in first_prompt
    assert more.accepted == ["add-expense"]
    assert more.rejected["expense-sum"].startswith("near-duplicate of expense-total")
    tools = [json.loads(line) for line in (more.run / "tools.jsonl").read_text().splitlines()]
    overwrite = next(t for t in tools if t["arguments"].get("path") == "tasks/expense-total.py")
    assert not overwrite["ok"] and "only new files" in overwrite["result"]
    spec = load_env(root / "envs" / "featherpad", root, warn=False)
    assert sorted(spec.tasks) == ["add-expense", "expense-total"]
    assert all(is_audited(spec, t) for t in spec.tasks.values())
    assert (more.run / "rejected" / "expense-sum.yaml").is_file()
    second_request = text_of(server.bodies("cheap")[1]["messages"][-1])
    assert "- expense-sum:" in second_request  # each attempt is conditioned on the tasks already written


FAKE_CLI = r'''
import pathlib, sys
prompt = pathlib.Path(sys.argv[1]).read_text()
assert "Rules every task must follow" in prompt
folder, templates = pathlib.Path.cwd(), pathlib.Path(sys.argv[2])
(folder / "tasks" / "late-receipt.yaml").write_text((templates / "task.yaml").read_text())
(folder / "tasks" / "late-receipt.py").write_text((templates / "task.py").read_text())
forged = folder.parent.parent / "audits" / "featherpad" / "late-receipt.json"
forged.parent.mkdir(parents=True, exist_ok=True)
forged.write_text('{"passed": true}')
print("wrote late-receipt")
'''


def test_an_external_cli_creator_writes_in_its_folder_and_cannot_forge_an_audit(models, created, tmp_path):
    server, _, _ = models
    root, _ = created
    script = tmp_path / "fake_cli.py"
    script.write_text(FAKE_CLI)
    (tmp_path / "task.yaml").write_text(
        ADD_EXPENSE_YAML.replace("add-expense", "late-receipt")
        .replace("A receipt arrived after the report was written", "Finance forwarded a receipt missing from the list"))
    (tmp_path / "task.py").write_text(ADD_EXPENSE_CODE.replace("add-expense", "late-receipt"))
    before = set((root / "runs").iterdir())
    code = cli(["create", "run", "featherpad", "--root", str(root), "--command",
                f"{sys.executable} {script} {{prompt}} {tmp_path}", "--reviewer", server.spec("auditor"),
                "--rounds", "1", "--runs", str(root / "runs"), "--seeds", str(SETTINGS.seeds),
                "--random-steps", str(SETTINGS.random_steps)])
    assert code == 0
    (run,) = set((root / "runs").iterdir()) - before
    transcript = [json.loads(line) for line in (run / "transcript.jsonl").read_text().splitlines()]
    ended = transcript[-1]["ended"]
    assert ended.startswith("exit 0") and "audits/featherpad/late-receipt.json" in ended and "(undone)" in ended
    assert "wrote late-receipt" in (run / "prompts" / "r1.output.txt").read_text()
    # accepted on its own merits: the stored record is the gate's, not the forged one
    result = json.loads((run / "result.json").read_text())
    assert result["accepted"] == ["late-receipt"] and result["creator"].startswith("command:")
    record = json.loads((root / "audits" / "featherpad" / "late-receipt.json").read_text())
    assert record["passed"] and record["checks"]


def test_the_report_counts_runs_rounds_failures_tokens_and_dollars(created, capsys):
    root, _ = created
    report = summarise([root / "runs"], {"creator": {"input": 3.0, "output": 15.0},
                                         "auditor": {"input": 1.0, "output": 5.0},
                                         "cheap": {"input": 0.2, "output": 0.8},
                                         "summariser": {"input": 1.0, "output": 5.0}})
    row = report["software"]["featherpad"]
    assert row["runs"] >= 2 and row["accepted"] >= 2
    assert row["rejected_as_duplicate"] == 1
    assert row["failed_checks"]["mutation test of the verifier (every non-equivalent mutant fails)"] == 1
    assert row["failed_review_items"] == {"instruction": 1}
    assert set(row["tokens"]) >= {"creator", "auditor", "cheap", "summariser"}
    tokens = row["tokens"]["creator"]
    assert row["dollars"] >= (tokens["prompt"] * 3.0 + tokens["completion"] * 15.0) / 1e6 > 0
    assert row["dollars_per_accepted"] == pytest.approx(row["dollars"] / row["accepted"], abs=1e-4)
    assert report["unpriced_models"] == []
    text = render(report)
    assert "| featherpad |" in text and "mutation test of the verifier" in text
    assert cli(["create", "report", str(root / "runs"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["software"]["featherpad"]["accepted"] == row["accepted"]
    assert printed["unpriced_models"] == ["auditor", "cheap", "creator", "summariser"]
