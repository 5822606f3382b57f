"""Site-wide settings: the OpenAPI document's title and version, for every way it is built.

``microroutes openapi examples/blog`` and ``/api/openapi.json`` both read them.
"""

OPENAPI = {"title": "The microroutes blog", "version": "1.0.0"}
