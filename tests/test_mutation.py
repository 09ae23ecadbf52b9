"""Audit gate v2 without apps: mutants of a plan, outputs and their equivalence, the verifier's traced reads, the
digest over imported helper modules, the labelled set and its report on the fake runner."""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

from gym_anything import actions as A
from gym_anything.audit import TaskAudit, is_audited, store, task_digest
from gym_anything.audit.gate import mutant_outcome
from gym_anything.audit.labelled import load_labelled, pack, unpack, verifier_report
from gym_anything.audit.mutants import mutants
from gym_anything.audit.outputs import equivalent, file_view, verifier_reads, volatile_lines
from gym_anything.authoring import VerifyContext
from gym_anything.specs import load_env
from gym_anything.specs.audits import imported_files, labelled_path
from gym_anything.specs.model import Ref
from gym_anything.verification.verifier import run_verifier

FAKEPAD = Path(__file__).parent / "fixtures" / "runs_root"


def plan(*actions: dict) -> list[dict]:
    return [A.validate(a, 1280, 800) for a in actions]


SHEET_PLAN = plan(A.hotkey("ctrl", "home"), A.press("down"), A.type("Total\t"), A.type("=SUM(B2:B9)\n"),
                  A.type("Net -12.50\n"), A.hotkey("ctrl", "s"), A.done())


def test_every_operator_builds_a_mutant_and_the_choice_is_seeded():
    built, skipped = mutants(SHEET_PLAN, np.random.default_rng(7))
    names = [m.name for m in built]
    assert names[0] == "drop the final save" and not skipped
    for name in ("stop at 25%", "stop at 50%", "stop at 75%", "change a digit", "change a letter", "change a sign",
                 "drop a typed value", "type a value twice", "swap two typed values"):
        assert name in names, (name, names)
    body = [A.to_json(a) for a in SHEET_PLAN[:-1]]
    assert all([A.to_json(a) for a in m.actions] != body for m in built)  # none is the oracle itself
    assert len({json.dumps([A.to_json(a) for a in m.actions]) for m in built}) == len(built)  # no duplicates
    save = next(m for m in built if m.name == "drop the final save")
    assert not any(a["type"] is A.ActionType.HOTKEY and tuple(a["keys"]) == ("ctrl", "s") for a in save.actions)
    sign = next(m for m in built if m.name == "change a sign")
    assert "Net 12.50" in sign.detail or "-" in sign.detail
    again, _ = mutants(SHEET_PLAN, np.random.default_rng(7))
    assert [m.detail for m in again] == [m.detail for m in built]
    for mutant in built:
        if mutant.name.startswith("change a "):
            old, new = mutant.detail.split(": ", 1)[1].split(" -> ")
            assert old != new and abs(len(old) - len(new)) <= 1


def test_operators_that_do_not_apply_are_named():
    built, skipped = mutants(plan(A.click(10, 10), A.press("down"), A.done()), np.random.default_rng(0))
    assert [m.name for m in built] == ["stop at 25%"]  # 50% keeps the same 1 action; 75%/90% keep both
    assert any(s.startswith("drop the final save") for s in skipped)
    assert any(s.startswith("change a digit") for s in skipped)
    assert any(s.startswith("swap two typed values") for s in skipped)


def test_a_failing_mutant_is_killed_even_when_its_outputs_look_like_the_oracles():
    """Gourmand writes a save time into a deleted recipe's row: the row is volatile, the deleted flag in it too."""
    assert mutant_outcome(passed=False, same_outputs=True) == "killed"
    assert mutant_outcome(passed=False, same_outputs=False) == "killed"
    assert mutant_outcome(passed=True, same_outputs=True) == "equivalent"
    assert mutant_outcome(passed=True, same_outputs=False) == "survived"


def test_an_sqlite_view_includes_what_the_write_ahead_log_holds(tmp_path):
    """QGIS keeps a GeoPackage in WAL mode: a row still in the -wal file is part of the outputs."""
    db = sqlite3.connect(tmp_path / "a.gpkg")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE t (v INTEGER)")
    db.commit()
    db.execute("INSERT INTO t VALUES (7)")
    db.commit()
    assert (tmp_path / "a.gpkg-wal").stat().st_size > 0
    assert 'INSERT INTO "t" VALUES(7);' in file_view(tmp_path / "a.gpkg")
    db.close()


