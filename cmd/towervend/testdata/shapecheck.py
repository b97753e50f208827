#!/usr/bin/env python3
"""shapecheck: does every answer of `towervend sim` have the shape AWS's models say?

    python3 shapecheck.py http://127.0.0.1:4566

Makes real boto3 calls against the simulator (towervend deployed in it) across
every service it serves, keeps the raw body of each answer before botocore
parses it, and checks that body against the operation's output shape in the
botocore 1.43 service models: member names (locationName first), types, enums
(a warning), required members, no JSON null; the Query protocol's XML envelope,
namespace, flattened lists and maps; and for errors, that the code is one the
operation (or every AWS API) can answer and the HTTP status is the model's.
SQS is checked twice: over JSON with botocore's model, and over the Query
protocol with the model of Debian's awscli package (AWS CLI 2.9.19), which
older SDKs still speak.

botocore parses leniently (an unknown key is dropped, a wrong type is often
coerced), so a simulator answer that boto3 accepts can still break a stricter
SDK; that is why the raw body is checked and not what boto3 returns.

It prints one line per call and exits 1 if any answer of an operation the
simulator serves differs from the model, 2 if the check could not run.
Only the standard library and boto3/botocore are used.
"""

import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field

# A data path would change the models the check is against; it is set for
# the Query-protocol SQS session only, on purpose.
os.environ.pop("AWS_DATA_PATH", None)

try:
    import boto3
    import botocore
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, ParamValidationError
except ImportError as e:  # the environment's fault
    print(f"shapecheck: {e}: the image's python3 with boto3/botocore 1.43 is needed", file=sys.stderr)
    sys.exit(2)

sys.dont_write_bytecode = True  # no __pycache__ in testdata/
import shapes  # noqa: E402 - beside this file: the model checks of one raw answer

REGION = "eu-west-1"
BOTOCORE_SERIES = "1.43."
# Debian's awscli package ships its own botocore data; its SQS model is the
# Query-protocol one (AWS moved SQS to JSON in botocore 1.31).
QUERY_SQS_MODEL = "/usr/lib/python3/dist-packages/awscli/botocore/data/sqs/2012-11-05/service-2.json"
REQUEST_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "events", "requests", "01-create.json")
EXECUTION_WAIT = 60.0  # seconds of wall clock for one vending execution to end


def cannot_run(msg):
    """Exits 2, the check could not run (1 means the simulator differs)."""
    print(f"shapecheck: {msg}", file=sys.stderr)
    sys.exit(2)

# --- calling ---


@dataclass
class Result:
    """Result is the verdict on one call."""

    service: str
    operation: str
    detail: str
    verdict: str = "OK"  # OK, SHAPE, ERROR <code>, NOT SERVED, CHECKER
    code: str = ""
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


class Recorder:
    """Recorder keeps the raw answer of a client's last call: botocore emits
    before-parse with the response as received, body still bytes."""

    def __init__(self):
        self.last = None

    def __call__(self, response_dict, **_):
        body = response_dict.get("body", b"")
        if not isinstance(body, (bytes, bytearray)):
            body = b""  # a streaming answer; none of the checked operations has one
        headers = {k.lower(): v for k, v in response_dict.get("headers", {}).items()}
        self.last = shapes.Raw(response_dict.get("status_code", 0), headers, bytes(body))


