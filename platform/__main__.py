"""Pulumi entry point (Pulumi.yaml `main: platform/`): builds the stack named by the engine."""

from pcizone.program import run

run()
