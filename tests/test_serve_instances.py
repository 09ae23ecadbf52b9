"""Who holds which served instance (gym_anything.serve.instances), on the fake runner: claims, the message a
client gets when every instance is held, release, the idle lapse (not while a request runs), bad settings."""

from __future__ import annotations

import time

import pytest

from gym_anything.serve.instances import InstanceBusy, Instances

TASK = "GymAnything/mousepad.append-entry-v1"


@pytest.fixture
def instances():
    served = Instances(TASK, count=2, idle_timeout=0.3, runner="fake", audit=False)
    yield served
    served.close()


def test_each_instance_has_one_client_and_a_third_is_told_who_holds_what(instances):
    first, second = instances.claim("an MCP client"), instances.claim("an OpenEnv client")
    assert (first.instance.index, second.instance.index) == (0, 1) and first.token != second.token
    with pytest.raises(InstanceBusy) as refused:
        instances.claim("an OpenEnv client")
    message = str(refused.value)
    assert message.startswith(f"{TASK}: every instance is in use (2 served; instance 0 by an MCP client for ")
    assert "instance 1 by an OpenEnv client" in message and "after 0.3 s without a request" in message
    instances.release(first, "the client disconnected")
    assert first.released == "the client disconnected" and instances.claim("a third").instance.index == 0
    assert [s["claimed"] for s in instances.status()] == [True, True]


def test_an_idle_claim_lapses_but_not_while_a_request_runs(instances):
    held = instances.claim("an MCP client")
    instances.claim("an OpenEnv client")
    with held.use():
        time.sleep(0.4)
        instances.lapse_idle()
        assert held.released is None  # busy, not idle
    time.sleep(0.4)
    taker = instances.claim("a newcomer")  # the idle claim lapsed
    assert taker.instance is held.instance and held.released == "released after 0.3 s without a request"
    instances.release(held)  # releasing a lapsed lease again leaves the new holder alone
    assert held.instance.lease is taker


@pytest.mark.parametrize(("options", "message"), [
    ({"count": 0}, r"instances must be in \[1, 16\], got 0"),
    ({"count": 17}, r"instances must be in \[1, 16\], got 17"),
    ({"idle_timeout": 0}, "idle_timeout must be a positive number of seconds, got 0"),
])
def test_bad_settings_name_the_range(options, message):
    with pytest.raises(ValueError, match=message):
        Instances(TASK, runner="fake", **options)
