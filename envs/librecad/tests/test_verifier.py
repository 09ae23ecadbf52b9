"""LibreCAD verifiers: plausible wrong solutions must not pass.

Most tests are on files: the instance is built by the task's own setup on the fake runner (no app), the drawing
"LibreCAD saved" is rewritten from the pristine start drawing plus the entities a test adds (or with layers
renamed), and DONE runs the verifier on it. The last tests run the real app (marked ``app`` through
``software_envs``) and bend the oracle into an agent's mistakes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from verifiers_for_tests import env_module, failed, run, texts_replaced

from gym_anything.core.env import GymAnythingEnv

dxf = env_module("librecad", "dxf")


@pytest.fixture(scope="module")
def fake():
    env = GymAnythingEnv("librecad", runner="fake", audit=False)
    yield env
    env.close()


def start(env, task: str, seed: int) -> dict:
    """Reset to the instance; its privileged values."""
    env.reset(seed=seed, options={"task": task})
    return env.unwrapped.privileged()


def save(env, added: list[dict], rename: dict[str, str] | None = None, keep_old: bool = False) -> dict:
    """Write the drawing as the start drawing plus ``added``, layers renamed; then DONE: the final info."""
    private = Path(env.unwrapped.episode_private_dir)
    layers, ents = dxf.read(private / "original.dxf")
    rename = rename or {}
    table = [(rename.get(n, n), 7) for n in layers] + ([(n, 7) for n in rename] if keep_old else [])
    ents = [dict(e, layer=rename.get(e["layer"], e["layer"])) for e in ents]
    extra = {e.get("layer") for e in added} - {n for n, _ in table}
    table += [(n, 7) for n in sorted(extra)]
    file = next(Path(env.unwrapped.episode_home).glob("*.dxf"))
    dxf.write(file, table, ents + added)
    return run(env, [])


def line(layer: str, x: float, y: float, x2: float, y2: float) -> dict:
    return {"type": "LINE", "layer": layer, "x": x, "y": y, "x2": x2, "y2": y2}


# --- stakeout-points -------------------------------------------------------------------------------------------


def _points(p: dict, layer: str | None = None) -> list[dict]:
    return [{"type": "POINT", "layer": layer or p["layer"], "x": x, "y": y} for x, y in p["points"]]


def test_every_stake_on_its_layer_passes(fake):
    p = start(fake, "stakeout-points", 1)
    info = save(fake, _points(p))
    assert info["reward"] == 1.0, failed(info)


def test_stakes_on_layer_0_fail(fake):
    p = start(fake, "stakeout-points", 2)
    info = save(fake, _points(p, "0"))
    assert info["reward"] == 0.0 and failed(info) == ["nothing else added"]


def test_half_the_stakes_is_partial_credit(fake):
    p = start(fake, "stakeout-points", 3)
    info = save(fake, _points(p)[: len(p["points"]) // 2])
    assert 0.2 < info["reward"] < 0.8


def test_a_stake_entered_twice_zeroes_the_score(fake):
    p = start(fake, "stakeout-points", 4)
    pts = _points(p)
    info = save(fake, [*pts, pts[7]])
    assert info["reward"] == 0.0 and failed(info) == ["nothing else added"]


def test_stakes_in_reverse_order_fail_the_order_item(fake):
    p = start(fake, "stakeout-points", 6)
    info = save(fake, _points(p)[::-1])
    assert failed(info) == ["stakes drawn in the order listed"] and 0.5 < info["reward"] < 1.0


def test_a_deleted_context_line_zeroes_the_score(fake):
    p = start(fake, "stakeout-points", 5)
    private = Path(fake.unwrapped.episode_private_dir)
    layers, ents = dxf.read(private / "original.dxf")
    file = next(Path(fake.unwrapped.episode_home).glob("*.dxf"))
    dxf.write(file, [(n, 7) for n in layers], [e for e in ents if e["layer"] != "CONTEXT"][1:] + _points(p))
    info = run(fake, [])
    assert info["reward"] == 0.0 and failed(info) == ["existing drawing unchanged"]


# --- part-outline ----------------------------------------------------------------------------------------------


def _outline(p: dict, closed: bool = True) -> list[dict]:
    v = p["vertices"]
    n = len(v) if closed else len(v) - 1
    return [line(p["layer"], *v[i], *v[(i + 1) % len(v)]) for i in range(n)]


def test_outline_drawn_backwards_passes(fake):
    p = start(fake, "part-outline", 1)
    info = save(fake, [dict(e, x=e["x2"], y=e["y2"], x2=e["x"], y2=e["y"]) for e in _outline(p)])
    assert info["reward"] == 1.0, failed(info)


def test_outline_left_open_is_not_a_pass(fake):
    p = start(fake, "part-outline", 2)
    info = save(fake, _outline(p, closed=False))
    assert 0.5 <= info["reward"] < 1.0 and len(failed(info)) == 1


def test_outline_with_x_and_y_swapped_fails(fake):
    p = start(fake, "part-outline", 3)
    info = save(fake, [dict(e, x=e["y"], y=e["x"], x2=e["y2"], y2=e["x2"]) for e in _outline(p)])
    assert info["reward"] == 0.0


# --- drill-holes -----------------------------------------------------------------------------------------------


def test_diameter_typed_as_radius_fails(fake):
    p = start(fake, "drill-holes", 1)
    info = save(fake, [{"type": "CIRCLE", "layer": p["layer"], "x": x, "y": y, "r": d} for x, y, d in p["holes"]])
    assert info["reward"] == 0.0


def test_every_hole_at_half_its_diameter_passes(fake):
    p = start(fake, "drill-holes", 2)
    info = save(fake, [{"type": "CIRCLE", "layer": p["layer"], "x": x, "y": y, "r": d / 2}
                       for x, y, d in p["holes"]])
    assert info["reward"] == 1.0, failed(info)


# --- room-outlines ---------------------------------------------------------------------------------------------


def _rooms(p: dict, layer: str) -> list[dict]:
    out = []
    for x, y, w, d in p["room_list"]:
        out += [line(layer, x, y, x + w, y), line(layer, x + w, y, x + w, y + d),
                line(layer, x + w, y + d, x, y + d), line(layer, x, y + d, x, y)]
    return out


def test_rooms_on_the_new_layer_pass(fake):
    p = start(fake, "room-outlines", 1)
    info = save(fake, _rooms(p, p["layer"]))
    assert info["reward"] == 1.0, failed(info)


def test_rooms_on_layer_0_without_the_new_layer_fail(fake):
    p = start(fake, "room-outlines", 2)
    info = save(fake, _rooms(p, "0"))
    assert info["reward"] == 0.0


def test_a_room_left_out_is_partial_credit(fake):
    p = start(fake, "room-outlines", 3)
    info = save(fake, _rooms(p, p["layer"])[4:])
    assert failed(info) == ["room 1 outline"] and 0.5 < info["reward"] < 1.0


# --- column-grid -----------------------------------------------------------------------------------------------


def test_grid_lines_without_overrun_fail(fake):
    p = start(fake, "column-grid", 1)
    lines = p["lines"]
    xs = sorted({a[0] for a in lines if a[0] == a[2]})
    ys = sorted({a[1] for a in lines if a[1] == a[3]})
    bare = [line(p["layer"], x, ys[0], x, ys[-1]) for x in xs] + [line(p["layer"], xs[0], y, xs[-1], y) for y in ys]
    info = save(fake, bare)
    assert info["reward"] == 0.0


def test_grid_lines_drawn_numbers_first_fail_the_order_item(fake):
    p = start(fake, "column-grid", 3)
    xs = [a for a in p["lines"] if a[0] == a[2]]
    info = save(fake, [line(p["layer"], *a) for a in [*p["lines"][len(xs):], *xs]])
    assert failed(info) == ["grid lines drawn in the order listed"]


def test_every_grid_line_passes(fake):
    p = start(fake, "column-grid", 2)
    info = save(fake, [line(p["layer"], *a) for a in p["lines"]])
    assert info["reward"] == 1.0, failed(info)


# --- layer-standard --------------------------------------------------------------------------------------------


def test_every_rename_passes(fake):
    p = start(fake, "layer-standard", 1)
    info = save(fake, [], rename=dict(p["renames"]))
    assert info["reward"] == 1.0, failed(info)


def test_new_layers_added_beside_the_old_ones_fail(fake):
    p = start(fake, "layer-standard", 2)
    private = Path(fake.unwrapped.episode_private_dir)
    layers, ents = dxf.read(private / "original.dxf")
    file = next(Path(fake.unwrapped.episode_home).glob("*.dxf"))
    dxf.write(file, [(n, 7) for n in layers] + [(new, 7) for _, new in p["renames"]], ents)
    info = run(fake, [])
    assert info["reward"] == 0.0 and failed(info) == [f'"{old}" renamed to {new}' for old, new in p["renames"]]


def test_one_rename_missed_is_partial_credit(fake):
    p = start(fake, "layer-standard", 3)
    info = save(fake, [], rename=dict(p["renames"][1:]))
    first = p["renames"][0]
    assert failed(info) == [f'"{first[0]}" renamed to {first[1]}'] and 0.5 < info["reward"] < 1.0


# --- on the real app -------------------------------------------------------------------------------------------


def test_librecad_stakeout_points_oracle_with_x_and_y_swapped_fails(software_envs):
    env = software_envs("librecad")
    env.reset(seed=21, options={"task": "stakeout-points"})
    plan = texts_replaced(env.unwrapped.oracle_actions(),
                          lambda t: ",".join(reversed(t.strip().split(","))) + "\n" if "," in t else t)
    info = run(env, plan)
    assert info["reward"] == 0.0


def test_librecad_drill_holes_with_diameter_as_radius_fails(software_envs):
    env = software_envs("librecad")
    env.reset(seed=22, options={"task": "drill-holes"})
    typed = {f"{x:g},{y:g}\n{d / 2:g}\n": f"{x:g},{y:g}\n{d:g}\n" for x, y, d in env.unwrapped.privileged()["holes"]}
    info = run(env, texts_replaced(env.unwrapped.oracle_actions(), lambda t: typed.get(t, t)))
    assert info["reward"] == 0.0 and failed(info)


def test_librecad_room_outlines_unsaved_scores_zero(software_envs):
    env = software_envs("librecad")
    env.reset(seed=23, options={"task": "room-outlines"})
    plan = env.unwrapped.oracle_actions()
    info = run(env, plan[:-3])  # everything drawn, never saved
    assert info["reward"] == 0.0
