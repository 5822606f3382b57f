"""``/api/openapi.json``: the blog's OpenAPI 3.1 document, generated from its route files.

Its title and version are ``OPENAPI`` in ``pages/_app.py``.
"""

from microroutes import openapi_handler

GET = openapi_handler()
