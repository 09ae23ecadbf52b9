"""gym-anything export-harbor: the folders hold the env's own instance, oracle and verifier; nothing privileged is
readable by the agent; Harbor's own loader and linter accept them (slow: its venv); one task runs end to end in
a real container through the steps Harbor's Docker environment takes (slow, app)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from gym_anything import GymAnythingEnv
from gym_anything import actions as A
from gym_anything.benchmark.suites import SuiteError
from gym_anything.cli import main as cli
from gym_anything.integrations import harbor
from gym_anything.integrations.harbor_container import decode, parse_actions

ROOT = Path(__file__).resolve().parents[1]
DEMO = ("gnumeric.sum-column", "mousepad.replace-name", "sqlitebrowser.add-product")


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("harbor") / "demo"
    folders = harbor.export_suite("demo", out, build=False)
    assert sorted(f.name for f in folders) == [f"{name}-seed-0" for name in DEMO]
    return out


def test_folders_have_harbors_layout(exported):
    for name in DEMO:
        folder = exported / f"{name}-seed-0"
        for rel in ("instruction.md", "task.toml", "environment/Dockerfile", "environment/app.json",
                    "tests/test.sh", "tests/instance.json", "solution/solve.sh", "solution/oracle.jsonl"):
            assert (folder / rel).is_file(), rel
        software = name.split(".")[0]
        assert (folder / "tests" / "envs" / software / "verifier.py").is_file()
        assert (folder / "environment" / "Dockerfile").read_text().startswith(
            f"FROM localhost/gym-anything-harbor-{software}:")
        assert os.access(folder / "tests" / "test.sh", os.X_OK) and os.access(folder / "solution" / "solve.sh",
                                                                                os.X_OK)


def test_each_folder_is_the_envs_own_instance_and_oracle(exported):
    """The instance (seed, privileged values) and the oracle plan are what env.reset(seed) draws for the task."""
    for name in DEMO:
        software, task = name.split(".")
        env = GymAnythingEnv(software, runner="fake", audit=False)
        try:
            _, info = env.reset(seed=0, options={"task": task})
            folder = exported / f"{name}-seed-0"
            instance = decode(json.loads((folder / "tests" / "instance.json").read_text()))
            assert instance["instance_seed"] == info["instance_seed"]
            assert instance["private"] == env.privileged()  # tuples stay tuples
            assert info["instruction"].strip() in (folder / "instruction.md").read_text()
            oracle = [json.loads(line) for line in (folder / "solution" / "oracle.jsonl").read_text().splitlines()]
            assert oracle == [A.to_json(A.validate(step, env.width, env.height)) for step in env.oracle_actions()]
            # the container's parser takes every line back to the same actions
            assert parse_actions([json.dumps(o) for o in oracle], env.width, env.height) == [
                A.validate(step, env.width, env.height) for step in env.oracle_actions()]
            # HOME as the setup wrote it: the file the app opens is there
            assert (folder / "environment" / "home" / instance["params"]["file"]).is_file()
        finally:
            env.close()


def test_nothing_privileged_is_readable_by_the_agent(exported):
    for name in DEMO:
        folder = exported / f"{name}-seed-0"
        instance = decode(json.loads((folder / "tests" / "instance.json").read_text()))
        readable = harbor._agent_readable(folder)
        assert set(readable) >= {"instruction.md", "task.toml", "environment/Dockerfile", "environment/app.json"}
        # by the audit's rule (values the instruction itself names are the task, not a leak)
        from gym_anything.audit.probes import leaked_values
        instruction = instance_and_instruction(folder)
        for file, text in readable.items():
            assert leaked_values(instance["private"], (), text, instruction) == [], file
        # the image gets no task code and no privileged file
        env_files = {p.name for p in (folder / "environment").rglob("*")}
        assert not env_files & {"setup.py", "oracle.py", "verifier.py", "instance.json", "oracle.jsonl"}
        # tests/ is root-only (kept by Harbor's copy): a process the agent (uid 1000) left cannot read it
        for path in [folder / "tests", *(folder / "tests").rglob("*")]:
            assert path.stat().st_mode & 0o077 == 0, path


def instance_and_instruction(folder: Path) -> str:
    text = (folder / "instruction.md").read_text()
    return text.split("\n\n", 1)[1].split("\n## How to work", 1)[0]


def test_the_verifier_in_tests_scores_the_saved_files(exported, tmp_path):
    """ga verify (what test.sh runs) is our verifier on HOME with tests/' values: untouched 0, the right file 1."""
    from gym_anything.integrations.harbor_container import verify

    folder = exported / "mousepad.replace-name-seed-0"
    home = tmp_path / "home"
    shutil.copytree(folder / "environment" / "home", home)
    assert verify(folder / "tests", home=home, logs=tmp_path / "logs") == 0.0
    assert (tmp_path / "logs" / "reward.txt").read_text() == "0.0\n"
    instance = decode(json.loads((folder / "tests" / "instance.json").read_text()))
    (home / instance["params"]["file"]).write_text(instance["private"]["expected"])
    assert verify(folder / "tests", home=home, logs=tmp_path / "logs") == 1.0
    details = json.loads((tmp_path / "logs" / "verifier.json").read_text())
    assert details["passed"] and len(details["items"]) == 4


