"""The reviewers' workbench (`policylint serve`): server-rendered pages (Jinja2) for reviewers and staff, and a JSON
API for office systems, on FastAPI. See docs/workbench.md."""
from .app import create_app

__all__ = ["create_app"]
