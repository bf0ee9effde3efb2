"""GitOps helpers the GitHub Actions workflows call, so that no logic lives only in YAML.

Each module is runnable (`python -m pcizone.gitops.<module>`) and unit-tested. Modules used by
jobs that hold a write token (publish, comment, github_api, redact, drift, drill) import only
the standard library, so those jobs run the default branch's code without installing anything.
"""
