"""The router: page config and navigation only; every screen lives in pages/ (listed in ui/router.py)."""

from ui import router

router.route()
