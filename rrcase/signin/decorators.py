from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

V = TypeVar("V", bound=Callable[..., object])


def second_factor_not_required(view: V) -> V:
    """For the few signed-in views a user must reach before their second factor
    is checked: the code and set-up pages, and sign-out."""
    view.second_factor_required = False  # type: ignore[attr-defined]
    return view
