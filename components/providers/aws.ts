/*
 * The AWS resources the program declares, each loaded from its own module of @pulumi/aws. The
 * package's root module defines every one of its ~250 services as it loads, which costs more than
 * all the resources below together; a plan that needs none of them (MongoDB and in-cluster Redis)
 * loads none. The classes are the package's own: `aws.rds.Instance` here is `@pulumi/aws`'s.
 */
import * as provider from "@pulumi/aws/provider";
import * as availabilityZones from "@pulumi/aws/getAvailabilityZones";
import * as chatbotSlackChannelConfiguration from "@pulumi/aws/chatbot/slackChannelConfiguration";
import * as cloudwatchMetricAlarm from "@pulumi/aws/cloudwatch/metricAlarm";
import * as ec2Route from "@pulumi/aws/ec2/route";
import * as ec2RouteTable from "@pulumi/aws/ec2/routeTable";
import * as ec2RouteTableAssociation from "@pulumi/aws/ec2/routeTableAssociation";
import * as ec2SecurityGroup from "@pulumi/aws/ec2/securityGroup";
import * as ec2Subnet from "@pulumi/aws/ec2/subnet";
import * as ec2Vpc from "@pulumi/aws/ec2/vpc";
import * as ec2VpcPeeringConnection from "@pulumi/aws/ec2/vpcPeeringConnection";
import * as elasticacheParameterGroup from "@pulumi/aws/elasticache/parameterGroup";
import * as elasticacheReplicationGroup from "@pulumi/aws/elasticache/replicationGroup";
import * as elasticacheSubnetGroup from "@pulumi/aws/elasticache/subnetGroup";
import * as iamAccessKey from "@pulumi/aws/iam/accessKey";
import * as iamRole from "@pulumi/aws/iam/role";
import * as iamUser from "@pulumi/aws/iam/user";
import * as iamUserPolicy from "@pulumi/aws/iam/userPolicy";
import * as kmsAlias from "@pulumi/aws/kms/alias";
import * as kmsKey from "@pulumi/aws/kms/key";
import * as rdsInstance from "@pulumi/aws/rds/instance";
import * as rdsParameterGroup from "@pulumi/aws/rds/parameterGroup";
import * as rdsSubnetGroup from "@pulumi/aws/rds/subnetGroup";
import * as s3Bucket from "@pulumi/aws/s3/bucket";
import * as s3BucketAcl from "@pulumi/aws/s3/bucketAcl";
import * as s3BucketLifecycleConfiguration from "@pulumi/aws/s3/bucketLifecycleConfiguration";
import * as s3BucketOwnershipControls from "@pulumi/aws/s3/bucketOwnershipControls";
import * as s3BucketPolicy from "@pulumi/aws/s3/bucketPolicy";
import * as s3BucketPublicAccessBlock from "@pulumi/aws/s3/bucketPublicAccessBlock";
import * as s3BucketServerSideEncryptionConfiguration from "@pulumi/aws/s3/bucketServerSideEncryptionConfiguration";
import * as s3GetCanonicalUserId from "@pulumi/aws/s3/getCanonicalUserId";
import * as snsTopic from "@pulumi/aws/sns/topic";
import * as snsTopicPolicy from "@pulumi/aws/sns/topicPolicy";
import * as snsTopicSubscription from "@pulumi/aws/sns/topicSubscription";

export import Provider = provider.Provider;
export type ProviderArgs = provider.ProviderArgs;
export const getAvailabilityZonesOutput = availabilityZones.getAvailabilityZonesOutput;

export namespace chatbot {
    export import SlackChannelConfiguration = chatbotSlackChannelConfiguration.SlackChannelConfiguration;
}
export namespace cloudwatch {
    export import MetricAlarm = cloudwatchMetricAlarm.MetricAlarm;
}
export namespace ec2 {
    export import Route = ec2Route.Route;
    export import RouteTable = ec2RouteTable.RouteTable;
    export import RouteTableAssociation = ec2RouteTableAssociation.RouteTableAssociation;
    export import SecurityGroup = ec2SecurityGroup.SecurityGroup;
    export import Subnet = ec2Subnet.Subnet;
    export import Vpc = ec2Vpc.Vpc;
    export import VpcPeeringConnection = ec2VpcPeeringConnection.VpcPeeringConnection;
}
export namespace elasticache {
    export import ParameterGroup = elasticacheParameterGroup.ParameterGroup;
    export import ReplicationGroup = elasticacheReplicationGroup.ReplicationGroup;
    export import SubnetGroup = elasticacheSubnetGroup.SubnetGroup;
}
export namespace iam {
    export import AccessKey = iamAccessKey.AccessKey;
    export import Role = iamRole.Role;
    export import User = iamUser.User;
    export import UserPolicy = iamUserPolicy.UserPolicy;
}
export namespace kms {
    export import Alias = kmsAlias.Alias;
    export import Key = kmsKey.Key;
}
export namespace rds {
    export import Instance = rdsInstance.Instance;
    export import ParameterGroup = rdsParameterGroup.ParameterGroup;
    export import SubnetGroup = rdsSubnetGroup.SubnetGroup;
}
export namespace s3 {
    export import Bucket = s3Bucket.Bucket;
    export import BucketAcl = s3BucketAcl.BucketAcl;
    export import BucketLifecycleConfiguration = s3BucketLifecycleConfiguration.BucketLifecycleConfiguration;
    export import BucketOwnershipControls = s3BucketOwnershipControls.BucketOwnershipControls;
    export import BucketPolicy = s3BucketPolicy.BucketPolicy;
    export import BucketPublicAccessBlock = s3BucketPublicAccessBlock.BucketPublicAccessBlock;
    export import BucketServerSideEncryptionConfiguration = s3BucketServerSideEncryptionConfiguration.BucketServerSideEncryptionConfiguration;
    export const getCanonicalUserIdOutput = s3GetCanonicalUserId.getCanonicalUserIdOutput;
}
export namespace sns {
    export import Topic = snsTopic.Topic;
    export import TopicPolicy = snsTopicPolicy.TopicPolicy;
    export import TopicSubscription = snsTopicSubscription.TopicSubscription;
}
