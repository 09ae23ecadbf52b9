"""DB Browser for SQLite verifiers judged on databases the real app wrote: plausible wrong solutions must not pass."""

from __future__ import annotations

from verifiers_for_tests import failed, run, texts_replaced

from gym_anything.actions import validate


def test_sqlitebrowser_order_batch_without_stock_updates_is_partial_credit(software_envs):
    env = software_envs("sqlitebrowser")
    env.reset(seed=37, options={"task": "order-batch"})
    plan = env.unwrapped.oracle_actions()
    stock = {i for i, a in enumerate(plan) if validate(a, 1280, 720)["text"].startswith("UPDATE products SET stock")}
    # each statement is [ctrl+a, its text, ctrl+Return]: leave out the whole triple
    info = run(env, [a for i, a in enumerate(plan) if not {i - 1, i, i + 1} & stock])
    assert failed(info) and all(name.startswith("stock of ") for name in failed(info))
    assert 0.5 < info["reward"] < 1


def test_sqlitebrowser_order_batch_view_of_all_orders_fails_the_view_item(software_envs):
    env = software_envs("sqlitebrowser")
    env.reset(seed=38, options={"task": "order-batch"})
    plan = texts_replaced(env.unwrapped.oracle_actions(), lambda t: t.replace("WHERE o.status = 'pending' ", ""))
    info = run(env, plan)
    assert len(failed(info)) == 1 and failed(info)[0].endswith("lists the pending orders by id")


def test_sqlitebrowser_order_batch_shipping_every_pending_order_zeroes_the_score(software_envs):
    env = software_envs("sqlitebrowser")
    env.reset(seed=39, options={"task": "order-batch"})
    plan = texts_replaced(env.unwrapped.oracle_actions(),
                           lambda t: "UPDATE orders SET status = 'shipped' WHERE status = 'pending';"
                           if t.startswith("UPDATE orders SET status") else t)
    info = run(env, plan)
    assert info["reward"] == 0.0 and failed(info) == ["existing orders unchanged (but for the shipments)"]


def test_sqlitebrowser_raise_prices_rounded_to_three_decimals_fails(software_envs):
    env = software_envs("sqlitebrowser")
    for seed in range(40, 60):  # a seed where 3-decimal rounding leaves some price off the cent
        env.reset(seed=seed, options={"task": "raise-prices"})
        info = run(env, texts_replaced(env.unwrapped.oracle_actions(), lambda t: t.replace(", 2)", ", 3)")))
        if failed(info):
            break
    assert failed(info) == [next(i["name"] for i in info["verifier"]["items"] if "rounded to cents" in i["name"])]
    assert info["reward"] == 0.0  # the prices are the task's one scored item


def test_sqlitebrowser_record_orders_entered_out_of_order_fails_the_numbering_item(software_envs):
    env = software_envs("sqlitebrowser")
    env.reset(seed=41, options={"task": "record-orders"})
    plan = env.unwrapped.oracle_actions()
    inserts = [i for i, a in enumerate(plan) if validate(a, 1280, 720)["text"].startswith("INSERT INTO orders")]
    plan[inserts[0]], plan[inserts[-1]] = plan[inserts[-1]], plan[inserts[0]]  # the first and last order swapped
    info = run(env, plan)
    assert failed(info) == ["orders numbered in the order listed"] and 0 < info["reward"] < 1
