"""The parts of the creation loop that need no app: the confined folder, the tools' error handling, the chat client
against a real local HTTP server, both creators' rounds, the duplicate check, the memory and the report.
(tests/test_creation_loop.py runs the whole loop on a real app.)"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from scripted_models import ScriptedModels, Turns, text_of

from gym_anything.audit.similarity import CODE_LIMIT, Index, near_duplicate
from gym_anything.cli.main import main as cli
from gym_anything.creation.creators import ChatCreator, CommandCreator
from gym_anything.creation.loop import build_prompt, create_run
from gym_anything.creation.memory import Memory
from gym_anything.creation.report import load_prices, render, summarise
from gym_anything.creation.runfolder import RunFolder, read_jsonl
from gym_anything.creation.tools import TOOL_SCHEMAS, Toolbox
from gym_anything.creation.workspace import PathRefused, Workspace
from gym_anything.errors import SpecError
from gym_anything.models.answers import ModelAnswerError
from gym_anything.models.backends import make_chat_client
from gym_anything.models.chat import ChatClient
from gym_anything.specs.loader import load_env

ENV_YAML = """\
id: notes
name: Notes
description: a text editor
version: 0
soc_groups: ["43-0000"]
packages: [mousepad]
launch: [mousepad]
ready: {window_class: mousepad, timeout: 10}
resolution: [1280, 720]
"""
TASK_YAML = """\
id: {id}
version: 0
instruction: "{instruction}"
max_steps: 10
split: train
difficulty: easy
setup: null
verifier: tasks/{id}.py:verify
oracle: tasks/{id}.py:solve
"""
CODE = """\
from gym_anything import actions as A


def verify(ctx):
    ctx.check("{name}", (ctx.home / "{file}").is_file())


def solve(ctx):
    return [A.type("{text}"), A.hotkey("ctrl", "s"), A.done()]
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root" / "envs" / "notes"
    (folder / "tasks").mkdir(parents=True)
    (folder / "env.yaml").write_text(ENV_YAML)
    (folder / "scaffold").mkdir()
    (folder / "scaffold" / "report.md").write_text("the scaffold's report\n")
    return tmp_path / "root"


def add_task(root: Path, task: str, instruction: str, **code: str) -> None:
    tasks = root / "envs" / "notes" / "tasks"
    (tasks / f"{task}.yaml").write_text(TASK_YAML.format(id=task, instruction=instruction))
    (tasks / f"{task}.py").write_text(CODE.format(**{"name": "saved", "file": "a.txt", "text": "x", **code}))


# --- the folder ----------------------------------------------------------------------------------------


def test_the_workspace_refuses_every_way_out_of_the_folder(root: Path, tmp_path: Path):
    ws = Workspace(root, "notes")
    (tmp_path / "secret.txt").write_text("host secret")
    os.symlink(tmp_path / "secret.txt", ws.folder / "link.txt")
    os.symlink(tmp_path, ws.folder / "linkdir")
    for path, why in [("/etc/passwd", "absolute"), ("~/x", "absolute"), ("../other/env.yaml", "leaves"),
                      ("tasks/../../other.yaml", "leaves"), ("link.txt", "leaves"), ("linkdir/new.py", "leaves"),
                      ("", "non-empty")]:
        with pytest.raises(PathRefused, match=why):
            ws.write(path, "x")
    with pytest.raises(PathRefused, match="leaves"):
        ws.read("link.txt")
    with pytest.raises(PathRefused, match="may read but not change"):
        ws.write("scaffold/report.md", "forged")
    assert ws.read("scaffold/report.md") == "the scaffold's report\n"
    with pytest.raises(PathRefused, match="folder itself"):
        ws.write(".", "x")
    with pytest.raises(ValueError, match="at most"):
        ws.write("big.txt", "x" * (600 * 1024))
    ws.write("tasks/a.yaml", "id: a\n")
    assert "tasks/a.yaml" in ws.files() and ws.read("tasks/a.yaml") == "id: a\n"
    ws.freeze_existing()
    with pytest.raises(PathRefused, match="only new files"):
        ws.write("tasks/a.yaml", "changed")
    with pytest.raises(PathRefused, match="only new files"):
        ws.delete("env.yaml")
    ws.write("tasks/b.yaml", "new")
    assert (tmp_path / "secret.txt").read_text() == "host secret"