def test_the_leak_check_finds_a_privileged_value(exported):
    from gym_anything.core.episodes import new_instance
    from gym_anything.specs.registry import software_spec

    software = software_spec("gnumeric")
    task = software.tasks["sum-column"]
    inst = new_instance(harbor._Folders(exported.parent), software, task, harbor.instance_seed(task, 0))
    total = inst.private["expected_total"]
    assert str(total) not in inst.instruction
    assert harbor.leaks_in(inst, {"environment/notes.txt": f"the total is {total} here"}) == [
        f"environment/notes.txt: expected_total={str(total)!r}"]
    assert harbor.leaks_in(inst, {"instruction.md": inst.instruction}) == []


def test_values_round_trip_and_bad_values_are_named():
    value = {"records": [("A-1", "Ann", 2.5)], "n": 3, "nested": {"t": (1, (2, 3))}, "none": None}
    assert decode(json.loads(json.dumps(harbor.encode(value)))) == value
    with pytest.raises(harbor.HarborExportError, match="type set"):
        harbor.encode({"bad": {1, 2}})


def test_bad_input_is_refused_clearly(tmp_path, capsys):
    with pytest.raises(SuiteError, match="no suite named 'nope'"):
        harbor.export_suite("nope", tmp_path / "x", build=False)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "f").write_text("x")
    with pytest.raises(harbor.HarborExportError, match="must be a new or empty folder"):
        harbor.export_suite("demo", tmp_path / "full", build=False)
    with pytest.raises(SuiteError, match="no task"):
        harbor.export_suite("demo", tmp_path / "y", build=False, tasks=["mousepad.nope"])
    assert cli(["export-harbor", "nope", "--out", str(tmp_path / "z"), "--no-build"]) == 2
    assert "no suite named 'nope'" in capsys.readouterr().err
    assert cli(["export-harbor", "demo", "--out", str(tmp_path / "one"), "--no-build",
                          "--task", "mousepad.replace-name"]) == 0
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["mousepad.replace-name-seed-0"]
    with pytest.raises(harbor.HarborExportError, match="agent_network must be one of"):
        harbor.export_suite("demo", tmp_path / "w", build=False, agent_network="lan")
    assert harbor.export_suite("demo", tmp_path / "pub", build=False, tasks=["mousepad.replace-name"],
                               agent_network="public")
    toml = (tmp_path / "pub" / "mousepad.replace-name-seed-0" / "task.toml").read_text()
    assert 'user = "agent"\nnetwork_mode = "public"' in toml and toml.count('network_mode = "no-network"') == 2
    with pytest.raises(A.ActionError, match="action 1 is not JSON"):
        parse_actions(["{nope"], 1280, 720)
    with pytest.raises(A.ActionError):
        parse_actions(['{"type": "click", "x": 5000, "y": 1}'], 1280, 720)


