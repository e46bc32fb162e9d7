import * as assert from "assert";
import { ConfigProblem, formatProblem } from "../../config/problems";
import { validateConfig } from "../../config/validate";
import { stackRaw } from "./stacks";

/*
 * The config tests' two questions, asked the same way everywhere: what does validation refuse in a
 * committed stack file after an edit, and which problem names a given key.
 */

/** The problems validation reports for `stack`'s committed file after `mutate`; fails when it accepts it. */
export function problemsOf(stack: string, mutate: (c: Record<string, any>) => void, read = stackRaw): ConfigProblem[] {
    const result = validateConfig(read(stack, mutate), stack);
    assert.ok(!result.ok, "expected the config to be rejected");
    return result.problems;
}

/** The problem at `path`; fails listing every problem there is when none names it. */
export function problemAt(problems: ConfigProblem[], path: string): ConfigProblem {
    const p = problems.find((x) => x.path === path);
    assert.ok(p, `no problem at ${path}; got:\n${problems.map(formatProblem).join("\n")}`);
    return p;
}
