/* The random resources the program declares, each from its own module of @pulumi/random (see ./aws.ts). */
import * as provider from "@pulumi/random/provider";
import * as randomId from "@pulumi/random/randomId";
import * as randomPassword from "@pulumi/random/randomPassword";

export import Provider = provider.Provider;
export import RandomId = randomId.RandomId;
export import RandomPassword = randomPassword.RandomPassword;
