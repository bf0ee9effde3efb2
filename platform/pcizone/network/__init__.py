"""The stage's network: private subnets, endpoints, security groups and flow logs."""
