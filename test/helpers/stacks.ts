import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { fillAbsentSecrets } from "../../config/offline";
import { RawConfig } from "../../config/secrets";
import { rawConfigFromStackFile } from "../../config/source";
import { PlanFile } from "../../plan/model";
import { runbook } from "./cli";
import { ROOT } from "./harness";

/** A stack file's YAML document, to mutate in tests. */
export function stackDocument(stack: string): { config: Record<string, any> } {
    return YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
}

/**
 * The raw config of a stack file after `mutate` edits its `config:` map, as the offline plan sees it:
 * required secrets the file leaves out are filled with marked placeholders.
 */
export function stackRaw(stack: string, mutate: (config: Record<string, any>) => void = () => {}): RawConfig {
    return fillAbsentSecrets(stackRawAsFiled(stack, mutate), stack).raw;
}

/** The raw config exactly as the (mutated) stack file holds it: what `pulumi preview` would get. */
export function stackRawAsFiled(stack: string, mutate: (config: Record<string, any>) => void = () => {}): RawConfig {
    const doc = stackDocument(stack);
    mutate(doc.config);
    return rawConfigFromStackFile(YAML.stringify(doc));
}

/** Writes a mutated copy of a stack file to a temp path and returns it. */
export function writeStackVariant(stack: string, dir: string, mutate: (config: Record<string, any>) => void): string {
    const doc = stackDocument(stack);
    mutate(doc.config);
    const file = path.join(dir, `Pulumi.${stack}.variant-${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(file, YAML.stringify(doc));
    return file;
}

/**
 * The offline plan of a mutated copy of a stack file, as `runbook plan --json` writes it; the copy and
 * the plan go to `dir`. Fails, with the CLI's output, unless the plan succeeds.
 */
export function planStackVariant(stack: string, dir: string, mutate: (config: Record<string, any>) => void): PlanFile {
    const file = writeStackVariant(stack, dir, mutate);
    const out = path.join(dir, `${path.basename(file)}.json`);
    const r = runbook("plan", "--stack", stack, "--config", file, "--json", out);
    assert.strictEqual(r.status, 0, `plan exited ${r.status}\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(fs.readFileSync(out, "utf8"));
}
