import * as fs from "fs";
import { planStack } from "../../plan/pipeline";

/*
 * Plans a stack offline with its secret values kept, for the runtime tier, which must know every key
 * of the Secrets its pods read. Run as its own process (the program can be loaded once per process):
 *   node dist/test/runtime/revealPlan.js <stack> <stack file> <out.json>
 * The output stays in the test's temp directory; the plan files users see never hold secrets.
 */
async function main(): Promise<void> {
    const [stack, configFile, out] = process.argv.slice(2);
    const outcome = await planStack({ stack, configFile, revealSecrets: true });
    if (outcome.kind !== "planned") {
        console.error(outcome.problems.map((p) => `${p.path}: ${p.message}`).join("\n"));
        process.exit(2);
    }
    fs.writeFileSync(out, JSON.stringify(outcome.plan));
}

main().catch((e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
});