def test_an_mbox_is_its_messages_in_content_order(tmp_path):
    """Two messages deleted in the other order leave the same Trash; a different message does not."""
    first = "From - Wed Dec  2 10:00:01 2026\nSubject: A\n\nbody a\nFrom the desk\n\n"
    second = "From - Wed Dec  2 10:00:02 2026\nSubject: B\n\nbody b\n\n"
    (tmp_path / "one").write_text(first + second)
    (tmp_path / "two").write_text(second.replace(":02", ":09") + first)
    (tmp_path / "three").write_text(first + second.replace("body b", "body c"))
    one, two = file_view(tmp_path / "one"), file_view(tmp_path / "two")
    assert one is not None and two is not None and len(one) == len(two)
    assert [line for line in one if not line.startswith("From -")] == [
        line for line in two if not line.startswith("From -")]
    assert "From the desk" in one  # a body line starting with "From" does not split a message
    assert file_view(tmp_path / "three") != one


def test_an_spss_file_saved_a_second_later_is_the_same_file(tmp_path):
    """A .sav header's creation date and time do not count; its data do."""
    def sav(stamp: bytes, body: bytes) -> bytes:
        header = b"$FL2" + b"@(#) SPSS DATA FILE GNU pspp".ljust(60) + bytes(28)
        return header + stamp + b"label".ljust(64) + bytes(3) + body

    (tmp_path / "a.sav").write_bytes(sav(b"02 Dec 2613:01:07", b"\x01data"))
    (tmp_path / "b.sav").write_bytes(sav(b"02 Dec 2613:01:09", b"\x01data"))
    (tmp_path / "c.sav").write_bytes(sav(b"02 Dec 2613:01:07", b"\x01date"))
    assert file_view(tmp_path / "a.sav") == file_view(tmp_path / "b.sav") != file_view(tmp_path / "c.sav")


def test_file_views_unpack_gzip_dump_sqlite_and_mark_missing(tmp_path):
    (tmp_path / "a.txt").write_text("one\ntwo\n")
    (tmp_path / "b.gz").write_bytes(gzip.compress(b"<x>1</x>\n<y/>"))
    db = sqlite3.connect(tmp_path / "c.db")
    db.execute("CREATE TABLE t (v INTEGER)")
    db.execute("INSERT INTO t VALUES (42)")
    db.commit()
    db.close()
    (tmp_path / "d.bin").write_bytes(b"\xff\xfe\x00binary")
    assert file_view(tmp_path / "a.txt") == ["one", "two"]
    assert file_view(tmp_path / "b.gz") == ["<x>1</x>", "<y/>"]
    assert 'INSERT INTO "t" VALUES(42);' in file_view(tmp_path / "c.db")
    assert file_view(tmp_path / "d.bin")[0].startswith("binary sha256:")
    assert file_view(tmp_path / "missing") is None


def test_zip_archives_are_viewed_member_by_member_with_one_xml_element_per_line(tmp_path):
    """An .ods saved twice differs in its meta.xml date and its zip dates, which do not count, so a mutant that
    changed a cell in content.xml is not equivalent (a hash of the whole archive made every mutant so)."""
    def ods(path, cell: str, date: str) -> list[str] | None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            archive.writestr("content.xml", f"<doc><row><cell>{cell}</cell></row><row/></doc>")
            archive.writestr("meta.xml", f"<meta><date>{date}</date></meta>")
        return file_view(path)

    first, again = ods(tmp_path / "a.ods", "42", "10:00"), ods(tmp_path / "b.ods", "42", "10:01")
    assert first is not None and "== content.xml" in first and "<cell>42</cell>" in first
    assert "== meta.xml" not in first and first == again  # metadata (the save time) is left out
    mask = volatile_lines({"f": first}, {"f": again})
    assert not equivalent({"f": first}, {"f": ods(tmp_path / "c.ods", "43", "10:02")}, mask)
    assert equivalent({"f": first}, {"f": ods(tmp_path / "d.ods", "42", "10:03")}, mask)
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04\xff\xfe not really a zip")
    assert file_view(tmp_path / "broken.zip")[0].startswith("binary sha256:")