class Checker:
    """Checker makes the calls, validates every answer and keeps the report."""

    def __init__(self, endpoint, query_sqs_model):
        self.endpoint = endpoint
        self.results = []
        self.query_sqs_model = query_sqs_model
        self.config = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30,
                             parameter_validation=True)

    def client(self, service, session=None, label=None, **creds):
        session = session or boto3.session.Session()
        kw = dict(aws_access_key_id="x", aws_secret_access_key="x")
        kw.update(creds)
        c = session.client(service, endpoint_url=self.endpoint, region_name=REGION, config=self.config, **kw)
        rec = Recorder()
        c.meta.events.register("before-parse", rec)
        c._shapecheck = (rec, label or service)
        return c

    def call(self, client, method, detail="", **params):
        """Calls client.method(**params), validates the raw answer and
        returns the parsed one (None on an error answer)."""
        rec, label = client._shapecheck
        op_name = client.meta.method_to_api_mapping.get(method)
        if op_name is None:
            # Older models lack newer operations (the Query SQS model has no move tasks).
            self.results.append(Result(label, method, detail, "NOT IN MODEL"))
            return None
        op = client.meta.service_model.operation_model(op_name)
        rec.last = None
        parsed, failed = None, None
        try:
            parsed = getattr(client, method)(**params)
        except ParamValidationError as e:
            self.results.append(Result(label, op_name, detail, "CHECKER", problems=[f"the checker sent invalid parameters: {e}"]))
            return None
        except ClientError as e:
            failed = e
        except BotoCoreError as e:
            failed = e
        res = Result(label, op_name, detail)
        raw = rec.last
        if isinstance(failed, EndpointConnectionError):
            cannot_run(f"{label} {op_name}: no simulator answers at {self.endpoint}: {failed}")
        if raw is None:
            res.verdict = "CHECKER"
            res.problems.append(f"no answer: {failed}")
            self.results.append(res)
            return None
        f = shapes.Findings()
        protocol = op.service_model.protocol
        if raw.status >= 300:
            if protocol == "query":
                code = shapes.check_query_error(op, raw, f)
            else:
                qm = self.query_sqs_model if op.service_model.service_name == "sqs" else None
                code = shapes.check_json_error(op, raw, f, query_model=qm)
            res.code = code
            res.verdict = "NOT SERVED" if code in shapes.NOT_SERVED else f"ERROR {code}"
        elif protocol == "query":
            shapes.check_query_answer(op, raw, f)
        else:
            shapes.check_json_answer(op, raw, f)
        if not isinstance(failed, ClientError) and failed is not None:
            f.problem("", f"botocore could not read the answer: {failed}")
        res.problems, res.warnings = f.problems, f.warnings
        if res.verdict == "NOT SERVED":
            # How an unserved operation answers is no shape of the model's.
            res.problems, res.warnings = [], f.problems + f.warnings
        elif res.problems:
            res.verdict = "SHAPE"
        self.results.append(res)
        return parsed

    def failed_setup(self, msg):
        self.results.append(Result("shapecheck", "setup", "", "CHECKER", problems=[msg]))


# --- the calls, service by service ---


def items(resp, key):
    return (resp or {}).get(key) or []


