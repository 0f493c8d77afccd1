"""The allocator policy of a process that runs models (:mod:`sim.allocator`)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from sim.allocator import user_configured

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
PROBE = "from sim.allocator import reuse_large_blocks as r; print(r(), r())"


def probe(extra: dict[str, str]) -> str:
    """What a fresh process answers, twice (the policy is applied once), with this
    machine's environment less any allocator setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not user_configured({k: v})}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**env, **extra},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("env", "configured"),
    [
        ({}, False),
        ({"PATH": "/bin", "MALLOC": "x", "MY_MALLOC_": "x"}, False),
        ({"MALLOC_ARENA_MAX": "2"}, True),
        ({"MALLOC_TRIM_THRESHOLD_": "0"}, True),
        ({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=0"}, True),
    ],
)
def test_a_user_setting_of_the_allocator_is_recognised(env, configured):
    assert user_configured(env) is configured


@pytest.mark.skipif(not GLIBC, reason="the policy applies to glibc only")
def test_the_policy_is_applied_once_on_glibc():
    assert probe({}) == "True True"


@pytest.mark.skipif(not GLIBC, reason="the policy applies to glibc only")
def test_the_policy_leaves_an_allocator_the_user_configured():
    assert probe({"MALLOC_ARENA_MAX": "4"}) == "False False"
