"""``pages/_app.py``: the site-wide hooks and settings, read once.

It may define ``startup(app)`` and ``shutdown(app)`` (see :class:`~microroutes.App`),
``providers = {Type: function}`` (:mod:`microroutes.providers`) and
``exceptions = {ExceptionType: answer}`` (:mod:`microroutes.exception_map`).
Mistakes in the last two are :class:`~microroutes.SiteError`\\ s naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .exception_map import EXCEPTIONS_SETTING, ExceptionMap
from .providers import PROVIDERS_SETTING, Providers

__all__ = ["APP_FILE", "AppFile", "read_app_file"]

#: The private file in ``pages/`` with the site-wide hooks and settings.
APP_FILE = "_app.py"


@dataclass(frozen=True, slots=True)
class AppFile:
    """What ``pages/_app.py`` defines."""

    #: The imported module.
    module: ModuleType
    #: Its providers, if it defines any.
    providers: Providers | None
    #: Its exception map, if it defines one.
    exceptions: ExceptionMap | None

    def hook(self, name: str) -> Any:
        """``startup`` or ``shutdown``, or ``None`` when the file does not define it."""
        return getattr(self.module, name, None)


def read_app_file(module: ModuleType, file: str) -> AppFile:
    """Read and check what ``module`` (``pages/_app.py``) defines."""
    providers = getattr(module, PROVIDERS_SETTING, None)
    exceptions = getattr(module, EXCEPTIONS_SETTING, None)
    return AppFile(
        module=module,
        providers=None if providers is None else Providers(providers, file),
        exceptions=None if exceptions is None else ExceptionMap(exceptions, file),
    )
