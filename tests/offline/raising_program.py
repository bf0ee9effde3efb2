"""A program whose component raises while declaring its resources."""

import pulumi
import pulumi_aws as aws


class Ledger(pulumi.ComponentResource):
    def __init__(self, resource_name: str, retention_days: int) -> None:
        super().__init__("fixture:data:Ledger", resource_name, None, None)
        if retention_days < 7:
            raise ValueError(f"retention_days must be at least 7, got {retention_days}")
        aws.sqs.Queue(f"{resource_name}-queue", opts=pulumi.ResourceOptions(parent=self))


Ledger("ledger", retention_days=3)