def test_equivalence_ignores_the_oracles_own_volatile_lines_and_nothing_else():
    oracle = {"book": ["<date>10:00</date>", "<cell>42</cell>"]}
    again = {"book": ["<date>10:05</date>", "<cell>42</cell>"]}
    volatile = volatile_lines(oracle, again)
    assert volatile == {"book": {0}}
    assert equivalent(oracle, {"book": ["<date>11:00</date>", "<cell>42</cell>"]}, volatile)
    assert not equivalent(oracle, {"book": ["<date>10:00</date>", "<cell>43</cell>"]}, volatile)
    assert not equivalent(oracle, {"book": None}, volatile)
    assert not equivalent(oracle, {"book": oracle["book"] + ["extra"]}, volatile)
    assert not equivalent(oracle, {"other": oracle["book"]}, volatile)
    unstable = volatile_lines(oracle, {"book": ["one line"]})
    assert not equivalent(oracle, {"book": ["<date>1</date>", "<cell>42</cell>"]}, unstable)


def test_the_verifiers_reads_are_traced_in_its_thread_only(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    for name in ("read.txt", "not-read.txt", "by-program.txt"):
        (home / name).write_text(name)
    sqlite3.connect(home / "data.db").close()
    module = tmp_path / "tracedverifier.py"
    module.write_text(
        "import sqlite3, subprocess\n"
        "def verify(ctx):\n"
        "    (ctx.home / 'read.txt').read_text()\n"
        "    subprocess.run(['cat', str(ctx.home / 'by-program.txt')], capture_output=True, check=True)\n"
        "    sqlite3.connect(ctx.home / 'data.db').close()\n"
        "    ctx.check('ran', True)\n")
    ctx = VerifyContext(params={}, public={}, private={}, home=home, private_dir=tmp_path)
    with verifier_reads(home) as read:
        (home / "not-read.txt").read_text()  # the audit's own reads do not count
        threading.Thread(target=lambda: (home / "not-read.txt").read_text()).start()
        result = run_verifier(Ref(tmp_path, "tracedverifier.py", "verify"), ctx)
    assert result.passed, result
    assert read == {"read.txt", "by-program.txt", "data.db"}


def _copy_fakepad(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "root"
    shutil.copytree(FAKEPAD, root, ignore=shutil.ignore_patterns("__pycache__", "audits"))
    return root, root / "envs" / "fakepad"


def test_helper_modules_the_task_code_imports_are_loaded_and_part_of_the_digest(tmp_path):
    """Breaking a helper the verifier imports makes its stored audit stale (it stayed 'current' before)."""
    root, folder = _copy_fakepad(tmp_path)
    verifier = next(folder.glob("verifier.py"), None) or next((root / "verifiers").glob("*.py"))
    (verifier.parent / "shared_rules.py").write_text("LIMIT = 3\n")
    verifier.write_text(verifier.read_text() + "\nfrom . import shared_rules  # noqa: E402\n"
                        "from .shared_rules import LIMIT  # noqa: E402\n")
    env = load_env(folder, root, warn=False)
    task = next(iter(env.tasks.values()))
    assert "root/" + (verifier.parent / "shared_rules.py").relative_to(root).as_posix() in imported_files(env, task)
    assert "gym_anything/authoring/__init__.py" in imported_files(env, task)
    from gym_anything.specs.loader import load_function
    assert load_function(task.verifier).__module__.endswith(verifier.stem)  # the relative import resolved
    audit = TaskAudit(task=task.gym_id, digest=task_digest(env, task), seeds=[1000], passed=True)
    store(env, task, audit)
    assert is_audited(env, task)
    (verifier.parent / "shared_rules.py").write_text("LIMIT = 30\n")
    assert task_digest(env, task) != audit.digest and not is_audited(env, task)


def test_labelled_set_is_stored_and_the_report_reruns_the_current_verifier(tmp_path):
    """A labelled set recorded on the fake runner: the report re-verifies the stored files; a verifier edited to
    pass everything shows up as false positives, one that fails everything as false negatives."""
    root, folder = _copy_fakepad(tmp_path)
    env = load_env(folder, root, warn=False)
    task = next(t for t in env.tasks.values())
    from gym_anything.audit.gate import run_episode
    from gym_anything.core.env import GymAnythingEnv

    live = GymAnythingEnv(env, task.id, runner="fake", audit=False)
    try:
        oracle = run_episode(live, "seed 1000: oracle", 1000, live.oracle_actions, "pass")
        noop = run_episode(live, "seed 1000: no-op", 1000, [], "fail")
    finally:
        live.close()
    assert oracle.passed and not noop.passed and oracle.files and oracle.files != noop.files
    blobs: dict[str, str] = {}
    audit = TaskAudit(task=task.gym_id, digest=task_digest(env, task), seeds=[1000], passed=True,
                      labelled={"trajectories": [oracle.record(blobs), noop.record(blobs)], "blobs": blobs})
    store(env, task, audit)
    assert labelled_path(env, task, task.version).is_file() and load_labelled(env, task)["digest"] == audit.digest
    report = verifier_report(env, task)
    assert report is not None and (report.positives, report.negatives) == (1, 1)
    assert not report.false_positives and not report.false_negatives and not report.stale

    verifier = task.verifier.file
    verifier.write_text(verifier.read_text().replace(f"def {task.verifier.function}(ctx",
                                                     f"def {task.verifier.function}(ctx, _=None):\n"
                                                     "    ctx.check('anything', True)\n\n\ndef _old(ctx"))
    env = load_env(folder, root, warn=False)
    task = env.tasks[task.id]
    report = verifier_report(env, task)
    assert report.stale and report.false_positives == ["seed 1000: no-op"] and report.false_positive_rate == 1.0


def test_packed_outputs_round_trip_and_are_stored_once():
    blobs: dict[str, str] = {}
    first = pack(b"same bytes", blobs)
    assert pack(b"same bytes", blobs) == first and len(blobs) == 1 and pack(None, blobs) is None
    assert unpack(first, blobs) == b"same bytes"


def test_audit_report_command_prints_rates(tmp_path):
    """``gym-anything audit --report`` on a software with no labelled sets says so and exits non-zero."""
    root, _ = _copy_fakepad(tmp_path)
    out = subprocess.run([sys.executable, "-m", "gym_anything.cli", "audit", "--report", "--env", "fakepad"],
                         capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "GYM_ANYTHING_PATH": str(root)})
    assert "no labelled set" in out.stdout and out.returncode == 1, out.stdout + out.stderr


@pytest.mark.parametrize("text", ["=SUM(B2:B9)\n", "Net -12.50\n"])
def test_typed_values_keep_the_charset(text):
    built, _ = mutants(plan(A.type(text), A.type("x1"), A.hotkey("ctrl", "s")), np.random.default_rng(3))
    for mutant in built:
        for action in mutant.actions:
            A.validate(A.from_json(A.to_json(action)), 1280, 800)  # every mutant is a valid plan


def test_a_judge_is_measured_on_the_labelled_set_through_a_real_http_server(tmp_path):
    """judge_report: each labelled trajectory replayed (fake runner here), its frames sent to a model over HTTP; a
    judge that passes everything has only false positives, an unusable answer fails closed."""
    from gym_anything.audit.gate import run_episode
    from gym_anything.audit.labelled import judge_report
    from gym_anything.core.env import GymAnythingEnv
    from gym_anything.models.server import ModelServer

    root, folder = _copy_fakepad(tmp_path)
    env = load_env(folder, root, warn=False)
    task = next(iter(env.tasks.values()))
    live = GymAnythingEnv(env, task.id, runner="fake", audit=False)
    try:
        runs = [run_episode(live, "oracle", 1000, live.oracle_actions, "pass"),
                run_episode(live, "no-op", 1000, [], "fail"), run_episode(live, "no-op 2", 1001, [], "fail")]
    finally:
        live.close()
    blobs: dict[str, str] = {}
    store(env, task, TaskAudit(task=task.gym_id, digest=task_digest(env, task), seeds=[1000, 1001], passed=True,
                               labelled={"trajectories": [r.record(blobs) for r in runs], "blobs": blobs}))

    class Model:
        def __init__(self, reply: str) -> None:
            self.reply, self.images = reply, []

        def complete(self, prompt: str, images) -> str:
            assert "the task was carried out completely" in prompt and "Add the line" in prompt
            self.images.append(len(images))
            return self.reply

    def judged(model: Model, name: str):
        server = ModelServer(model, model_name=name).start()
        try:
            return judge_report(env, task, f"openai:{server.base_url}#{name}", runner="fake")
        finally:
            server.stop()

    yes = Model('{"items": [{"id": "done", "verdict": "pass", "evidence": "looks done"}]}')
    report = judged(yes, "yes")
    assert report.judged_by == "yes" and (report.positives, report.negatives) == (1, 2)
    assert report.false_positives == ["no-op", "no-op 2"] and not report.false_negatives
    assert yes.images and all(n >= 2 for n in yes.images)  # frames of each replay reached the server
    report = judged(Model("I think it is fine"), "garbage")
    assert report.false_negatives == ["oracle"] and not report.false_positives and len(report.errors) == 3
