"""pcizone: PCI DSS v4.0.1 card payments on AWS, built with Pulumi in Python."""

__version__ = "0.1.0"
