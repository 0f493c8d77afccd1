"""negsim: a negotiation scenario simulator.

A game-theoretic, agent-based model of multi-issue peace talks between parties and a
mediator, run as a Monte Carlo ensemble from YAML scenario files. Heavy modules (mesa,
scipy, matplotlib) are imported where they are used, so that importing the package and
``negsim --help`` stay fast.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