def sample(xs, n):
    """The first and last of xs, n in all: the ends of a tree walk differ
    (top-level OUs and nested ones)."""
    return xs if len(xs) <= n else xs[: n - n // 2] + xs[len(xs) - n // 2:]


def organizations_calls(chk, org, vended, member_creds):
    """Walks the organization; returns (OU ARNs by id, account ids)."""
    chk.call(org, "describe_organization")
    roots = items(chk.call(org, "list_roots"), "Roots")
    root = roots[0]["Id"] if roots else ""
    ous, arns, queue = [], {}, [root] if root else []
    while queue:
        parent = queue.pop(0)
        for ou in items(chk.call(org, "list_organizational_units_for_parent", parent, ParentId=parent), "OrganizationalUnits"):
            ous.append(ou["Id"])
            arns[ou["Id"]] = ou["Arn"]
            queue.append(ou["Id"])
    for parent in [root] + sample(ous, 3):
        chk.call(org, "list_accounts_for_parent", parent, ParentId=parent)
    for ou in sample(ous, 4):
        chk.call(org, "describe_organizational_unit", ou, OrganizationalUnitId=ou)
    for parent in [root] + ous[:1]:
        for kind in ("ACCOUNT", "ORGANIZATIONAL_UNIT"):
            chk.call(org, "list_children", f"{parent} {kind}", ParentId=parent, ChildType=kind)
    for ou in sample(ous, 2):
        chk.call(org, "list_parents", ou, ChildId=ou)
        chk.call(org, "list_tags_for_resource", ou, ResourceId=ou)
    chk.call(org, "list_tags_for_resource", root, ResourceId=root)

    accounts = items(chk.call(org, "list_accounts"), "Accounts")
    page = chk.call(org, "list_accounts", "MaxResults=3", MaxResults=3)
    if page and page.get("NextToken"):
        chk.call(org, "list_accounts", "second page", MaxResults=3, NextToken=page["NextToken"])
    ids = [a["Id"] for a in accounts]
    # One account of each status, the vended one, and a few more.
    picked = list(dict.fromkeys([a["Id"] for a in {a.get("Status"): a for a in accounts}.values()] + ([vended] if vended else []) + ids))[:6]
    for a in picked:
        chk.call(org, "describe_account", a, AccountId=a)
    for a in picked[:3]:
        chk.call(org, "list_parents", a, ChildId=a)
        chk.call(org, "list_tags_for_resource", a, ResourceId=a)

    chk.call(org, "list_create_account_status")
    chk.call(org, "list_create_account_status", "States=SUCCEEDED, MaxResults=1", States=["SUCCEEDED"], MaxResults=1)
    chk.call(org, "list_create_account_status", "unknown state", States=["DONE"])
    chk.call(org, "list_policies", "SERVICE_CONTROL_POLICY", Filter="SERVICE_CONTROL_POLICY")
    chk.call(org, "list_aws_service_access_for_organization")
    chk.call(org, "list_delegated_administrators")
    # Errors the operations model, to check their shape too.
    chk.call(org, "describe_account", "unknown account", AccountId="000000000000")
    chk.call(org, "describe_organizational_unit", "unknown OU", OrganizationalUnitId="ou-nw7k-zzzzzzzz")
    chk.call(org, "describe_create_account_status", "unknown request", CreateAccountRequestId="car-0123456789abcdef0123456789abcdef")
    if member_creds:
        member = chk.client("organizations", **member_creds)
        chk.call(member, "describe_organization", "as the vended account")
        chk.call(member, "list_accounts", "as the vended account")
    return arns, picked


def request_file():
    with open(REQUEST_FILE, encoding="utf-8") as fh:
        return json.load(fh)


def vended_account(org):
    """The account the submitted request vended: enrolled, so it has the
    AWSControlTowerExecution role (an account in an unregistered OU has not)."""
    name = request_file()["account"]["name"]
    try:
        accounts = items(org.list_accounts(), "Accounts")  # unchecked: organizations_calls checks ListAccounts
    except (BotoCoreError, ClientError):
        return None
    return next((a["Id"] for a in accounts if a.get("Name") == name), None)


def sts_calls(chk, sts, member):
    ident = chk.call(sts, "get_caller_identity")
    creds = None
    if not member:
        chk.failed_setup("the account events/requests/01-create.json vends is not in ListAccounts: AssumeRole into its AWSControlTowerExecution is not checked")
    else:
        role = f"arn:aws:iam::{member}:role/AWSControlTowerExecution"
        out = chk.call(sts, "assume_role", role, RoleArn=role, RoleSessionName="shapecheck", DurationSeconds=900)
        c = (out or {}).get("Credentials")
        if c:
            creds = dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
            chk.call(chk.client("sts", **creds), "get_caller_identity", "as AWSControlTowerExecution")
    chk.call(sts, "assume_role", "role in an unknown account", RoleArn="arn:aws:iam::000000000000:role/Nobody", RoleSessionName="shapecheck")
    return ident, creds


def catalog_calls(chk, sc):
    products = items(chk.call(sc, "search_products"), "ProductViewSummaries")
    chk.call(sc, "search_products_as_admin")
    chk.call(sc, "list_portfolios")
    for p in products[:2]:
        pid = p["ProductId"]
        chk.call(sc, "describe_product", pid, Id=pid)
        chk.call(sc, "describe_product_as_admin", pid, Id=pid)
        arts = items(chk.call(sc, "list_provisioning_artifacts", pid, ProductId=pid), "ProvisioningArtifactDetails")
        paths = items(chk.call(sc, "list_launch_paths", pid, ProductId=pid), "LaunchPathSummaries")
        chk.call(sc, "list_portfolios_for_product", pid, ProductId=pid)
        for a in arts[:2]:
            chk.call(sc, "describe_provisioning_artifact", a["Id"], ProductId=pid, ProvisioningArtifactId=a["Id"])
            params = dict(ProductId=pid, ProvisioningArtifactId=a["Id"])
            if paths:
                params["PathId"] = paths[0]["Id"]
            chk.call(sc, "describe_provisioning_parameters", a["Id"], **params)
    provisioned = items(chk.call(sc, "search_provisioned_products"), "ProvisionedProducts")
    chk.call(sc, "search_provisioned_products", "AccessLevelFilter Account self, PageSize 2",
             AccessLevelFilter={"Key": "Account", "Value": "self"}, PageSize=2)
    chk.call(sc, "scan_provisioned_products")
    chk.call(sc, "scan_provisioned_products", "AccessLevelFilter Account self", AccessLevelFilter={"Key": "Account", "Value": "self"})
    # The newest first: the one the submitted request provisioned has records.
    records = []
    for pp in sorted(provisioned, key=lambda p: str(p.get("CreatedTime", "")), reverse=True)[:3]:
        chk.call(sc, "describe_provisioned_product", pp["Id"], Id=pp["Id"])
        chk.call(sc, "get_provisioned_product_outputs", pp["Id"], ProvisionedProductId=pp["Id"])
        for key in ("LastRecordId", "LastProvisioningRecordId", "LastSuccessfulProvisioningRecordId"):
            if pp.get(key) and pp[key] not in records:
                records.append(pp[key])
    for r in records[:3]:
        chk.call(sc, "describe_record", r, Id=r)
    chk.call(sc, "list_record_history")
    for pp in provisioned[:1]:
        chk.call(sc, "list_record_history", f"SearchFilter provisionedproduct {pp['Id']}", SearchFilter={"Key": "provisionedproduct", "Value": pp["Id"]})
    chk.call(sc, "describe_product", "unknown product", Id="prod-zzzzzzzzzzzzz")
    chk.call(sc, "describe_record", "unknown record", Id="rec-zzzzzzzzzzzzz")


def identity_center_calls(chk, sso, ids, accounts, group_name):
    instances = items(chk.call(sso, "list_instances"), "Instances")
    if not instances:
        chk.failed_setup("sso-admin ListInstances listed no instance; the IAM Identity Center checks need one")
        return
    inst, store = instances[0]["InstanceArn"], instances[0]["IdentityStoreId"]
    psets = items(chk.call(sso, "list_permission_sets", InstanceArn=inst), "PermissionSets")
    for ps in sample(psets, 3):
        chk.call(sso, "describe_permission_set", ps.rsplit("/", 1)[-1], InstanceArn=inst, PermissionSetArn=ps)
    for a in accounts[:2]:
        provisioned = items(chk.call(sso, "list_permission_sets_provisioned_to_account", a, InstanceArn=inst, AccountId=a), "PermissionSets")
        for ps in (provisioned or psets)[:2]:
            chk.call(sso, "list_account_assignments", f"{a} {ps.rsplit('/', 1)[-1]}", InstanceArn=inst, AccountId=a, PermissionSetArn=ps)
    for ps in psets[:1]:
        chk.call(sso, "list_accounts_for_provisioned_permission_set", ps.rsplit("/", 1)[-1], InstanceArn=inst, PermissionSetArn=ps)
    created = items(chk.call(sso, "list_account_assignment_creation_status", InstanceArn=inst), "AccountAssignmentsCreationStatus")
    for op in created[:2]:
        chk.call(sso, "describe_account_assignment_creation_status", op["RequestId"], InstanceArn=inst, AccountAssignmentCreationRequestId=op["RequestId"])
    chk.call(sso, "list_account_assignment_deletion_status", InstanceArn=inst)
    chk.call(sso, "describe_permission_set", "unknown permission set", InstanceArn=inst,
             PermissionSetArn=inst.replace(":instance/", ":permissionSet/") + "/ps-0000000000000000")

    users = items(chk.call(ids, "list_users", IdentityStoreId=store), "Users")
    groups = items(chk.call(ids, "list_groups", IdentityStoreId=store), "Groups")
    for u in users[:2]:
        chk.call(ids, "describe_user", u["UserId"], IdentityStoreId=store, UserId=u["UserId"])
        chk.call(ids, "list_group_memberships_for_member", u["UserId"], IdentityStoreId=store, MemberId={"UserId": u["UserId"]})
        chk.call(ids, "get_user_id", u["UserName"], IdentityStoreId=store,
                 AlternateIdentifier={"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": u["UserName"]}})
    for g in sample(groups, 3):
        chk.call(ids, "describe_group", g["GroupId"], IdentityStoreId=store, GroupId=g["GroupId"])
        chk.call(ids, "list_group_memberships", g.get("DisplayName", g["GroupId"]), IdentityStoreId=store, GroupId=g["GroupId"])
    for g in groups[:2]:
        chk.call(ids, "get_group_id", g["DisplayName"], IdentityStoreId=store,
                 AlternateIdentifier={"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": g["DisplayName"]}})
    for g in groups[:1]:
        for u in users[:1]:
            chk.call(ids, "is_member_in_groups", u["UserId"], IdentityStoreId=store, MemberId={"UserId": u["UserId"]}, GroupIds=[g["GroupId"]])
    for g in [g for g in groups if g.get("DisplayName") == group_name] or groups[:1]:
        chk.call(sso, "list_account_assignments_for_principal", g.get("DisplayName", ""), InstanceArn=inst, PrincipalId=g["GroupId"], PrincipalType="GROUP")
    chk.call(ids, "describe_user", "unknown user", IdentityStoreId=store, UserId="00000000-0000-0000-0000-000000000000")


