"""The web dashboard and REST API (FastAPI): ``create_app()``; ``redline serve`` runs it."""

from redline.web.app import create_app

__all__ = ["create_app"]
