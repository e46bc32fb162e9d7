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
import * as iamRole from "@pulumi/aws/iam/role";
import * as kmsAlias from "@pulumi/aws/kms/alias";
import * as kmsKey from "@pulumi/aws/kms/key";
import * as rdsInstance from "@pulumi/aws/rds/instance";
import * as rdsParameterGroup from "@pulumi/aws/rds/parameterGroup";
import * as rdsSubnetGroup from "@pulumi/aws/rds/subnetGroup";
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
    export import Role = iamRole.Role;
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
export namespace sns {
    export import Topic = snsTopic.Topic;
    export import TopicPolicy = snsTopicPolicy.TopicPolicy;
    export import TopicSubscription = snsTopicSubscription.TopicSubscription;
}
