"""Handlers of the command-line subcommands, one module per area; each takes the parsed
arguments and returns an exit code."""