def test_tools_answer_mistakes_with_text_and_record_every_call(root: Path, tmp_path: Path):
    run = RunFolder(tmp_path / "run")
    box = Toolbox(Workspace(root, "notes"), run, disabled=frozenset({"scaffold"}))
    assert box.call("nope", {}) == (False, "Error: ValueError: there is no tool 'nope'; the tools are "
                                           + ", ".join(t["function"]["name"] for t in TOOL_SCHEMAS))
    ok, text = box.call("write_file", '{"path": "../x.py", "content": "1"}')
    assert not ok and text.startswith("Refused:")
    ok, text = box.call("write_file", {"path": "a.txt"})
    assert not ok and text.startswith("Error: bad arguments for write_file")
    ok, text = box.call("read_file", "[1, 2]")
    assert not ok and "JSON object" in text
    ok, text = box.call("scaffold", {"package": "mousepad"})
    assert not ok and "not available" in text
    ok, text = box.call("audit_task", {"task": "missing"})
    assert not ok and "no task 'missing'" in text
    assert box.call("write_file", {"path": "tasks/t.py", "content": "x = 1\n"})[0]
    assert box.call("list_files", {})[1].splitlines() == ["env.yaml", "scaffold/report.md", "tasks/t.py"]
    assert box.call("finish", {"summary": "done"})[0] and box.finished == "done"
    calls = read_jsonl(run.path / "tools.jsonl")
    assert [c["tool"] for c in calls] == ["nope", "write_file", "write_file", "read_file", "scaffold", "audit_task",
                                          "write_file", "list_files", "finish"]
    assert [c["ok"] for c in calls] == [False, False, False, False, False, False, True, True, True]


# --- models and creators ---------------------------------------------------------------------------------


def test_the_chat_client_speaks_tool_calls_and_fails_closed():
    def model(body):
        assert body["tools"][0]["function"]["name"] == "list_files"
        return {"content": "", "tool_calls": [{"name": "read_file", "arguments": {"path": "env.yaml"}}]}

    def broken(body):
        raise RuntimeError("overloaded")

    server = ScriptedModels({"m": model, "broken": broken})
    try:
        reply = make_chat_client(server.spec("m")).chat([{"role": "user", "content": "hi"}], TOOL_SCHEMAS)
        assert [(c.name, c.parsed()) for c in reply.tool_calls] == [("read_file", {"path": "env.yaml"})]
        assert reply.prompt_tokens > 0 and reply.completion_tokens > 0 and reply.finish_reason == "tool_calls"
        assert reply.message()["tool_calls"][0]["function"]["name"] == "read_file"
        with pytest.raises(ModelAnswerError, match="HTTP 500.*overloaded"):
            make_chat_client(server.spec("broken")).chat([{"role": "user", "content": "hi"}])
    finally:
        server.close()
    with pytest.raises(ModelAnswerError, match="failed"):
        ChatClient("http://127.0.0.1:9/v1", "m", timeout=2).chat([{"role": "user", "content": "hi"}])
    with pytest.raises(ValueError, match="OpenAI-compatible"):
        make_chat_client("transformers:/models/tiny")


def test_a_chat_creator_round_ends_on_finish_on_plain_text_or_at_the_turn_limit(root: Path, tmp_path: Path):
    turns = Turns([
        lambda b: {"tool_calls": [{"name": "list_files", "arguments": {}}]},
        lambda b: {"tool_calls": [{"name": "finish", "arguments": {"summary": "r1"}}]},
        lambda b: {"content": "I am done"},
        *[lambda b: {"tool_calls": [{"name": "list_files", "arguments": {}}]}] * 2,
    ])
    server = ScriptedModels({"c": turns})
    try:
        box = Toolbox(Workspace(root, "notes"), RunFolder(tmp_path / "run"))
        creator = ChatCreator(make_chat_client(server.spec("c")), max_turns=2)
        first = creator.round(box, "round one")
        assert (first.ended, first.summary, first.turns) == ("finish", "r1", 2)
        second = creator.round(box, "round two")
        assert (second.ended, second.summary) == ("no tool call", "I am done")
        third = creator.round(box, "round three")
        assert third.ended == "turn limit" and third.turns == 2 and turns.left == 0
        last = server.bodies("c")[-1]["messages"]
        # one conversation: the earlier rounds and the tool results are in the last request
        assert [text_of(m) for m in last if m["role"] == "user"] == ["round one", "round two", "round three"]
        assert any(m["role"] == "tool" and "env.yaml" in m["content"] for m in last)
    finally:
        server.close()


