"""``/api/openapi.json``: the blog's OpenAPI 3.1 document, generated from its route files."""

from microroutes import openapi_handler

GET = openapi_handler(title="The microroutes blog", version="1.0.0")
