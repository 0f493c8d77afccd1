"""Shared test configuration.

Hypothesis profiles: "ci" is derandomised (the same examples on every run, no example
database), so a CI failure reproduces locally with HYPOTHESIS_PROFILE=ci. It is loaded
when HYPOTHESIS_PROFILE=ci or CI is set; otherwise the default profile runs.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)
