"""Security schemes: who declares them, and which operations they cover.

A ``_middleware.py`` that authenticates says how, as OpenAPI Security Scheme
Objects by name::

    SECURITY = {"bearerAuth": {"type": "http", "scheme": "bearer"}}

Every operation below its folder then requires one of those schemes and
documents a 401. ``SECURITY`` in ``pages/_app.py`` covers the whole site; in
a route file it adds the route's own schemes, and ``SECURITY = []`` makes the
route public: no requirement, whatever the folders above say.

Schemes from nested folders are all required (each middleware runs); the
schemes of one declaration are alternatives (any one of them will do).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..errors import SiteError
from ..table import RouteInfo

__all__ = ["SECURITY_SETTING", "Security", "SecuritySchemes", "route_security"]

#: The setting declaring security schemes (or, as ``[]`` in a route file, none).
SECURITY_SETTING = "SECURITY"
_TYPES = frozenset({"apiKey", "http", "mutualTLS", "oauth2", "openIdConnect"})
_PUBLIC = "[]"


@dataclass(frozen=True, slots=True)
class _Layer:
    """One declaration: the file that made it and its schemes by name."""

    file: str
    schemes: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Security:
    """What an operation requires: every layer, each satisfied by any of its schemes."""

    layers: tuple[_Layer, ...]

    def requirements(self) -> list[dict[str, list[str]]]:
        """The operation's ``security``: one Security Requirement Object per alternative."""
        found: list[dict[str, list[str]]] = [{}]
        for layer in self.layers:
            found = [{**chosen, name: []} for chosen in found for name in layer.schemes]
        return found if self.layers else []

    def names(self) -> list[str]:
        """Every scheme name, in declaration order, once."""
        return list(dict.fromkeys(name for layer in self.layers for name in layer.schemes))


def route_security(route: RouteInfo, site: ModuleType | None) -> Security:
    """The schemes covering ``route``: ``_app.py``'s, its folders' middleware's, its own.

    :raises SiteError: a ``SECURITY`` setting is malformed (the message names the file).
    """
    own: object = getattr(route.module, SECURITY_SETTING, None)
    if isinstance(own, list) and not own:
        return Security(())  # SECURITY = []: a public route
    sources: list[tuple[str, ModuleType | None]] = [("_app.py", site)]
    sources += zip(route.middleware, route.middleware_modules, strict=True)
    sources.append((route.file, route.module))
    layers: list[_Layer] = []
    for file, module in sources:
        schemes = _declared(getattr(module, SECURITY_SETTING, None), file, file == route.file)
        if schemes:
            layers.append(_Layer(file, schemes))
    return Security(tuple(layers))


def _declared(value: object, file: str, in_route: bool) -> dict[str, Mapping[str, Any]]:
    if value is None:
        return {}
    public = f", or {_PUBLIC} for a public route" if in_route else ""
    problem = (
        f"{file}: {SECURITY_SETTING} must map a scheme name to an OpenAPI Security Scheme "
        f'(a mapping whose "type" is one of {", ".join(sorted(_TYPES))}){public}, '
        f"got {value!r}"
    )
    if not isinstance(value, Mapping):
        raise SiteError(problem)
    for name, scheme in value.items():
        if not isinstance(name, str) or not name or not isinstance(scheme, Mapping):
            raise SiteError(problem)
        if scheme.get("type") not in _TYPES or not all(isinstance(key, str) for key in scheme):
            raise SiteError(problem)
    return dict(value)


class SecuritySchemes:
    """``components.securitySchemes``: each scheme an operation uses, declared once."""

    def __init__(self) -> None:
        self._found: dict[str, tuple[str, Mapping[str, Any]]] = {}

    def add(self, security: Security) -> None:
        """Record the schemes of ``security``.

        :raises SiteError: two files declare one name as different schemes.
        """
        for layer in security.layers:
            for name, scheme in layer.schemes.items():
                known = self._found.setdefault(name, (layer.file, scheme))
                if known[1] != scheme:
                    raise SiteError(
                        f"{layer.file}: the security scheme {name!r} is declared differently "
                        f"in {known[0]}; give one of them another name"
                    )

    def components(self) -> dict[str, Any]:
        """The schemes by name, sorted, as fresh copies."""
        return {name: copy.deepcopy(dict(self._found[name][1])) for name in sorted(self._found)}
