"""The `pcizone` command line."""