def sqs_calls(chk, sqs, suffix):
    """The same calls over either SQS protocol; suffix keeps their queues apart."""
    chk.call(sqs, "list_queues")
    chk.call(sqs, "list_queues", "prefix towervend", QueueNamePrefix="towervend")
    requests = (chk.call(sqs, "get_queue_url", "towervend-requests", QueueName="towervend-requests") or {}).get("QueueUrl")
    dlq = (chk.call(sqs, "get_queue_url", "towervend-requests-dlq", QueueName="towervend-requests-dlq") or {}).get("QueueUrl")
    dlq_arn = None
    if requests:
        chk.call(sqs, "get_queue_attributes", "towervend-requests All", QueueUrl=requests, AttributeNames=["All"])
        chk.call(sqs, "list_queue_tags", "towervend-requests", QueueUrl=requests)
    if dlq:
        attrs = chk.call(sqs, "get_queue_attributes", "towervend-requests-dlq QueueArn", QueueUrl=dlq, AttributeNames=["QueueArn"])
        dlq_arn = ((attrs or {}).get("Attributes") or {}).get("QueueArn")
        chk.call(sqs, "list_dead_letter_source_queues", "towervend-requests-dlq", QueueUrl=dlq)
    if dlq_arn:
        chk.call(sqs, "list_message_move_tasks", "towervend-requests-dlq", SourceArn=dlq_arn)
    # A queue name of this run: SQS refuses a name deleted in the last 60 s.
    name = f"shapecheck-{suffix}-{os.getpid()}-{int(time.time())}"
    q = (chk.call(sqs, "create_queue", name, QueueName=name, Attributes={"VisibilityTimeout": "30"}, tags={"purpose": "shapecheck"}) or {}).get("QueueUrl")
    chk.call(sqs, "get_queue_url", "unknown queue", QueueName="shapecheck-no-such-queue")
    if not q:
        return
    chk.call(sqs, "set_queue_attributes", name, QueueUrl=q, Attributes={"MessageRetentionPeriod": "3600"})
    chk.call(sqs, "get_queue_attributes", f"{name} All", QueueUrl=q, AttributeNames=["All"])
    chk.call(sqs, "tag_queue", name, QueueUrl=q, Tags={"team": "platform"})
    chk.call(sqs, "untag_queue", name, QueueUrl=q, TagKeys=["team"])
    chk.call(sqs, "list_queue_tags", name, QueueUrl=q)
    attrs = {"kind": {"DataType": "String", "StringValue": "check"}, "n": {"DataType": "Number", "StringValue": "1"},
             "raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01shape"}}
    chk.call(sqs, "send_message", name, QueueUrl=q, MessageBody='{"check":"shape"}', MessageAttributes=attrs)
    chk.call(sqs, "send_message_batch", name, QueueUrl=q, Entries=[
        {"Id": "a", "MessageBody": "one", "MessageAttributes": attrs}, {"Id": "b", "MessageBody": "two"}])
    chk.call(sqs, "send_message_batch", "an empty body fails an entry", QueueUrl=q, Entries=[{"Id": "ok", "MessageBody": "three"}, {"Id": "bad", "MessageBody": ""}])
    got = items(chk.call(sqs, "receive_message", name, QueueUrl=q, MaxNumberOfMessages=10, AttributeNames=["All"],
                         MessageAttributeNames=["All"], VisibilityTimeout=30, WaitTimeSeconds=0), "Messages")
    chk.call(sqs, "receive_message", f"{name} again, nothing visible", QueueUrl=q, MaxNumberOfMessages=1, WaitTimeSeconds=0)
    handles = [m["ReceiptHandle"] for m in got]
    if handles:
        chk.call(sqs, "change_message_visibility", name, QueueUrl=q, ReceiptHandle=handles[0], VisibilityTimeout=20)
        chk.call(sqs, "change_message_visibility_batch", name, QueueUrl=q,
                 Entries=[{"Id": f"m{i}", "ReceiptHandle": h, "VisibilityTimeout": 15} for i, h in enumerate(handles)])
        chk.call(sqs, "delete_message", name, QueueUrl=q, ReceiptHandle=handles[0])
        chk.call(sqs, "delete_message_batch", f"{name}, one bad handle", QueueUrl=q,
                 Entries=[{"Id": f"m{i}", "ReceiptHandle": h} for i, h in enumerate(handles[1:])] + [{"Id": "bad", "ReceiptHandle": "not-a-receipt-handle"}])
    chk.call(sqs, "purge_queue", name, QueueUrl=q)
    chk.call(sqs, "delete_queue", name, QueueUrl=q)


