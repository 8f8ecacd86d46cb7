"""An RDS journey with boto3 against an endpoint: create, describe, modify a parameter group,
snapshot, restore, delete. Every answer is parsed by botocore, then walked against the operation's
output shape in botocore's own model: each field present must have the Python type the model's
type maps to. Prints one JSON document (values the test asserts on, fields checked, type errors)."""

import datetime
import json
import sys
import time

import boto3

from botocore_shapes import checker

endpoint, region, suffix = sys.argv[1], sys.argv[2], sys.argv[3]
rds = boto3.client(
    "rds",
    endpoint_url=endpoint,
    region_name=region,
    aws_access_key_id="boto3",
    aws_secret_access_key="not-a-secret",
)
call, checked, problems = checker(rds)


def wait_instance(identifier, status="available"):
    for _ in range(600):
        found = call("describe_db_instances", DBInstanceIdentifier=identifier)["DBInstances"][0]
        if found["DBInstanceStatus"] == status:
            return found
        time.sleep(0.1)
    raise RuntimeError(f"{identifier} never became {status}")


source, restored, group, snapshot = f"boto3-{suffix}", f"boto3-{suffix}-r", f"boto3-{suffix}-pg", f"boto3-{suffix}-snap"
out = {}
call("create_db_parameter_group", DBParameterGroupName=group, DBParameterGroupFamily="postgres16", Description="boto3 journey")
created = call(
    "create_db_instance",
    DBInstanceIdentifier=source,
    DBInstanceClass="db.t3.micro",
    Engine="postgres",
    EngineVersion="16.4",
    MasterUsername="master",
    MasterUserPassword="boto3-password-1",
    AllocatedStorage=20,
    DBParameterGroupName=group,
    Tags=[{"Key": "client", "Value": "boto3"}],
)["DBInstance"]
out["created_status"] = created["DBInstanceStatus"]
described = wait_instance(source)
out["engine"] = described["Engine"]
out["allocated_storage"] = described["AllocatedStorage"]
out["instance_create_time_is_datetime"] = isinstance(described["InstanceCreateTime"], datetime.datetime)
out["endpoint_port"] = described["Endpoint"]["Port"]
out["tags"] = {t["Key"]: t["Value"] for t in described["TagList"]}
out["parameter_group"] = described["DBParameterGroups"][0]["DBParameterGroupName"]

modified = call(
    "modify_db_parameter_group",
    DBParameterGroupName=group,
    Parameters=[{"ParameterName": "work_mem", "ParameterValue": "8192", "ApplyMethod": "immediate"}],
)
out["modified_group"] = modified["DBParameterGroupName"]
parameters = []
marker = None
while True:
    page = call("describe_db_parameters", DBParameterGroupName=group, Source="user", **({"Marker": marker} if marker else {}))
    parameters += page["Parameters"]
    marker = page.get("Marker")
    if not marker:
        break
out["user_parameters"] = {p["ParameterName"]: p.get("ParameterValue") for p in parameters}
wait_instance(source)

snap = call("create_db_snapshot", DBInstanceIdentifier=source, DBSnapshotIdentifier=snapshot)["DBSnapshot"]
out["snapshot_type"] = snap["SnapshotType"]
for _ in range(600):
    snap = call("describe_db_snapshots", DBSnapshotIdentifier=snapshot)["DBSnapshots"][0]
    if snap["Status"] == "available":
        break
    time.sleep(0.1)
out["snapshot_status"] = snap["Status"]
out["snapshot_allocated_storage"] = snap["AllocatedStorage"]
wait_instance(source)

restoring = call("restore_db_instance_from_db_snapshot", DBInstanceIdentifier=restored, DBSnapshotIdentifier=snapshot)["DBInstance"]
out["restored_identifier"] = restoring["DBInstanceIdentifier"]
out["restored_engine_version"] = wait_instance(restored)["EngineVersion"]

for identifier in (restored, source):
    deleting = call("delete_db_instance", DBInstanceIdentifier=identifier, SkipFinalSnapshot=True)["DBInstance"]
    out.setdefault("deleting_status", []).append(deleting["DBInstanceStatus"])
for identifier in (restored, source):
    for _ in range(600):
        try:
            call("describe_db_instances", DBInstanceIdentifier=identifier)
        except rds.exceptions.DBInstanceNotFoundFault:
            break
        time.sleep(0.1)
    else:
        raise RuntimeError(f"{identifier} was never deleted")
try:
    call("describe_db_instances", DBInstanceIdentifier=source)
except rds.exceptions.DBInstanceNotFoundFault as error:
    out["not_found_code"] = error.response["Error"]["Code"]
call("delete_db_snapshot", DBSnapshotIdentifier=snapshot)
call("delete_db_parameter_group", DBParameterGroupName=group)

out["botocore"] = __import__("botocore").__version__
out["fields_checked"] = sum(checked.values())
out["distinct_fields"] = len(checked)
out["problems"] = problems
print(json.dumps(out))
