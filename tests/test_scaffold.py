"""``gym-anything create scaffold``: the .desktop parsing, HOME capture and settings merge (fast), and real Debian
apps outside the registry scaffolded end to end (``app``: one per toolkit, two with a first-run dialog)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import yaml
from PIL import Image

from gym_anything.cli.main import main
from gym_anything.creation import scaffold as sc
from gym_anything.runtime.guardian import guardian
from gym_anything.runtime.local import LocalRunner
from gym_anything.runtime.programs import SCAFFOLD_TEST_APPS
from gym_anything.runtime.sandbox import SANDBOX_HOME
from gym_anything.specs.loader import load_env
from gym_anything.specs.paths import hidden_from_apps

# --- fast: pure functions -----------------------------------------------------------------------


def test_desktop_entry_exec_loses_its_field_codes():
    text = """# comment
[Desktop Entry]
Type=Application
Name=LibreCAD
Name[de]=LibreCAD (de)
Exec=env "QT_X=1 2" librecad %F --fast %u 100%%
StartupWMClass=librecad
MimeType=image/vnd.dxf;application/x-dxf;
[Desktop Action New]
Exec=librecad --new
Name=New
"""
    entry = sc.parse_desktop(text, "/usr/share/applications/librecad.desktop")
    assert entry is not None
    assert entry.exec == ("env", "QT_X=1 2", "librecad", "--fast", "100%")
    assert entry.name == "LibreCAD" and entry.wm_class == "librecad"
    assert entry.mime_types == ("image/vnd.dxf", "application/x-dxf")
    assert not entry.no_display and not entry.terminal


def test_desktop_entries_that_are_not_applications_are_none():
    assert sc.parse_desktop("[Desktop Entry]\nType=Link\nURL=http://x\nExec=x\n") is None
    assert sc.parse_desktop("[Desktop Entry]\nName=No command\n") is None
    assert sc.parse_desktop("[Desktop Entry]\nExec=%U\n") is None
    hidden = sc.parse_desktop("[Desktop Entry]\nExec=helper %f\nNoDisplay=true\nTerminal=1\n")
    assert hidden is not None and hidden.exec == ("helper",) and hidden.no_display and hidden.terminal


def test_host_paths_are_rewritten_longest_first():
    mapping = {"/tmp/x/homes/ab12": SANDBOX_HOME, "/tmp/x": "/nowhere"}
    assert sc.rewrite_paths("a=/tmp/x/homes/ab12/doc.txt b=/tmp/x/y", mapping) == \
        f"a={SANDBOX_HOME}/doc.txt b=/nowhere/y"


def test_capture_home_drops_caches_and_rewrites_paths(tmp_path):
    home, dest = tmp_path / "home", tmp_path / "template"
    (home / ".config" / "app").mkdir(parents=True)
    (home / ".cache" / "app").mkdir(parents=True)
    (home / ".local" / "share").mkdir(parents=True)
    (home / ".config" / "app" / "app.conf").write_text(f"[Paths]\nlast={home}/work\n")
    (home / ".config" / "app" / "blob.bin").write_bytes(b"\xff\xfe\x00")
    (home / ".config" / "app" / "app.lock").write_text("1")
    (home / ".cache" / "app" / "cached").write_text("x")
    (home / ".local" / "share" / "recently-used.xbel").write_text("<xbel/>")
    report = sc.capture_home(home, dest, {str(home): SANDBOX_HOME})
    assert (dest / ".config" / "app" / "app.conf").read_text() == f"[Paths]\nlast={SANDBOX_HOME}/work\n"
    assert report["rewritten"] == [".config/app/app.conf"] and report["binary"] == [".config/app/blob.bin"]
    assert sorted(report["dropped"]) == [".cache/app/cached", ".config/app/app.lock",
                                         ".local/share/recently-used.xbel"]
    assert not (dest / ".cache").exists()


def test_ini_settings_merge_into_what_the_app_wrote():
    wrote = "[General]\nVersion=562\nShowWelcome=true\n\n[Other]\nx=1\n"
    merged = sc.merge_ini(wrote, {"General": {"ShowWelcome": "false", "New": True}, "Startup": {"FirstLoad": 0}})
    assert merged == ("[General]\nVersion=562\nShowWelcome=false\nNew=true\n\n[Other]\nx=1\n\n"
                      "[Startup]\nFirstLoad=0\n")
    assert sc.merge_ini("", {"Settings": {"gtk-cursor-blink": "false"}}) == "[Settings]\ngtk-cursor-blink=false\n"


def test_the_known_settings_table_is_well_formed():
    data = yaml.safe_load(sc.FIRST_RUN_FILE.read_text())
    assert set(data) == {"toolkits", "packages"}
    assert set(data["toolkits"]) <= set(sc.TOOLKIT_LIBS)
    for entry in [*data["toolkits"].values(), *data["packages"].values()]:
        assert entry["source"] and entry["files"], entry
        for relative, how in entry["files"].items():
            assert not relative.startswith("/") and ".." not in relative.split("/")
            assert set(how) in ({"ini"}, {"text"}), how
    assert [e["source"] for e in sc.known_settings("librecad", ["qt5"])] == [data["packages"]["librecad"]["source"]]
    assert len(sc.known_settings("homebank", ["gtk3"])) == 2


def test_windows_ready_regex_and_soc_groups():
    windows = [{"class": ["homebank", "Homebank"], "title": "HomeBank"},
               {"class": ["homebank", "Homebank"], "title": "Welcome to HomeBank"}]
    main_window = sc.main_window(windows, None, "homebank")
    assert main_window is windows[0] and sc.extra_windows(windows, main_window) == [windows[1]]
    assert sc.extra_windows([{"class": ["a", "A"], "title": "Tip of the Day"}], None) != []
    assert sc.DIALOG_TITLE.search("Setup Wizard") and not sc.DIALOG_TITLE.search("Multiple files - Updated")
    assert sc.window_class(["xcircuit", "Toplevel"], None, "xcircuit") == "xcircuit"
    assert sc.window_class(["galculator", "Galculator"], None, "galculator") == "Galculator"
    assert sc.ready_regex("galculator", "Galculator") == "galculator"
    assert sc.ready_regex("untitled.xhb - HomeBank", "HomeBank") == "HomeBank"
    assert sc.ready_regex("Main (1)", "Other") is None  # the document's name, not the app's: class only
    from gym_anything.selection import load_catalog, load_occupations

    librecad = load_catalog(load_occupations())["librecad"]
    assert sc.soc_groups("librecad") == (list(librecad.groups), librecad.rationale)  # the catalog first
    assert sc.soc_groups("abiword")[0] == ["43-0000", "27-0000"]  # not in the catalog: the survey's list
    catalog_packages = {e.packages[0] for e in load_catalog(load_occupations()) if len(e.packages) == 1}
    with sc.SOC_FILE.open(encoding="utf-8") as f:
        listed = {line.split(",", 1)[0] for line in f if not line.startswith(("#", "package,"))}
    assert listed and not listed & catalog_packages  # one account per package
    assert sc.soc_groups("no-such-package") == ([sc.PLACEHOLDER_SOC], None)
    assert sc.software_id("Foo_Bar2") == "foo-bar2"


def test_the_command_refuses_a_package_without_a_program_or_an_existing_scaffold(tmp_path, capsys):
    """No display is started: a package with no .desktop entry and no program, and a folder already scaffolded."""
    assert main(["create", "scaffold", "fonts-dejavu-core", "--root", str(tmp_path)]) == 2
    assert "no .desktop entry and no program" in capsys.readouterr().err
    (tmp_path / "envs" / "galculator").mkdir(parents=True)
    (tmp_path / "envs" / "galculator" / "env.yaml").write_text("id: galculator\n")
    assert main(["create", "scaffold", "galculator", "--root", str(tmp_path)]) == 2
    assert "--force" in capsys.readouterr().err


# --- real apps ----------------------------------------------------------------------------------

FIRST_RUN_DIALOG = {"librecad": "Welcome", "homebank": "Welcome to HomeBank"}
"""Apps of SCAFFOLD_TEST_APPS with a known first-run dialog: shown on an empty HOME, gone with the template."""


def _not_blank(path) -> bool:
    pixels = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
    return len(np.unique(pixels[:: 7], axis=0)) > 8 and float(pixels.std()) > 5


@pytest.mark.app
@pytest.mark.parametrize("package", SCAFFOLD_TEST_APPS)
def test_scaffold_a_real_app(package, tmp_path, capsys):
    assert sc.is_installed(package), f"{package} is not installed: run scripts/setup.sh (it installs the test apps)"
    if package == "galculator":  # once through the command line
        assert main(["create", "scaffold", package, "--root", str(tmp_path)]) == 0
        assert "env.yaml written" in capsys.readouterr().out
        folder = tmp_path / "envs" / package
    else:
        result = sc.scaffold(package, tmp_path)
        folder = result.folder
        assert result.first.ready_time is not None and result.first.ready_time < 10
        if package in FIRST_RUN_DIALOG:
            assert FIRST_RUN_DIALOG[package] in [w["title"] for w in result.first.extra], result.first.windows
            assert result.second is not None and result.second.windows and not result.second.extra, \
                result.second and result.second.windows
            assert result.first_run_fixed
        else:
            assert not result.first.extra, result.first.windows
    spec = load_env(folder)
    assert spec.id == package and spec.packages == (package,) and spec.tasks == {}
    assert spec.launch[0] and spec.ready.window_class
    assert _not_blank(folder / "scaffold" / "start.png")
    evidence = {p.name for p in (folder / "scaffold").iterdir()}
    assert {"start.png", "windows.json", "timings.json", "desktop.json", "report.md"} <= evidence
    if spec.home_template is not None:
        text = "".join(p.read_text(errors="replace") for p in spec.home_template.rglob("*") if p.is_file())
        assert str(guardian().scratch) not in text and "/root" not in text  # host paths rewritten
    _launches_as_an_episode(spec)


def _launches_as_an_episode(spec) -> None:
    """The written env.yaml works as an episode's would: its ready window (class, title) is found at launch."""
    runner = LocalRunner(spec, hidden_from_apps())
    try:
        episode = runner.new_episode()
        if spec.home_template is not None:
            shutil.copytree(spec.home_template, episode.home, symlinks=True, dirs_exist_ok=True)
        assert runner.launch(episode.home, []).frame.std() > 5
    finally:
        runner.close()

