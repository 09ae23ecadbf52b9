"""gym-anything: real desktop software as Gymnasium environments for computer-use agents.

``import gym_anything`` registers every software (``GymAnything/<software>-v<N>``) and every task
(``GymAnything/<software>.<task>-v<N>``) with Gymnasium. The package, by reader:

* ``core`` (the env), ``actions`` (the action space): using an environment;
* ``specs`` (software and task specs, the registry), ``authoring`` (what task code gets): adding a software;
* ``verification`` (verifiers, checklists), ``audit`` (the gate and its records): trusting a reward;
* ``runtime`` (displays, sandboxes, limits, runners): where apps run;
* ``models``, ``agents``: model backends and the agents that use them;
* ``benchmark`` (suites, eval runs, leaderboard, export), ``vector`` (Ray): benchmark runs and scale;
* ``cli``: the ``gym-anything`` command.
"""

from . import _moved, actions
from .actions import ActionError, ActionType
from .core.env import GymAnythingEnv
from .errors import FaultKind, GymAnythingError, RuntimeFault, SpecError
from .specs.registry import gym_ids, register_all
from .vector.ray import make_ray_vec

__version__ = "0.1.0"
__all__ = ["ActionError", "ActionType", "FaultKind", "GymAnythingEnv", "GymAnythingError", "RuntimeFault",
           "SpecError", "__version__", "actions", "gym_ids", "make_ray_vec"]

_moved.install()
register_all()
