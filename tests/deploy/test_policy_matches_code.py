"""The function's agency policy grants exactly what the gateway code can call: nothing missing, nothing extra.

The code's calls are read from ``bmsguard/cloud/`` (SDK operations it names) and mapped to IAM actions
through ``deploy/actions.py``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from deploy.actions import OPERATION_ACTIONS, UnknownOperation, called_operations, required_actions
from deploy.template import load_template


def test_every_action_the_code_needs_is_granted():
    granted = set(load_template().policy_actions)
    missing = required_actions(called_operations()) - granted
    assert not missing, f"template.yaml agency policies lack {sorted(missing)}"


def test_nothing_is_granted_that_the_code_never_calls():
    needed = required_actions(called_operations())
    extra = set(load_template().policy_actions) - needed
    assert not extra, f"template.yaml grants {sorted(extra)} but bmsguard/cloud/ never calls them"


def test_gateway_calls_the_core_operations():
    # guards the scanner itself: if it found nothing, the two tests above would pass vacuously
    assert {"bms.update_metadata_options", "smn.publish_message", "iam5.detach_agency_policy_v5"} <= called_operations()


def test_global_actions_are_granted_on_the_account_and_regional_ones_on_the_project():
    for policy in load_template().agency.policies:
        services = {action.split(":")[0] for action in policy.action_names}
        assert services == ({"iam"} if policy.scope == "domain" else {"bms", "smn"}), policy.name


def test_scanner_reads_methods_request_classes_and_the_request_factory(tmp_path: Path):
    (tmp_path / "g.py").write_text(textwrap.dedent("""
        def f(factory, client):
            client.show_metadata_options(factory.request("bms", "ShowJobInfosRequest", job_id="j"))
            return getattr(client, "publish_message")
    """))
    assert called_operations(tmp_path) == {"bms.show_metadata_options", "bms.show_job_infos", "smn.publish_message"}


def test_an_operation_without_a_known_action_is_reported_by_name():
    with pytest.raises(UnknownOperation, match="bms.delete_baremetal_server"):
        required_actions({"bms.delete_baremetal_server"})


def test_action_table_names_are_real_sdk_methods():
    from deploy.actions import sdk_methods

    methods = sdk_methods()
    unknown = [op for op in OPERATION_ACTIONS if op.split(".", 1)[1] not in methods[op.split(".", 1)[0]]]
    assert not unknown


def test_template_explains_each_action():
    for policy in load_template().agency.policies:
        for action, reason in policy.actions:
            assert len(reason.split()) >= 3, f"{action}: reason too short"
