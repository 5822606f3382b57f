"""``/api/docs``: the blog's API as an interactive page (Swagger UI), assets included.

It needs ``pip install 'microroutes[docs]'``; without it the page answers 501
saying so, and the rest of the blog is unaffected.
"""

from microroutes.openapi.docs import GET as GET