def submit_request(chk, sqs):
    with open(REQUEST_FILE, encoding="utf-8") as fh:
        body = fh.read()
    url = (chk.call(sqs, "get_queue_url", "towervend-requests (to submit)", QueueName="towervend-requests") or {}).get("QueueUrl")
    if not url:
        chk.failed_setup("no towervend-requests queue to submit events/requests/01-create.json to")
        return False
    return chk.call(sqs, "send_message", "events/requests/01-create.json", QueueUrl=url, MessageBody=body) is not None


def wait_for_execution(chk, poller, sfn):
    """Polls (with an unchecked client, the polls are many and alike) until an
    execution of the vending state machine ends; returns its ARN."""
    machines = items(chk.call(sfn, "list_state_machines"), "stateMachines")
    if not machines:
        chk.failed_setup("stepfunctions ListStateMachines listed none; towervend's state machine should be deployed")
        return None, None
    machine = machines[0]["stateMachineArn"]
    deadline = time.monotonic() + EXECUTION_WAIT
    while time.monotonic() < deadline:
        try:
            executions = poller.list_executions(stateMachineArn=machine).get("executions", [])
        except (BotoCoreError, ClientError) as e:
            chk.failed_setup(f"waiting for the request's execution: stepfunctions ListExecutions: {e}")
            return machine, None
        for e in executions:
            if e["status"] != "RUNNING":
                return machine, e["executionArn"]
        time.sleep(0.25)
    chk.failed_setup(f"no execution of {machine} ended within {EXECUTION_WAIT:.0f}s of submitting events/requests/01-create.json")
    return machine, None


