"""``python -m sim.loader --markdown | --update-docs FILE``."""

import sys

from sim.loader.docs import _main

raise SystemExit(_main(sys.argv[1:]))
