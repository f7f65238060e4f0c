"""Plan files: read a YAML/JSON plan of any paradigm, run its planner, report it.

Runs without Django and without a database (the ``salesmesh plan`` command
dispatches here before Django is set up); the web's plan pages use the same
loader, runner and report.
"""
