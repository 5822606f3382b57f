"""The page browsers get for every other error status, in the blog's layout.

An unexpected error's message stays in the server's log; the page shows the
request id, which finds it there.
"""

from html import escape

from ._html import page


def render(req, error):
    """The status, a message that is safe to show, and the request id."""
    # A 500's message may be an exception's text (under dev); other statuses carry the
    # message the site chose to send ("the database is busy", what to install...).
    message = error.message if error.status != 500 else "Something went wrong on our side."
    return page(
        f"Error {error.status}",
        f'<article class="error">\n<h1>Error {error.status}</h1>\n<p>{escape(message)}</p>\n'
        f'<p class="meta">Request id <code>{escape(req.id)}</code></p>\n</article>',
    )