def test_a_command_creator_runs_in_the_folder_and_its_writes_outside_are_undone(root: Path, tmp_path: Path):
    (root / "audits").mkdir()
    (root / "audits" / "kept.json").write_text("original")
    script = tmp_path / "cli.py"
    script.write_text(
        "import pathlib, sys\n"
        "assert 'the job' in pathlib.Path(sys.argv[1]).read_text()\n"
        "pathlib.Path('tasks/new.yaml').write_text('id: new')\n"
        "root = pathlib.Path(sys.argv[2])\n"
        "(root / 'audits' / 'kept.json').write_text('forged')\n"
        "(root / 'audits' / 'new.json').write_text('forged')\n"
        "print('cwd', pathlib.Path.cwd())\n")
    with pytest.raises(ValueError, match="prompt"):
        CommandCreator("agent --run")
    box = Toolbox(Workspace(root, "notes"), RunFolder(tmp_path / "run"))
    played = CommandCreator(f"{sys.executable} {script} {{prompt}} {{root}}").round(box, "the job")
    assert played.ended.startswith("exit 0") and "(undone): audits/kept.json, audits/new.json" in played.ended
    assert (root / "audits" / "kept.json").read_text() == "original" and not (root / "audits" / "new.json").exists()
    assert (root / "envs" / "notes" / "tasks" / "new.yaml").read_text() == "id: new"
    assert f"cwd {root / 'envs' / 'notes'}" in played.summary


def test_create_run_refuses_bad_settings_before_it_starts(root: Path):
    creator = CommandCreator("true {prompt}")
    with pytest.raises(ValueError, match="reviewer"):
        create_run("notes", creator, root=root, reviewer=None)
    with pytest.raises(ValueError, match="rounds"):
        create_run("notes", creator, root=root, reviewer=None, review=False, rounds=0)
    assert cli(["create", "run", "notes", "--root", str(root)]) == 2
    assert cli(["create", "run", "notes", "--root", str(root), "--model", "openai:http://x/v1#m",
                "--command", "a {prompt}"]) == 2


def test_the_prompt_carries_rules_docs_example_memory_and_the_folder(root: Path):
    memory = Memory(root, "notes")
    memory.folder.mkdir()
    memory.software_file.write_text("- notes: use ctrl+s")
    text = build_prompt("notes", Workspace(root, "notes"), memory, "mousepad", 2)
    for part in ("Rules every task must follow", "== docs/spec-format.md ==", "== docs/adding-a-software.md ==",
                 "Worked example: mousepad.append-entry", "def append_entry(ctx: SetupContext)",
                 "- notes: use ctrl+s", "== envs/notes/env.yaml ==", "the scaffold's report", "Write 2 realistic"):
        assert part in text, part


# --- duplicates, memory, report ------------------------------------------------------------------------


def test_near_duplicates_are_caught_by_instruction_or_code(root: Path):
    add_task(root, "total", "Add the total of the expenses in expenses.txt as the last line and save the file.")
    add_task(root, "reworded", "Add the total of the expenses in expenses.txt as the final line and save the file.",
             name="x", file="b.txt", text="y")
    add_task(root, "copy", "Sort the names in people.txt alphabetically.")
    add_task(root, "other", "Replace every tab in data.tsv by a comma and save it as data.csv.", name="converted",
             file="data.csv", text="1,2")
    (root / "envs" / "notes" / "tasks" / "other.py").write_text(
        "import json\n\ndef verify(ctx):\n    rows = json.loads((ctx.home / 'data.csv').read_text())\n"
        "    ctx.check('converted', bool(rows))\n\ndef solve(ctx):\n    return []\n")
    spec = load_env(root / "envs" / "notes", root, warn=False)
    t = spec.tasks
    index = Index()  # the mechanism suite write uses across splits (audit/similarity.py)
    same = index.compare((spec, t["total"]), (spec, t["total"]))
    assert (same.ngrams, same.embedding, same.code) == (1.0, 1.0, 1.0)
    assert near_duplicate(spec, t["reworded"], [t["total"]], index).startswith(
        "near-duplicate of total: instruction n-gram similarity")
    copy = near_duplicate(spec, t["copy"], [t["total"]], index)  # same code, another instruction
    assert copy is not None and f"code similarity 1.000 >= {CODE_LIMIT}" in copy
    assert near_duplicate(spec, t["other"], [t["total"], t["copy"]], index) is None


