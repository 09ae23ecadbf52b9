"""gym-anything: real desktop software as Gymnasium environments for computer-use agents.

``import gym_anything`` registers every environment (``GymAnything/<software>-v<N>``) and every task
(``GymAnything/<software>.<task>-v<N>``) with Gymnasium.
"""

from . import actions
from .actions import ActionError, ActionType
from .distributed import make_ray_vec
from .registry import gym_ids, register_all
from .specs import SpecError

__version__ = "0.1.0"
__all__ = ["actions", "ActionError", "ActionType", "SpecError", "gym_ids", "make_ray_vec", "__version__"]

register_all()
