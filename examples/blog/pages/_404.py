"""The "not found" page browsers get, in the blog's layout; API clients keep the JSON 404.

It serves every URL (a ``_404.py`` deeper in ``pages/`` would serve the URLs
below its folder).
"""

from html import escape

from ._html import page


def render(req, error):
    """A missing post or page, with the way back home."""
    what = "post" if req.path.startswith("/posts/") else "page"
    return page(
        f"No such {what}",
        f'<article class="error">\n<h1>No such {what}</h1>\n'
        f"<p>Nothing is published at <code>{escape(req.path)}</code>.</p>\n"
        '<p><a href="/">See the latest posts</a>.</p>\n</article>',
    )