def stepfunctions_calls(chk, sfn, machine, ended):
    chk.call(sfn, "describe_state_machine", machine.rsplit(":", 1)[-1], stateMachineArn=machine)
    execs = items(chk.call(sfn, "list_executions", stateMachineArn=machine), "executions")
    chk.call(sfn, "list_executions", "SUCCEEDED, maxResults 1", stateMachineArn=machine, statusFilter="SUCCEEDED", maxResults=1)
    arns = [ended] + [e["executionArn"] for e in execs if e["executionArn"] != ended][:2]
    for a in arns:
        chk.call(sfn, "describe_execution", a.rsplit(":", 1)[-1], executionArn=a)
    history = chk.call(sfn, "get_execution_history", ended.rsplit(":", 1)[-1], executionArn=ended, maxResults=1000)
    if history and history.get("nextToken"):
        chk.call(sfn, "get_execution_history", "next page", executionArn=ended, maxResults=1000, nextToken=history["nextToken"])
    chk.call(sfn, "get_execution_history", "reverse, 5", executionArn=ended, reverseOrder=True, maxResults=5)
    chk.call(sfn, "describe_execution", "unknown execution", executionArn=machine.replace(":stateMachine:", ":execution:") + ":no-such-execution")


def dynamodb_calls(chk, ddb):
    tables = items(chk.call(ddb, "list_tables"), "TableNames")
    for t in tables:
        desc = (chk.call(ddb, "describe_table", t, TableName=t) or {}).get("Table") or {}
        chk.call(ddb, "describe_time_to_live", t, TableName=t)
        if desc.get("TableArn"):
            chk.call(ddb, "list_tags_of_resource", t, ResourceArn=desc["TableArn"])
        got = items(chk.call(ddb, "scan", t, TableName=t, Limit=25), "Items")
        keys = [k["AttributeName"] for k in desc.get("KeySchema", [])]
        hash_key = next((k["AttributeName"] for k in desc.get("KeySchema", []) if k["KeyType"] == "HASH"), None)
        if got and keys and all(k in got[0] for k in keys):
            item = got[0]
            chk.call(ddb, "get_item", t, TableName=t, Key={k: item[k] for k in keys})
            chk.call(ddb, "query", t, TableName=t, KeyConditionExpression="#h = :h",
                     ExpressionAttributeNames={"#h": hash_key}, ExpressionAttributeValues={":h": item[hash_key]})
        elif hash_key:
            chk.call(ddb, "query", f"{t}, no items", TableName=t, KeyConditionExpression="#h = :h",
                     ExpressionAttributeNames={"#h": hash_key}, ExpressionAttributeValues={":h": {"S": "shapecheck"}})
    chk.call(ddb, "describe_table", "unknown table", TableName="shapecheck-no-such-table")
    # A table of its own, for the item-shaped answers towervend's tables may not give.
    name = "shapecheck"
    chk.call(ddb, "create_table", name, TableName=name, BillingMode="PAY_PER_REQUEST",
             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    item = {"pk": {"S": "a"}, "sk": {"N": "1"}, "b": {"B": b"\x00shape"}, "ok": {"BOOL": True}, "nothing": {"NULL": True},
            "l": {"L": [{"S": "x"}, {"N": "2"}]}, "m": {"M": {"k": {"S": "v"}}}, "ss": {"SS": ["p", "q"]}, "ns": {"NS": ["1", "2"]}}
    chk.call(ddb, "put_item", name, TableName=name, Item=item, ReturnConsumedCapacity="TOTAL")
    key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    chk.call(ddb, "get_item", name, TableName=name, Key=key, ConsistentRead=True)
    chk.call(ddb, "update_item", f"{name} ALL_NEW", TableName=name, Key=key, UpdateExpression="SET #c = :c",
             ExpressionAttributeNames={"#c": "count"}, ExpressionAttributeValues={":c": {"N": "3"}}, ReturnValues="ALL_NEW")
    chk.call(ddb, "put_item", f"{name}, condition fails", TableName=name, Item=item, ConditionExpression="attribute_not_exists(pk)")
    chk.call(ddb, "query", name, TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}}, Select="COUNT")
    chk.call(ddb, "batch_get_item", name, RequestItems={name: {"Keys": [key]}})
    chk.call(ddb, "transact_get_items", name, TransactItems=[{"Get": {"TableName": name, "Key": key}}])
    chk.call(ddb, "delete_item", f"{name} ALL_OLD", TableName=name, Key=key, ReturnValues="ALL_OLD")
    chk.call(ddb, "delete_table", name, TableName=name)


