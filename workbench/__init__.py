"""The Claim Workbench: a stance and claim annotation workbench for news articles.

The package root imports nothing heavy: ``create_app`` lives in ``workbench.app``
and is loaded on first use, so that the pure modules (``workbench.text``,
``workbench.suggest``, ...) can be imported without Flask or SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "create_app"]

if TYPE_CHECKING:
    from workbench.app import create_app


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from workbench.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
