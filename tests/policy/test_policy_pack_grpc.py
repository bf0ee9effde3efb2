"""The real policy pack process, driven over gRPC the way the Pulumi engine drives it.

platform/policypack/__main__.py builds the PolicyPack, which serves the analyzer protocol
on a port it prints. This test starts it, asks for the pack's policies, configures it with
the committed developer pack config, and analyzes a resource.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pcizone.policy.registry import PACK_NAME, all_policies
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc


@pytest.fixture(scope="module")
def analyzer(request: pytest.FixtureRequest) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, str(root / "platform" / "policypack" / "__main__.py")],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().strip() or 0)
        assert port > 0, process.stderr.read().decode() if process.stderr else "no port"
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=10)
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.terminate()
        process.wait(timeout=10)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def test_the_pack_serves_every_policy_with_its_metadata(analyzer):  # type: ignore[no-untyped-def]
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == PACK_NAME
    served = {p.name: p for p in info.policies}
    assert list(served) == [p.id for p in all_policies()]
    tls = served["pci-s3-tls-only"]
    assert tls.enforcementLevel == proto.MANDATORY
    assert tls.severity == proto.POLICY_SEVERITY_HIGH
    assert tls.framework.name == "PCI DSS" and tls.framework.version == "4.0.1"
    assert tls.framework.reference == "4.2.1"
    assert set(tls.configSchema.properties) == {"stage", "stackKind"}
    assert (
        served["pci-lambda-one-role-per-function"].policy_type == proto.PolicyType.POLICY_TYPE_STACK
    )


def test_the_developer_pack_config_relaxes_unlocked_policies(analyzer):  # type: ignore[no-untyped-def]
    root = Path(__file__).resolve().parents[2]
    config = json.loads((root / "platform/policypack/config/developer.json").read_text())
    request = proto.ConfigureAnalyzerRequest()
    for name, entry in config.items():
        request.policyConfig[name].enforcementLevel = (
            proto.MANDATORY if entry["enforcementLevel"] == "mandatory" else proto.ADVISORY
        )
        request.policyConfig[name].properties.update(
            {k: v for k, v in entry.items() if k != "enforcementLevel"}
        )
    analyzer.Configure(request)

    props = struct_pb2.Struct()
    props.update({"runtime": "python3.12", "environment": {"variables": {"A": "b"}}})
    response = analyzer.Analyze(
        proto.AnalyzeRequest(
            type="aws:lambda/function:Function", properties=props, urn="urn:fn", name="fn"
        )
    )
    levels = {d.policyName: d.enforcementLevel for d in response.diagnostics}
    assert levels["pci-lambda-vpc"] == proto.ADVISORY  # relaxed in developer stacks
    assert levels["pci-lambda-env-kms"] == proto.MANDATORY  # locked: encryption
    assert "pci-lambda-runtime" not in levels
