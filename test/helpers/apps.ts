import { Environment, ResolvedApp, resolveApp } from "../../config/resolve";
import { AppConfig } from "../../config/schema";

/** A resolved app as the config would produce it, from the fields a test cares about. */
export function resolvedApp(overrides: Partial<AppConfig> & Pick<AppConfig, "name" | "role">, env: Environment): ResolvedApp {
    return resolveApp(
        {
            image: `ghcr.io/acme/${overrides.name}:1.4.2`,
            port: overrides.role === "web" ? 3000 : 3001,
            healthPath: "/api/health",
            readinessPath: "/api/_internal/ready",
            ...overrides,
        } as AppConfig,
        env,
    );
}
