import * as fs from "fs";
import * as path from "path";

/**
 * A folder of this project's shell scripts (`scripts/<name>`), found by walking up from wherever
 * the program runs: the TypeScript source or the compiled `dist/`. The scripts reach pods through
 * ConfigMaps named after their content.
 */
export function projectScriptsDir(name: string, marker: string, from = __dirname): string {
    for (let dir = from; ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, "scripts", name);
        if (fs.existsSync(path.join(candidate, marker))) return candidate;
        if (path.dirname(dir) === dir) throw new Error(`scripts/${name} not found above ${from}`);
    }
}
