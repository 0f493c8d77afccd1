"""``python -m sim``: the negsim command line."""

from sim.cli import entry

raise SystemExit(entry())
