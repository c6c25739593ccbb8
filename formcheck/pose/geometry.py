"""Angles between landmark vectors, shared by the checker's measures and the renderer's truth."""

from __future__ import annotations

import numpy as np


def angle_deg(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Unsigned angle between vectors along the last axis."""
    cos = np.sum(u * v, axis=-1) / np.maximum(np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1), 1e-9)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def joint_flexion_deg(a: np.ndarray, joint: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Flexion at ``joint`` between segments to ``a`` and ``b``: 0 when straight, 90 at a right angle."""
    return 180.0 - angle_deg(a - joint, b - joint)
