"""Typed handlers: ``body``, ``query`` and path parameters decoded from annotations.

A handler may take, after ``(req, res)``:

* ``body: T``: the request body decoded and validated into ``T`` (JSON; form
  bodies too with ``body: Annotated[T, Form]``);
* ``query: Q``: the query string validated into ``Q``;
* a parameter named like a path parameter of its route (``id: int`` in
  ``[id].py``), converted; a value that does not convert is a 404.

Annotations are read once, when the route module is imported
(:func:`bind_handler`); what they declare is a :class:`HandlerSignature`,
which ``App.routes()`` lists for tools such as the OpenAPI document.
"""

from ._binding import FORM_MEDIA_TYPES, bind_handler
from ._labels import type_label
from ._limits import DEFAULT_PROBLEM_LIMITS, ProblemLimits
from ._signature import JSON_MEDIA_TYPE, Form, HandlerSignature, read_returns, read_signature
from ._unknown import allow_unknown_fields

__all__ = [
    "DEFAULT_PROBLEM_LIMITS",
    "FORM_MEDIA_TYPES",
    "JSON_MEDIA_TYPE",
    "Form",
    "HandlerSignature",
    "ProblemLimits",
    "allow_unknown_fields",
    "bind_handler",
    "read_returns",
    "read_signature",
    "type_label",
]
