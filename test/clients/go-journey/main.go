// An RDS journey with the AWS SDK for Go against an endpoint: create, describe, modify a parameter
// group, snapshot, restore, delete. The SDK unmarshals every answer into its typed structs (a field
// of the wrong type is an error); prints one JSON document of values the test asserts on.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/awserr"
	"github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/rds"
)

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	endpoint, region, suffix := os.Args[1], os.Args[2], os.Args[3]
	sess := session.Must(session.NewSession(&aws.Config{
		Region: aws.String(region), Endpoint: aws.String(endpoint), MaxRetries: aws.Int(0),
		Credentials: credentials.NewStaticCredentials("gosdk", "not-a-secret", ""),
	}))
	client := rds.New(sess)
	source, restored, group, snapshot := "go-"+suffix, "go-"+suffix+"-r", "go-"+suffix+"-pg", "go-"+suffix+"-snap"
	out := map[string]interface{}{}
	wait := func(id string) *rds.DBInstance {
		for i := 0; i < 600; i++ {
			d, err := client.DescribeDBInstances(&rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
			must(err)
			if aws.StringValue(d.DBInstances[0].DBInstanceStatus) == "available" {
				return d.DBInstances[0]
			}
			time.Sleep(100 * time.Millisecond)
		}
		must(fmt.Errorf("%s never became available", id))
		return nil
	}

	_, err := client.CreateDBParameterGroup(&rds.CreateDBParameterGroupInput{
		DBParameterGroupName: aws.String(group), DBParameterGroupFamily: aws.String("postgres16"), Description: aws.String("go journey")})
	must(err)
	created, err := client.CreateDBInstance(&rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String(source), DBInstanceClass: aws.String("db.t3.micro"), Engine: aws.String("postgres"),
		EngineVersion: aws.String("16.4"), MasterUsername: aws.String("master"), MasterUserPassword: aws.String("go-password-1"),
		AllocatedStorage: aws.Int64(20), DBParameterGroupName: aws.String(group),
		Tags: []*rds.Tag{{Key: aws.String("client"), Value: aws.String("go")}},
	})
	must(err)
	out["created_status"] = aws.StringValue(created.DBInstance.DBInstanceStatus)
	described := wait(source)
	out["engine"] = aws.StringValue(described.Engine)
	out["allocated_storage"] = aws.Int64Value(described.AllocatedStorage)
	out["create_time_set"] = described.InstanceCreateTime != nil && !described.InstanceCreateTime.IsZero()
	out["endpoint_port"] = aws.Int64Value(described.Endpoint.Port)
	out["parameter_group"] = aws.StringValue(described.DBParameterGroups[0].DBParameterGroupName)
	out["tag"] = aws.StringValue(described.TagList[0].Value)

	_, err = client.ModifyDBParameterGroup(&rds.ModifyDBParameterGroupInput{DBParameterGroupName: aws.String(group),
		Parameters: []*rds.Parameter{{ParameterName: aws.String("work_mem"), ParameterValue: aws.String("8192"), ApplyMethod: aws.String("immediate")}}})
	must(err)
	user := map[string]string{}
	must(client.DescribeDBParametersPages(&rds.DescribeDBParametersInput{DBParameterGroupName: aws.String(group), Source: aws.String("user")},
		func(page *rds.DescribeDBParametersOutput, last bool) bool {
			for _, p := range page.Parameters {
				user[aws.StringValue(p.ParameterName)] = aws.StringValue(p.ParameterValue)
			}
			return true
		}))
	out["user_parameters"] = user
	wait(source)

	_, err = client.CreateDBSnapshot(&rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String(source), DBSnapshotIdentifier: aws.String(snapshot)})
	must(err)
	must(client.WaitUntilDBSnapshotAvailable(&rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String(snapshot)}))
	snaps, err := client.DescribeDBSnapshots(&rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String(snapshot)})
	must(err)
	out["snapshot_status"] = aws.StringValue(snaps.DBSnapshots[0].Status)
	out["snapshot_type"] = aws.StringValue(snaps.DBSnapshots[0].SnapshotType)
	wait(source)

	_, err = client.RestoreDBInstanceFromDBSnapshot(&rds.RestoreDBInstanceFromDBSnapshotInput{
		DBInstanceIdentifier: aws.String(restored), DBSnapshotIdentifier: aws.String(snapshot)})
	must(err)
	out["restored_engine_version"] = aws.StringValue(wait(restored).EngineVersion)

	for _, id := range []string{restored, source} {
		_, err = client.DeleteDBInstance(&rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(id), SkipFinalSnapshot: aws.Bool(true)})
		must(err)
		must(client.WaitUntilDBInstanceDeleted(&rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)}))
	}
	_, err = client.DescribeDBInstances(&rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(source)})
	if aerr, ok := err.(awserr.Error); ok {
		out["not_found_code"] = aerr.Code()
	}
	_, err = client.DeleteDBSnapshot(&rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String(snapshot)})
	must(err)
	_, err = client.DeleteDBParameterGroup(&rds.DeleteDBParameterGroupInput{DBParameterGroupName: aws.String(group)})
	must(err)
	text, _ := json.Marshal(out)
	fmt.Println(string(text))
}