def test_memory_keeps_statistics_and_notes_with_or_without_a_summariser(root: Path):
    class Summariser:
        def __init__(self, text: str):
            self.text, self.prompts = text, []

        def complete(self, prompt, images):
            self.prompts.append(prompt)
            return self.text

    outcome = {"run": "r1", "software": "notes", "rounds": 2, "accepted": ["a"], "rejected": {"b": "gate failed"},
               "failed_checks": ["mutation test", "mutation test", "spec lint"], "failed_items": ["instruction"],
               "fixes": [{"software": "notes", "task": "a", "check": "mutation test", "round": 2,
                          "changed": ["tasks/a.py"], "summary": "exact compare"}]}
    memory = Memory(root, "notes")
    assert memory.update(outcome, None) == "no summariser model"
    assert "rejected b: gate failed" in memory.notes() and memory.general() == ""
    bad = Summariser("not json")
    assert memory.update(outcome, bad).startswith("the summariser failed")
    assert "mutation test" in bad.prompts[0] and "rejected b" in bad.prompts[0]  # the old notes and the run
    good = Summariser(json.dumps({"general": "- compare exactly", "software": "- ctrl+s saves"}))
    assert memory.update(outcome, good) is None
    assert (memory.general(), memory.notes()) == ("- compare exactly", "- ctrl+s saves")
    stats = memory.stats()
    assert stats["runs"] == 3 and stats["checks"]["mutation test"] == {"failed": 6, "by_software": {"notes": 6}}
    text = memory.text()
    assert "- compare exactly" in text and "mutation test: 6 (here 6)" in text and "exact compare" in text
    assert Memory(root, "other").text().count("(none yet)") == 1  # the general notes are shared


def test_the_report_prices_tokens_and_refuses_a_bad_price_table(tmp_path: Path):
    run = RunFolder(tmp_path / "runs" / "notes-1")
    run.round = 1
    run.stage("create", 10.0, model="openai:http://h/v1#big", prompt_tokens=1_000_000, completion_tokens=100_000)
    run.stage("review", 2.0, model="judge", prompt_tokens=500_000, completion_tokens=0)
    run.write_json("result.json", {"software": "notes", "accepted": ["a", "b"],
                                   "rejected": {"c": "near-duplicate of a"},
                                   "tasks": {"a": {"accepted": True, "round": 1, "gate": [], "review": []},
                                             "b": {"accepted": True, "round": 3,
                                                   "gate": [{"round": 1, "failed": ["spec lint"]}], "review": []},
                                             "c": {"accepted": False, "round": 1, "gate": [], "review": []}}})
    prices = tmp_path / "prices.yaml"
    prices.write_text("big: {input: 3.0, output: 15.0}\n")
    report = summarise([tmp_path / "runs"], load_prices(prices))
    row = report["software"]["notes"]
    assert row["dollars"] == pytest.approx(3.0 + 1.5) and row["dollars_per_accepted"] == pytest.approx(2.25)
    assert row["mean_rounds_to_accept"] == 2.0 and row["failed_checks"] == {"spec lint": 1}
    assert row["rejected_as_duplicate"] == 1 and report["unpriced_models"] == ["judge"]
    assert "No price for: judge" in render(report)
    prices.write_text("big: {input: 3.0}\n")
    with pytest.raises(SpecError, match="prices.yaml: field 'big'"):
        load_prices(prices)
    assert cli(["create", "report", str(tmp_path / "runs"), "--prices", str(prices)]) == 2


def test_a_task_from_before_the_run_keeps_its_audit_history(root: Path):
    """A task first written in the run may be re-recorded under the same version; one that existed before must have
    its version bumped (its stored record is never dropped)."""
    from gym_anything.creation.loop import store_accepted
    from gym_anything.specs.audits import TaskAudit, VersionNotBumpedError, stored_audit, task_digest

    add_task(root, "t", "Save the file a.txt.")

    def passing() -> tuple:
        spec = load_env(root / "envs" / "notes", root, warn=False)
        task = spec.tasks["t"]
        return spec, task, TaskAudit(task=task.gym_id, digest=task_digest(spec, task), seeds=[1000], passed=True)

    store_accepted(*passing(), fresh=False)
    first = stored_audit(*passing()[:2])["digest"]
    add_task(root, "t", "Save the file a.txt now.")  # changed, version not bumped
    with pytest.raises(VersionNotBumpedError):
        store_accepted(*passing(), fresh=False)
    assert stored_audit(*passing()[:2])["digest"] == first
    store_accepted(*passing(), fresh=True)  # written in this run: re-recorded
    assert stored_audit(*passing()[:2])["digest"] != first


def test_a_failing_creator_endpoint_ends_the_run_with_its_record(root: Path, tmp_path: Path):
    creator = ChatCreator(ChatClient("http://127.0.0.1:9/v1", "m", timeout=2))
    result = create_run("notes", creator, root=root, reviewer=None, review=False, rounds=3, runs_dir=tmp_path,
                        log=lambda _: None)
    assert result.rounds == 1 and result.stopped.startswith("the creator failed in round 1: error: the model endpoint")
    record = json.loads((result.run / "result.json").read_text())
    assert record["stopped"] == result.stopped and record["accepted"] == []
    assert "error: the model endpoint" in read_jsonl(result.run / "stages.jsonl")[1]["ended"]
    assert Memory(root, "notes").stats()["runs"] == 1  # the memory still counts the run
