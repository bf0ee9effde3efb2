"""Log pipeline: CloudWatch Logs -> Firehose -> the organization's log archive, and PAN masking."""
