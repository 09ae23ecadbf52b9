"""Vector envs beyond Gymnasium's own: sub-envs as Ray actors on a cluster."""

from .ray import RayVectorEnv, make_ray_vec

__all__ = ["RayVectorEnv", "make_ray_vec"]