def events_calls(chk, eb):
    buses = items(chk.call(eb, "list_event_buses"), "EventBuses")
    for b in buses:
        chk.call(eb, "describe_event_bus", b["Name"], Name=b["Name"])
        for r in items(chk.call(eb, "list_rules", b["Name"], EventBusName=b["Name"]), "Rules"):
            chk.call(eb, "describe_rule", f"{b['Name']}/{r['Name']}", Name=r["Name"], EventBusName=b["Name"])
            chk.call(eb, "list_targets_by_rule", f"{b['Name']}/{r['Name']}", Rule=r["Name"], EventBusName=b["Name"])
    event = {"id": "1", "account": "111122223333", "source": "towervend", "time": "2026-01-01T00:00:00Z",
             "region": REGION, "resources": [], "detail-type": "Account Vended", "detail": {}}
    chk.call(eb, "test_event_pattern", EventPattern=json.dumps({"source": ["towervend"]}), Event=json.dumps(event))
    chk.call(eb, "describe_rule", "unknown rule", Name="shapecheck-no-such-rule")


def controltower_calls(chk, ct, ou_arns):
    zones = items(chk.call(ct, "list_landing_zones"), "landingZones")
    for z in zones:
        chk.call(ct, "get_landing_zone", z["arn"].rsplit("/", 1)[-1], landingZoneIdentifier=z["arn"])
    chk.call(ct, "list_enabled_baselines")
    children = items(chk.call(ct, "list_enabled_baselines", "includeChildren", includeChildren=True), "enabledBaselines")
    for b in children[:1]:
        chk.call(ct, "get_enabled_baseline", b["arn"].rsplit("/", 1)[-1], enabledBaselineIdentifier=b["arn"])
    ops = [b["statusSummary"]["lastOperationIdentifier"] for b in children if b.get("statusSummary", {}).get("lastOperationIdentifier")]
    for op in ops[:1]:
        chk.call(ct, "get_baseline_operation", op, operationIdentifier=op)
    chk.call(ct, "get_baseline_operation", "unknown operation", operationIdentifier="58f12232-26be-4735-a3e9-dd30d90f021f")
    chk.call(ct, "list_baselines")
    for arn in list(ou_arns)[:2]:
        chk.call(ct, "list_enabled_controls", arn.rsplit("/", 1)[-1], targetIdentifier=arn)
    chk.call(ct, "get_landing_zone", "unknown landing zone", landingZoneIdentifier="arn:aws:controltower:eu-west-1:111122223333:landingzone/0000000000000000")


def lambda_calls(chk, lam):
    fns = items(chk.call(lam, "list_functions"), "Functions")
    names = [f["FunctionName"] for f in fns] or ["towervend-intake"]
    for n in names[:3]:
        chk.call(lam, "get_function", n, FunctionName=n)
        chk.call(lam, "get_function_configuration", n, FunctionName=n)


def iam_calls(chk, iam, caller_arn):
    roles = items(chk.call(iam, "list_roles"), "Roles")
    names = [r["RoleName"] for r in roles]
    if not names and caller_arn and ":assumed-role/" in caller_arn:
        names = [caller_arn.split(":assumed-role/", 1)[1].split("/", 1)[0]]
    for n in names[:3]:
        chk.call(iam, "get_role", n, RoleName=n)
        policies = items(chk.call(iam, "list_role_policies", n, RoleName=n), "PolicyNames")
        chk.call(iam, "list_attached_role_policies", n, RoleName=n)
        for p in policies[:1]:
            chk.call(iam, "get_role_policy", f"{n}/{p}", RoleName=n, PolicyName=p)
    chk.call(iam, "get_role", "unknown role", RoleName="shapecheck-no-such-role")


def cloudformation_calls(chk, cfn):
    stacks = items(chk.call(cfn, "describe_stacks"), "Stacks")
    for s in stacks[:2]:
        chk.call(cfn, "describe_stacks", s["StackName"], StackName=s["StackName"])
        chk.call(cfn, "describe_stack_resources", s["StackName"], StackName=s["StackName"])
    chk.call(cfn, "describe_stacks", "unknown stack", StackName="shapecheck-no-such-stack")


# --- SQS over the Query protocol ---


def query_sqs_session(tmp):
    """A botocore session that loads SQS's Query-protocol model: data paths
    come before botocore's own data, so this one file wins."""
    if not os.path.isfile(QUERY_SQS_MODEL):
        cannot_run(f"{QUERY_SQS_MODEL} is missing: install Debian's awscli (apt-get install awscli)")
    d = os.path.join(tmp, "sqs", "2012-11-05")
    os.makedirs(d)
    shutil.copy(QUERY_SQS_MODEL, os.path.join(d, "service-2.json"))
    core = botocore.session.Session()
    core.set_config_variable("data_path", tmp)
    return boto3.session.Session(botocore_session=core)


# --- the report ---


