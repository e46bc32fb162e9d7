import { loadConfig } from "./config";
import { Storage } from "./components/storage/storage";

// Config is validated before any resource exists: a bad stack file yields no partial program.
const { config } = loadConfig();

const storage = new Storage("storage", {
    accountId: config.storage.accountId,
    buckets: config.storage.buckets,
    zoneId: config.edge.zoneId,
    backups: { bucket: config.backups.bucket, retentionDays: config.backups.retentionDays },
    protect: config.environment.isProduction,
});

export const environment = config.environment.stack;
export const bucketNames = storage.bucketNames;
export const publicBaseUrls = storage.publicBaseUrls;
