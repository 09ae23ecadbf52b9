"""Rollouts of the gym-anything verifiers env through verifiers' own API; run by tests/test_verifiers_env.py in
.venv-verifiers (scripts/setup-verifiers.sh).

The model is a real OpenAI-compatible HTTP server (tests/scripted_models.py) whose scripted replies are
``oracle`` (the task instance's oracle plan as pyautogui code, in one reply), ``stepwise`` (the same plan,
one action per reply), ``done`` (DONE at once) or
``garbage`` (unusable replies). verifiers' null harness runs its chat program against verifiers' interception
server, which relays to that server; our env steps the real app host-side. Prints one JSON line per rollout.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import verifiers.v1 as vf  # noqa: E402
from scripted_models import ScriptedModels, text_of  # noqa: E402

import gym_anything_vf  # noqa: E402
from gym_anything import actions as A  # noqa: E402
from gym_anything.core.episodes import new_instance  # noqa: E402
from gym_anything.integrations.harbor import _Folders, instance_seed, oracle_actions  # noqa: E402
from gym_anything.specs.registry import software_spec  # noqa: E402


def oracle_code(software_id: str, task_id: str, seed: int) -> str:
    """The oracle plan of the instance reset(seed) draws, as the pyautogui code our parser reads (no app)."""
    software = software_spec(software_id)
    task = software.tasks[task_id]
    with tempfile.TemporaryDirectory() as scratch:
        inst = new_instance(_Folders(Path(scratch)), software, task, instance_seed(task, seed))  # type: ignore
        steps = oracle_actions(software, inst)
    return "```python\n" + "\n".join(A.to_code(step) for step in steps) + "\n```"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--task", required=True, help="<software>.<task> of the demo suite")
    parser.add_argument("--runner", default="local")
    parser.add_argument("--models", default="oracle,done,garbage")
    parser.add_argument("--bad-input", action="store_true", help="print the errors bad arguments raise, then stop")
    args = parser.parse_args()
    if args.bad_input:
        errors = {}
        for name, kwargs in {"unknown": {"suite": "demo", "sweet": 1}, "runner": {"runner": "cloud"},
                             "suite": {"suite": "nope"}, "task": {"tasks": ["mousepad.nope"]}}.items():
            try:
                list(gym_anything_vf.load_environment(**kwargs).taskset)
                errors[name] = None
            except Exception as exc:  # noqa: BLE001 - reported to the test
                errors[name] = f"{type(exc).__name__}: {exc}"
        print(json.dumps(errors))
        return
    software_id, task_id = args.task.split(".")
    code = oracle_code(software_id, task_id, 0)
    seen: dict[str, list[dict]] = {}

    def script(name: str, reply: str):
        def answer(body: dict) -> dict:
            seen.setdefault(name, []).append(body)
            return {"content": reply}
        return answer

    lines = code.strip("`").removeprefix("python").strip().splitlines()

    def stepwise(body: dict) -> dict:  # one oracle action per reply: a multi-turn episode
        seen.setdefault("stepwise", []).append(body)
        return {"content": f"```python\n{lines[len(seen['stepwise']) - 1]}\n```"}

    server = ScriptedModels({"oracle": script("oracle", f"I will solve it.\n{code}"), "stepwise": stepwise,
                             "done": script("done", "DONE"),
                             "garbage": script("garbage", "I am not sure what to do here.")})
    try:
        env = gym_anything_vf.load_environment(suite="demo", tasks=[args.task], runner=args.runner)
        tasks = list(env.taskset)
        assert len(tasks) == 1, [t.data.name for t in tasks]
        async with env.serving():
            for model in args.models.split(","):
                ctx = vf.ModelContext(model=model, client=vf.EvalClientConfig(base_url=server.url,
                                                                              api_key_var="SCRIPTED_KEY"))
                (slot,) = env.slots(tasks[0], 1)
                episode = await env.run_slot(slot, ctx)
                trace = episode.traces[0] if episode.traces else None
                first = seen.get(model, [{}])[0]
                user = [m for m in first.get("messages", []) if m.get("role") == "user"]
                images = [p for m in user for p in (m.get("content") if isinstance(m.get("content"), list) else [])
                          if p.get("type") == "image_url"]
                screens = []  # per request: a digest of the newest user message's image
                for body in seen.get(model, []):
                    last = [m for m in body["messages"] if m.get("role") == "user"][-1]
                    urls = [p["image_url"]["url"] for p in last.get("content") or [] if isinstance(p, dict)
                            and p.get("type") == "image_url"]
                    screens.append(hashlib.sha256(urls[-1].encode()).hexdigest()[:12] if urls else None)
                print(json.dumps({
                    "screens": screens,
                    "model": model, "task": tasks[0].data.name, "ok": episode.ok,
                    "errors": [e.message[-500:] for e in episode.errors],
                    "rewards": {k: r.score for k, r in trace.rewards.items()} if trace else None,
                    "info": trace.info.get("gym_anything") if trace else None,
                    "requests": len(seen.get(model, [])),
                    "first_user_text": text_of(user[0]) if user else "",
                    "first_images": len(images),
                    "image_prefix": images[0]["image_url"]["url"][:22] if images else "",
                }, default=str), flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    asyncio.run(main())
