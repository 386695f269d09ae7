"""Modules loaded on first use, so that ``ripple --help`` does not pay for what only a command
needs (the model, NumPy, pydantic, pyarrow: over half a second of imports)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """Module ``name``, executed when one of its attributes is first read (the standard
    library's :class:`importlib.util.LazyLoader`); the module itself if already imported."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
