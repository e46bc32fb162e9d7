/*
 * The Kubernetes resources the program declares, each loaded from its own module of
 * @pulumi/kubernetes rather than through the package's root, which defines every API group as it
 * loads. The classes are the package's own; `types` is the package's, for type positions only.
 */
import * as provider from "@pulumi/kubernetes/provider";
import * as customResource from "@pulumi/kubernetes/apiextensions/customResource";
import * as deployment from "@pulumi/kubernetes/apps/v1/deployment";
import * as statefulSet from "@pulumi/kubernetes/apps/v1/statefulSet";
import * as horizontalPodAutoscaler from "@pulumi/kubernetes/autoscaling/v2/horizontalPodAutoscaler";
import * as cronJob from "@pulumi/kubernetes/batch/v1/cronJob";
import * as job from "@pulumi/kubernetes/batch/v1/job";
import * as configMap from "@pulumi/kubernetes/core/v1/configMap";
import * as namespace from "@pulumi/kubernetes/core/v1/namespace";
import * as persistentVolumeClaimPatch from "@pulumi/kubernetes/core/v1/persistentVolumeClaimPatch";
import * as secret from "@pulumi/kubernetes/core/v1/secret";
import * as service from "@pulumi/kubernetes/core/v1/service";
import * as serviceAccount from "@pulumi/kubernetes/core/v1/serviceAccount";
import * as release from "@pulumi/kubernetes/helm/v3/release";
import * as networkPolicy from "@pulumi/kubernetes/networking/v1/networkPolicy";
import * as podDisruptionBudget from "@pulumi/kubernetes/policy/v1/podDisruptionBudget";

export type { types } from "@pulumi/kubernetes";

export import Provider = provider.Provider;
export type ProviderArgs = provider.ProviderArgs;

export namespace apiextensions {
    export import CustomResource = customResource.CustomResource;
}
export namespace apps {
    export namespace v1 {
        export import Deployment = deployment.Deployment;
        export import StatefulSet = statefulSet.StatefulSet;
    }
}
export namespace autoscaling {
    export namespace v2 {
        export import HorizontalPodAutoscaler = horizontalPodAutoscaler.HorizontalPodAutoscaler;
    }
}
export namespace batch {
    export namespace v1 {
        export import CronJob = cronJob.CronJob;
        export import Job = job.Job;
    }
}
export namespace core {
    export namespace v1 {
        export import ConfigMap = configMap.ConfigMap;
        export import Namespace = namespace.Namespace;
        export import PersistentVolumeClaimPatch = persistentVolumeClaimPatch.PersistentVolumeClaimPatch;
        export import Secret = secret.Secret;
        export import Service = service.Service;
        export import ServiceAccount = serviceAccount.ServiceAccount;
    }
}
export namespace helm {
    export namespace v3 {
        export import Release = release.Release;
    }
}
export namespace networking {
    export namespace v1 {
        export import NetworkPolicy = networkPolicy.NetworkPolicy;
    }
}
export namespace policy {
    export namespace v1 {
        export import PodDisruptionBudget = podDisruptionBudget.PodDisruptionBudget;
    }
}
