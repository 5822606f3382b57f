"""``X-Forwarded-*`` headers honoured from trusted proxies only.

Behind nginx, the app sees nginx's address, and the scheme and host nginx
used to reach it. The proxy passes the client's view in ``X-Forwarded-For``,
``-Proto``, ``-Host``, ``-Port`` and ``-Prefix``; :class:`TrustedProxies`
applies them (with werkzeug's ``ProxyFix``, one proxy deep) when the
connection comes from a trusted address, so ``req.url``, redirects and the
access log show the client's view. From anyone else the headers are
removed before the app sees them (waitress does the same on its own): a
client cannot claim another address or host.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

from ..http import StartResponse

__all__ = ["TrustedProxies", "parse_trusted_proxy"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
#: The proxy headers an untrusted peer's request loses.
_PROXY_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_X_FORWARDED_BY",
)


def parse_trusted_proxy(text: str) -> _Network:
    """An address (``127.0.0.1``, ``::1``) or network (``10.0.0.0/8``) to trust.

    :raises ValueError: ``text`` is neither.
    """
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(f"not an IP address or network: {text!r}") from None


class TrustedProxies:
    """Wrap ``app`` so requests from ``proxies`` get the client's view from ``X-Forwarded-*``.

    :param proxies: addresses or networks, as strings or parsed; none: every
        request loses its proxy headers.
    """

    def __init__(self, app: WSGIApp, proxies: Iterable[str | _Network]) -> None:
        self.app = app
        self.networks = tuple(parse_trusted_proxy(p) if isinstance(p, str) else p for p in proxies)
        self._forwarded = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)

    def trusts(self, address: str | None) -> bool:
        """Whether a connection from ``address`` comes from a trusted proxy."""
        if not address:
            return False
        try:
            peer = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        mapped = getattr(peer, "ipv4_mapped", None)
        if mapped is not None:
            peer = mapped
        return any(peer in network for network in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        """Answer through ``app``, with the forwarded view if the peer is trusted."""
        if self.networks and self.trusts(environ.get("REMOTE_ADDR")):
            return self._forwarded(environ, start_response)
        for name in _PROXY_HEADERS:
            environ.pop(name, None)
        return self.app(environ, start_response)
