"""JSON Schemas for annotations: msgspec for most types, pydantic for its own models.

Every annotation of a site is turned into a schema in one batch, so a named
type (dataclass, ``TypedDict``, ``msgspec.Struct``, ``Enum``, pydantic model)
becomes one shared ``#/components/schemas/Name`` however many operations use it.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from ..errors import SiteError
from ..typed._pydantic import mentions_pydantic

__all__ = ["COMPONENTS_PREFIX", "SchemaSet"]

#: Where named types go in the document.
COMPONENTS_PREFIX = "#/components/schemas/"
_MSGSPEC_REF = COMPONENTS_PREFIX + "{name}"
_PYDANTIC_REF = COMPONENTS_PREFIX + "{model}"

JSONSchema = dict[str, Any]


class SchemaSet:
    """Schemas for a set of annotations, and the named component schemas they share.

    Add every annotation with :meth:`add` first, then call :meth:`build`;
    :meth:`schema` then answers for each annotation added.
    """

    def __init__(self) -> None:
        self._types: list[Any] = []
        self._seen: set[int] = set()
        self._schemas: dict[int, JSONSchema] = {}
        self._closed: frozenset[type] = frozenset()
        #: The named schemas, by component name (filled by :meth:`build`).
        self.components: dict[str, JSONSchema] = {}

    def add(self, annotation: Any) -> None:
        """Remember ``annotation`` for the next :meth:`build`."""
        if id(annotation) not in self._seen:
            self._seen.add(id(annotation))
            self._types.append(annotation)

    def close(self, models: frozenset[type]) -> None:
        """Say that objects of ``models`` take no other keys (call before :meth:`build`)."""
        self._closed |= models

    def build(self) -> None:
        """Generate every added annotation's schema in one batch per engine."""
        # The same choice the typed handlers make, so a schema describes what is checked.
        pydantic_types = [t for t in self._types if mentions_pydantic(t, set())]
        msgspec_types = [t for t in self._types if not mentions_pydantic(t, set())]
        self._build_msgspec(msgspec_types)
        if pydantic_types:
            self._build_pydantic(pydantic_types)
        for model in self._closed:
            component = self.components.get(model.__name__)
            if component is not None and "properties" in component:
                component.setdefault("additionalProperties", False)

    def schema(self, annotation: Any) -> JSONSchema:
        """The schema of an annotation given to :meth:`add` (``{}``: any value)."""
        return dict(self._schemas.get(id(annotation), {}))

    def resolve(self, schema: JSONSchema) -> JSONSchema:
        """``schema``, or the component it refers to when it is a bare ``$ref``."""
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(COMPONENTS_PREFIX):
            return self.components.get(ref.removeprefix(COMPONENTS_PREFIX), schema)
        return schema

    def _merge(self, components: dict[str, JSONSchema]) -> None:
        for name, schema in components.items():
            known = self.components.setdefault(name, schema)
            if known != schema:
                raise SiteError(f"two different types are both named {name!r} in the document")

    def _build_msgspec(self, types: list[Any]) -> None:
        try:
            schemas, components = msgspec.json.schema_components(types, ref_template=_MSGSPEC_REF)
        except (TypeError, ValueError):
            # One type msgspec cannot describe: describe the others one by one.
            for annotation in types:
                self._build_msgspec_one(annotation)
            return
        self._merge(dict(components))
        for annotation, schema in zip(types, schemas, strict=True):
            self._schemas[id(annotation)] = dict(schema)

    def _build_msgspec_one(self, annotation: Any) -> None:
        try:
            (schema,), components = msgspec.json.schema_components(
                [annotation], ref_template=_MSGSPEC_REF
            )
        except (TypeError, ValueError):
            return  # left open ({}): a custom type without a schema of its own
        self._merge(dict(components))
        self._schemas[id(annotation)] = dict(schema)

    def _build_pydantic(self, types: list[Any]) -> None:
        from pydantic import TypeAdapter

        mode: Literal["validation"] = "validation"
        inputs = [(index, mode, TypeAdapter(t)) for index, t in enumerate(types)]
        schemas, definitions = TypeAdapter.json_schemas(inputs, ref_template=_PYDANTIC_REF)
        self._merge(dict(definitions.get("$defs", {})))
        for index, annotation in enumerate(types):
            self._schemas[id(annotation)] = dict(schemas[(index, "validation")])