@pytest.mark.slow
def test_harbors_loader_and_linter_accept_the_folders(exported):
    """Harbor 0.26.0's Task loader and `harbor lint` rules, from its own venv (scripts/setup-harbor.sh)."""
    subprocess.run(["bash", str(ROOT / "scripts" / "setup-harbor.sh")], check=True, timeout=1800)
    folders = [str(exported / f"{name}-seed-0") for name in DEMO]
    done = subprocess.run([str(ROOT / ".venv-harbor" / "bin" / "python"), str(ROOT / "tests" / "harbor_check.py"),
                           *folders], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(reports) == 3
    for report in reports:
        folder = Path(report["folder"])
        assert report["instruction"] == (folder / "instruction.md").read_text()
        assert report["network_mode"] == "no-network" and report["agent_user"] == "agent"
        assert report["agent_network"] == "no-network" and report["verifier_network"] == "no-network"
        assert report["verifier_user"] == "root" and report["dockerfile"]
        assert report["test"] == str(folder / "tests" / "test.sh")
        assert report["solve"] == str(folder / "solution" / "solve.sh")
        # The two findings we accept (docs/exports.md): the FROM names our locally built image by its content tag,
        # not a registry digest; the verifier shares the agent's container (it needs the app's saved files).
        assert {f["rule"] for f in report["findings"]} == {"unpinned-image", "shared-verifier"}, report["findings"]


# --- end to end in a real container --------------------------------------------------------------


def _put_dir(container, source: Path, target: str) -> None:
    """What Harbor's upload_dir does (docker compose cp SOURCE/. main:TARGET): files owned by root, modes kept."""
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        for path in sorted(source.rglob("*")):
            info = tar.gettarinfo(str(path), arcname=str(path.relative_to(source)))
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if path.is_file():
                with open(path, "rb") as data:
                    tar.addfile(info, data)
            else:
                tar.addfile(info)
    archive.seek(0)
    assert container.exec_run(["mkdir", "-p", target], user="root").exit_code == 0
    assert container.put_archive(target, archive.getvalue())


def _trial(client, image: str, folder: Path, solve: bool) -> tuple[float, dict, dict]:
    """One Harbor trial of the folder: start as compose does, wait for the healthcheck, (oracle), verify."""
    container = client.containers.run(image, ["sh", "-c", "sleep infinity"], detach=True, network_mode="none",
                                      labels={"gym-anything": "harbor-test",
                                              "gym-anything.owner-pid": str(os.getpid())})
    facts: dict = {}
    try:
        deadline = time.monotonic() + 90
        while container.exec_run(["sh", "-c", "test -e /tmp/gym-anything/ready"]).exit_code != 0:
            assert time.monotonic() < deadline, container.exec_run(["cat", "/tmp/gym-anything/start.log"]).output
            time.sleep(1)
        # the agent's side: the screen, and no privileged file anywhere it can look
        shot = container.exec_run(["ga", "screenshot", "/tmp/gym-anything/agent.png"], user="agent")
        assert shot.exit_code == 0, shot.output
        facts["screenshot"] = container.exec_run(["python3", "-c", "from PIL import Image; print(Image.open("
                                                  "'/tmp/gym-anything/agent.png').size)"]).output.decode().strip()
        facts["tests_before"] = container.exec_run(["sh", "-c", "ls /tests /solution 2>&1"]).output.decode()
        facts["task_code_in_image"] = container.exec_run(
            ["sh", "-c", "find / -xdev \\( -name setup.py -o -name oracle.py -o -name instance.json \\) "
                         "-path '*envs*' 2>/dev/null | head -5"]).output.decode()
        if solve:  # Harbor's oracle agent: solution/ copied in, solve.sh run as the agent user
            _put_dir(container, folder / "solution", "/solution")
            run = container.exec_run(["bash", "/solution/solve.sh"], user="agent")
            facts["solve"] = run.output.decode()
            assert run.exit_code == 0, facts["solve"]
        _put_dir(container, folder / "tests", "/tests")
        facts["agent_reads_tests"] = container.exec_run(["cat", "/tests/instance.json"], user="agent").exit_code
        test = container.exec_run(["bash", "/tests/test.sh"], user="root")
        facts["test"] = test.output.decode()
        reward = float(container.exec_run(["cat", "/logs/verifier/reward.txt"]).output.decode())
        details = json.loads(container.exec_run(["cat", "/logs/verifier/verifier.json"]).output.decode())
        left = "find /proc -maxdepth 1 -user agent -regex '/proc/[0-9]+' | wc -l"
        facts["agent_left"] = container.exec_run(["sh", "-c", left]).output.decode().strip()
        return reward, details, facts
    finally:
        container.remove(force=True)


@pytest.mark.app
@pytest.mark.slow
@pytest.mark.parametrize("name", DEMO)
def test_a_task_runs_end_to_end_in_its_container(tmp_path, name):
    """Build the task image (Docker API: podman here), then as Harbor does: solve.sh (our oracle) then test.sh
    (our verifier) -> reward 1; without solve.sh -> 0; the agent sees the screen but never the privileged data."""
    from gym_anything.runtime import docker as docker_runtime

    client = docker_runtime.connect()
    folders = harbor.export_suite("demo", tmp_path / "out", build=True, tasks=[name], client=client)
    folder = folders[0]
    tag = f"localhost/gym-anything-harbor-test-{name.replace('.', '-')}:{os.getpid()}"  # rmi -f kills its users
    client.images.build(path=str(folder / "environment"), tag=tag, rm=True, network_mode="none")
    try:
        solved, details, facts = _trial(client, tag, folder, solve=True)
        print(json.dumps({"details": details, "facts": facts}, indent=1))
        assert solved == 1.0, (details, facts)
        assert details["passed"] and all(item["passed"] for item in details["items"])
        assert facts["screenshot"] == "(1280, 720)"
        assert "No such file" in facts["tests_before"] and facts["task_code_in_image"] == ""
        assert facts["agent_reads_tests"] != 0 and facts["agent_left"] == "0"
        untouched, details, facts = _trial(client, tag, folder, solve=False)
        assert untouched == 0.0 and not details["passed"], details
    finally:
        client.images.remove(tag, force=True)
