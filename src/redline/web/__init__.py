"""The web dashboard and REST API (FastAPI): ``create_app()``; ``redline serve`` runs it.

One page module per resource (``*_pages.py``, each with ``register(app)``), the JSON API
in :mod:`.api`, the view functions both share in :mod:`.views`. May use the store, the
demo and the domain; never the CLI. Page modules never import :mod:`.app`.
"""

from redline.web.app import create_app

__all__ = ["create_app"]