def print_report(chk):
    width_s = max(len(r.service) for r in chk.results)
    width_o = max(len(r.operation) for r in chk.results)
    for r in chk.results:
        head = f"{r.service:<{width_s}}  {r.operation:<{width_o}}  "
        detail = f"[{r.detail}] " if r.detail else ""
        if r.verdict == "SHAPE":
            more = f" (+{len(r.problems) - 1} more)" if len(r.problems) > 1 else ""
            line = f"SHAPE{f' ({r.code})' if r.code else ''}: {r.problems[0]}{more}"
        elif r.verdict == "NOT SERVED":
            line = f"NOT SERVED ({r.code})"
        elif r.verdict == "CHECKER":
            line = f"CHECKER: {r.problems[0]}"
        else:
            line = r.verdict
        print(f"{head}{detail}{line}")
        for p in r.problems[1:] if r.verdict in ("SHAPE", "CHECKER") else []:
            print(f"{'':<{width_s + width_o + 4}}  - {p}")
        for w in r.warnings:
            print(f"{'':<{width_s + width_o + 4}}  warning: {w}")

    counts = {}
    for r in chk.results:
        k = r.verdict.split(" ")[0] if r.verdict.startswith("ERROR") else r.verdict
        counts[k] = counts.get(k, 0) + 1
    print()
    print(f"{len(chk.results)} calls: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    # The same difference in every item of a list is one difference.
    distinct = {}
    for r in chk.results:
        if r.verdict == "SHAPE":
            for p in r.problems:
                key = (r.service, r.operation, re.sub(r"\[[^\]]*\]", "[]", p.split(": ", 1)[0]))
                distinct.setdefault(key, p)
    if distinct:
        print(f"\n{len(distinct)} distinct shape problems (service, operation, member: what the model says vs what the simulator sent):")
        for (svc, op, _), p in sorted(distinct.items()):
            print(f"  {svc} {op} {p}")
    not_served = sorted({(r.service, r.operation) for r in chk.results if r.verdict == "NOT SERVED"})
    if not_served:
        print(f"\nnot served ({len(not_served)}): " + ", ".join(f"{s} {o}" for s, o in not_served))


def main(argv):
    if len(argv) != 2:
        cannot_run("usage: shapecheck.py ENDPOINT_URL (e.g. http://127.0.0.1:4566, as `towervend sim` prints)")
    if not botocore.__version__.startswith(BOTOCORE_SERIES):
        cannot_run(f"botocore {botocore.__version__}: the image's python3 with boto3/botocore 1.43 is needed")
    endpoint = argv[1].rstrip("/")
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="shapecheck-") as tmp:
        query_session = query_sqs_session(tmp)
        query_model = query_session._session.get_service_model("sqs")
        if query_model.protocol != "query":
            cannot_run(f"{QUERY_SQS_MODEL} is protocol {query_model.protocol!r}, not query: install Debian's awscli (apt-get install awscli)")
        chk = Checker(endpoint, query_model)
        print(f"botocore {botocore.__version__}, boto3 {boto3.__version__}; SQS Query model {QUERY_SQS_MODEL}; endpoint {endpoint}\n")

        sqs = chk.client("sqs", label="sqs(json)")
        sfn = chk.client("stepfunctions")
        poller = boto3.session.Session().client("stepfunctions", endpoint_url=endpoint, region_name=REGION,
                                                aws_access_key_id="x", aws_secret_access_key="x", config=chk.config)
        machine, ended = None, None
        if submit_request(chk, sqs):
            machine, ended = wait_for_execution(chk, poller, sfn)

        org = chk.client("organizations")
        vended = vended_account(org)
        ident, member_creds = sts_calls(chk, chk.client("sts"), vended)
        ou_arns, account_ids = organizations_calls(chk, org, vended, member_creds)
        catalog_calls(chk, chk.client("servicecatalog"))
        # The vended account has the request's assignments.
        identity_center_calls(chk, chk.client("sso-admin"), chk.client("identitystore"), list(dict.fromkeys(([vended] if vended else []) + account_ids)),
                              request_file()["access"][0]["group"])
        sqs_calls(chk, sqs, "json")
        qsqs = chk.client("sqs", session=query_session, label="sqs(query)")
        sqs_calls(chk, qsqs, "query")
        dynamodb_calls(chk, chk.client("dynamodb"))
        events_calls(chk, chk.client("events"))
        if machine and ended:
            stepfunctions_calls(chk, sfn, machine, ended)
        controltower_calls(chk, chk.client("controltower"), ou_arns.values())
        lambda_calls(chk, chk.client("lambda"))
        iam_calls(chk, chk.client("iam"), (ident or {}).get("Arn"))
        cloudformation_calls(chk, chk.client("cloudformation"))

    print_report(chk)
    print(f"\n{time.monotonic() - start:.1f}s")
    if any(r.verdict == "SHAPE" for r in chk.results):
        return 1
    if any(r.verdict == "CHECKER" for r in chk.results):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
