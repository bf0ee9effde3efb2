"""Deterministic stand-ins for the attributes AWS computes (ids, ARNs, URLs) during preview."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FakeContext:
    urn: str
    type: str
    name: str
    inputs: dict[str, Any]
    account: str
    region: str

    def digest(self, n: int = 8) -> str:
        return hashlib.sha256(self.urn.encode()).hexdigest()[:n]

    def physical_name(self, key: str = "name", max_len: int = 64) -> str:
        given = self.inputs.get(key)
        if isinstance(given, str) and given:
            return given
        return f"{self.name}-{self.digest(7)}"[:max_len]

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:aws:{service}:{region}:{self.account}:{resource}"


Fake = Callable[[FakeContext], dict[str, Any]]


def _generic(c: FakeContext) -> dict[str, Any]:
    # The engine knows autonames at preview; `name` stands in for them.
    service = c.type.split(":")[1].split("/")[0]
    ident = c.physical_name()
    return {"id": ident, "name": ident, "arn": c.arn(service, f"{c.name}/{ident}")}


def _http_api(c: FakeContext) -> dict[str, Any]:
    # executionArn and apiEndpoint stay unknown, as in a real preview of a new API: the
    # policy corpus relies on one genuinely unknown value.
    ident = c.digest(10)
    return {"id": ident, "arn": f"arn:aws:apigateway:{c.region}::/apis/{ident}"}


def _account(c: FakeContext) -> dict[str, Any]:
    email = str(c.inputs.get("email", c.name))
    account_id = str(int(hashlib.sha256(email.encode()).hexdigest(), 16) % 10**12).zfill(12)
    return {
        "id": account_id,
        "arn": f"arn:aws:organizations::{c.account}:account/o-offline/{account_id}",
        "status": "ACTIVE",
    }


def _organization(c: FakeContext) -> dict[str, Any]:
    org_id = f"o-{c.digest(10)}"
    root = f"r-{c.digest(4)}"
    return {
        "id": org_id,
        "arn": f"arn:aws:organizations::{c.account}:organization/{org_id}",
        "masterAccountId": c.account,
        "roots": [{"id": root, "arn": f"arn:aws:organizations::{c.account}:root/{org_id}/{root}"}],
    }


def _kms_key(c: FakeContext) -> dict[str, Any]:
    key_id = f"{c.digest(8)}-{c.digest(12)[8:12]}-4000-8000-{c.digest(12)}"
    return {"id": key_id, "keyId": key_id, "arn": c.arn("kms", f"key/{key_id}")}


def _queue(c: FakeContext) -> dict[str, Any]:
    name = c.physical_name()
    if c.inputs.get("fifoQueue") and not name.endswith(".fifo"):
        name += ".fifo"
    url = f"https://sqs.{c.region}.amazonaws.com/{c.account}/{name}"
    return {"id": url, "url": url, "name": name, "arn": c.arn("sqs", name)}


def _role(c: FakeContext) -> dict[str, Any]:
    name = c.physical_name()
    return {"id": name, "name": name, "arn": c.arn("iam", f"role/{name}", regional=False)}


def _bucket(c: FakeContext) -> dict[str, Any]:
    name = c.physical_name("bucket", 63)
    return {"id": name, "bucket": name, "arn": f"arn:aws:s3:::{name}"}


def _log_group(c: FakeContext) -> dict[str, Any]:
    name = c.physical_name()
    return {"id": name, "name": name, "arn": c.arn("logs", f"log-group:{name}")}


def _function(c: FakeContext) -> dict[str, Any]:
    name = c.physical_name()
    arn = c.arn("lambda", f"function:{name}")
    invoke = f"arn:aws:apigateway:{c.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
    return {"id": name, "name": name, "arn": arn, "invokeArn": invoke, "qualifiedArn": arn}


def _prefixed(prefix: str, service: str, kind: str) -> Fake:
    def fake(c: FakeContext) -> dict[str, Any]:
        ident = f"{prefix}-{c.digest(17)}"
        return {"id": ident, "arn": c.arn(service, f"{kind}/{ident}")}

    return fake


def _cluster(c: FakeContext) -> dict[str, Any]:
    ident = str(c.inputs.get("clusterIdentifier") or c.physical_name())
    host = f"{ident}.cluster-{c.digest(12)}.{c.region}.rds.amazonaws.com"
    return {
        "id": ident,
        "clusterIdentifier": ident,
        "arn": c.arn("rds", f"cluster:{ident}"),
        "endpoint": host,
        "readerEndpoint": host.replace(".cluster-", ".cluster-ro-"),
        "clusterResourceId": f"cluster-{c.digest(26).upper()}",
        "port": 5432,
        "masterUserSecrets": [{"secretArn": c.arn("secretsmanager", f"secret:rds!{ident}")}],
    }


def _proxy(c: FakeContext) -> dict[str, Any]:
    name = c.physical_name()
    ident = f"prx-{c.digest(17)}"
    return {
        "id": name,
        "name": name,
        "arn": c.arn("rds", f"db-proxy:{ident}"),
        "endpoint": f"{name}.proxy-{c.digest(12)}.{c.region}.rds.amazonaws.com",
    }


def _topic(c: FakeContext) -> dict[str, Any]:
    name = c.physical_name()
    arn = c.arn("sns", name)
    return {"id": arn, "arn": arn, "name": name}


def _secret(c: FakeContext) -> dict[str, Any]:
    name = c.physical_name()
    arn = c.arn("secretsmanager", f"secret:{name}-{c.digest(6)}")
    return {"id": arn, "arn": arn, "name": name}


def _policy(c: FakeContext) -> dict[str, Any]:
    name = c.physical_name()
    arn = c.arn("iam", f"policy/{name}", regional=False)
    return {"id": arn, "arn": arn, "name": name}


def _ou(c: FakeContext) -> dict[str, Any]:
    ident = f"ou-{c.digest(4)}-{c.digest(12)[4:12]}"
    return {"id": ident, "arn": f"arn:aws:organizations::{c.account}:ou/o-offline/{ident}"}


def _named_arn(service: str, kind: str, key: str = "name") -> Fake:
    def fake(c: FakeContext) -> dict[str, Any]:
        name = c.physical_name(key)
        arn = c.arn(service, f"{kind}/{name}")
        return {
            "id": arn if service in {"cloudtrail", "firehose"} else name,
            "arn": arn,
            "name": name,
        }

    return fake


def _oidc_provider(c: FakeContext) -> dict[str, Any]:
    url = str(c.inputs.get("url") or "https://token.actions.githubusercontent.com")
    arn = c.arn("iam", f"oidc-provider/{url.removeprefix('https://')}", regional=False)
    return {"id": arn, "arn": arn}


def _detector(c: FakeContext) -> dict[str, Any]:
    ident = c.digest(32)
    return {"id": ident, "arn": c.arn("guardduty", f"detector/{ident}")}


def _layer_version(c: FakeContext) -> dict[str, Any]:
    name = c.physical_name("layerName")
    layer_arn = c.arn("lambda", f"layer:{name}")
    return {"id": f"{layer_arn}:1", "arn": f"{layer_arn}:1", "layerArn": layer_arn, "version": "1"}


FAKES: dict[str, Fake] = {
    "aws:lambda/layerVersion:LayerVersion": _layer_version,
    "aws:apigatewayv2/api:Api": _http_api,
    "aws:organizations/organizationalUnit:OrganizationalUnit": _ou,
    "aws:cloudtrail/trail:Trail": _named_arn("cloudtrail", "trail"),
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": _named_arn(
        "firehose", "deliverystream"
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
    "aws:guardduty/detector:Detector": _detector,
    "aws:organizations/account:Account": _account,
    "aws:organizations/organization:Organization": _organization,
    "aws:kms/key:Key": _kms_key,
    "aws:sqs/queue:Queue": _queue,
    "aws:iam/role:Role": _role,
    "aws:iam/policy:Policy": _policy,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:lambda/function:Function": _function,
    "aws:ec2/vpc:Vpc": _prefixed("vpc", "ec2", "vpc"),
    "aws:ec2/subnet:Subnet": _prefixed("subnet", "ec2", "subnet"),
    "aws:ec2/securityGroup:SecurityGroup": _prefixed("sg", "ec2", "security-group"),
    "aws:ec2/routeTable:RouteTable": _prefixed("rtb", "ec2", "route-table"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _prefixed("vpce", "ec2", "vpc-endpoint"),
    "aws:rds/cluster:Cluster": _cluster,
    "aws:rds/proxy:Proxy": _proxy,
    "aws:sns/topic:Topic": _topic,
    "aws:secretsmanager/secret:Secret": _secret,
}


def fake_attributes(c: FakeContext) -> dict[str, Any]:
    return FAKES.get(c.type, _generic)(c)
