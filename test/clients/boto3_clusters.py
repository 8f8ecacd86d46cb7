"""Aurora DB clusters with boto3 against an endpoint: create a cluster with a Serverless v2 range,
a writer and a reader, describe them, modify, snapshot, restore (from the snapshot and to a point
in time), cluster parameter groups, events, deletion with a final snapshot. Every answer is walked
against botocore's model (botocore_shapes.py). Prints one JSON document."""

import json
import sys
import time

import boto3

from botocore_shapes import checker

endpoint, region = sys.argv[1], sys.argv[2]
rds = boto3.client("rds", endpoint_url=endpoint, region_name=region, aws_access_key_id="boto3", aws_secret_access_key="not-a-secret")
call, checked, problems = checker(rds)


def wait_cluster(identifier, status="available"):
    for _ in range(600):
        found = call("describe_db_clusters", DBClusterIdentifier=identifier)["DBClusters"][0]
        if found["Status"] == status:
            return found
        time.sleep(0.1)
    raise RuntimeError(f"{identifier} never became {status}")


def wait_instance(identifier):
    for _ in range(600):
        if call("describe_db_instances", DBInstanceIdentifier=identifier)["DBInstances"][0]["DBInstanceStatus"] == "available":
            return
        time.sleep(0.1)
    raise RuntimeError(f"{identifier} never became available")


out = {}
created = call(
    "create_db_cluster",
    DBClusterIdentifier="b3-aurora",
    Engine="aurora-postgresql",
    EngineVersion="16.4",
    MasterUsername="master",
    MasterUserPassword="boto3-cluster-pw-1",
    DatabaseName="app",
    ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4},
    Tags=[{"Key": "client", "Value": "boto3"}],
)["DBCluster"]
out["created_status"] = created["Status"]
call("create_db_instance", DBInstanceIdentifier="b3-aurora-1", DBClusterIdentifier="b3-aurora", DBInstanceClass="db.serverless", Engine="aurora-postgresql")
call("create_db_instance", DBInstanceIdentifier="b3-aurora-2", DBClusterIdentifier="b3-aurora", DBInstanceClass="db.r6g.large", Engine="aurora-postgresql")
for member in ("b3-aurora-1", "b3-aurora-2"):
    wait_instance(member)
cluster = wait_cluster("b3-aurora")
out["members"] = [[m["DBInstanceIdentifier"], m["IsClusterWriter"]] for m in cluster["DBClusterMembers"]]
out["capacity"] = cluster["ServerlessV2ScalingConfiguration"]
out["reader_endpoint"] = cluster["ReaderEndpoint"]
call("describe_db_instances", Filters=[{"Name": "db-cluster-id", "Values": ["b3-aurora"]}])
out["pending"] = call("modify_db_cluster", DBClusterIdentifier="b3-aurora", EngineVersion="16.6")["DBCluster"]["PendingModifiedValues"]
call("create_db_cluster_snapshot", DBClusterIdentifier="b3-aurora", DBClusterSnapshotIdentifier="b3-snap")
for _ in range(600):
    snap = call("describe_db_cluster_snapshots", DBClusterSnapshotIdentifier="b3-snap")["DBClusterSnapshots"][0]
    if snap["Status"] == "available":
        break
    time.sleep(0.1)
out["snapshot_status"] = snap["Status"]
call("describe_db_cluster_snapshots", DBClusterIdentifier="b3-aurora", SnapshotType="automated")
wait_cluster("b3-aurora")
call("restore_db_cluster_from_snapshot", DBClusterIdentifier="b3-copy", SnapshotIdentifier="b3-snap", Engine="aurora-postgresql")
call("restore_db_cluster_to_point_in_time", DBClusterIdentifier="b3-pitr", SourceDBClusterIdentifier="b3-aurora", UseLatestRestorableTime=True)
call("describe_db_cluster_parameter_groups")
call("create_db_cluster_parameter_group", DBClusterParameterGroupName="b3-cpg", DBParameterGroupFamily="aurora-postgresql16", Description="boto3")
call("describe_db_engine_versions", Engine="aurora-postgresql")
call("describe_orderable_db_instance_options", Engine="aurora-postgresql", EngineVersion="16.4", MaxRecords=20)
call("list_tags_for_resource", ResourceName=cluster["DBClusterArn"])
for member in ("b3-aurora-2", "b3-aurora-1"):
    call("delete_db_instance", DBInstanceIdentifier=member)
deleted = call("delete_db_cluster", DBClusterIdentifier="b3-aurora", FinalDBSnapshotIdentifier="b3-final")["DBCluster"]
out["deleting_status"] = deleted["Status"]
call("describe_events", SourceType="db-cluster")
call("describe_events", SourceType="db-cluster-snapshot")
out["fields_checked"] = sum(checked.values())
out["distinct_fields"] = len(checked)
out["problems"] = problems
print(json.dumps(out))
