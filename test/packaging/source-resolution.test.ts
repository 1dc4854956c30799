import { expect } from "chai";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import * as sdkFromSource from "../../sdk";
import { ensureSdkBuild, REPO_ROOT, SDK_DIR } from "../helpers/sdk-build";

const run = promisify(execFile);

/** Runs `node <args>` in the repository root (no ts-node) and returns its stdout. */
async function plainNode(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, args, { cwd: REPO_ROOT, timeout: 60_000 });
  return stdout.trim();
}

/** One entry of the exports map: per module system, the declarations and the code. */
type ExportConditions = Partial<Record<"import" | "require", { types: string; default: string }>>;

describe("packaging: where `@medrec/sdk` resolves", function () {
  this.timeout(360_000);
  const sdkPackage = JSON.parse(readFileSync(path.join(SDK_DIR, "package.json"), "utf8")) as { exports: Record<string, ExportConditions | string> };

  it("under the test runner (ts-node): to the TypeScript sources, the same module instances as a relative import", () => {
    expect(require.resolve("@medrec/sdk")).to.equal(path.join(SDK_DIR, "index.ts"));
    expect(require.resolve("@medrec/sdk/crypto")).to.equal(path.join(SDK_DIR, "crypto", "index.ts"));
    expect(require.resolve("@medrec/sdk/records/kind")).to.equal(path.join(SDK_DIR, "records", "kind.ts"));
    expect(require.resolve("@medrec/sdk/package.json")).to.equal(path.join(SDK_DIR, "package.json"));
    // A relative import of the folder must not be redirected by sdk/package.json (it has no `main`/`types`).
    expect(require.resolve("../../sdk")).to.equal(path.join(SDK_DIR, "index.ts"));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const viaPackage = require("@medrec/sdk") as typeof sdkFromSource;
    expect(viaPackage.MedrecError).to.equal(sdkFromSource.MedrecError);
    expect(viaPackage.createMedrecClient).to.equal(sdkFromSource.createMedrecClient);
    expect(new viaPackage.InvalidArgumentError("x")).to.be.instanceOf(sdkFromSource.MedrecError);
  });

  it("in a plain Node process: to the built package (sdk/dist/cjs for require, sdk/dist/esm for import), hook or not", async () => {
    await ensureSdkBuild();
    const dist = path.join(SDK_DIR, "dist");
    const resolveAll = "for (const s of ['@medrec/sdk', '@medrec/sdk/crypto', '@medrec/sdk/records/kind']) console.log(require.resolve(s))";
    const expected = [path.join(dist, "cjs", "index.js"), path.join(dist, "cjs", "crypto", "index.js"), path.join(dist, "cjs", "records", "kind.js")].join("\n");
    expect(await plainNode(["-e", resolveAll])).to.equal(expected);
    // The hook only acts while ts-node is registered: a compiled program that loads it still gets the build.
    expect(await plainNode(["-r", "./sdk/dev/source-resolution.cjs", "-e", resolveAll])).to.equal(expected);
    const esm = await plainNode(["--input-type=module", "-e", "console.log(import.meta.resolve('@medrec/sdk'))"]);
    expect(esm).to.equal(`file://${path.join(dist, "esm", "index.js")}`);
    // The build really loads as CommonJS, with the same surface as the sources.
    const keys = await plainNode(["-e", "console.log(Object.keys(require('@medrec/sdk')).sort().join(','))"]);
    expect(keys).to.equal(Object.keys(sdkFromSource).sort().join(","));
  });

  it("the exports map names every SDK folder with an index.ts, and every target exists in the build", async () => {
    await ensureSdkBuild();
    const folders = (dir: string, prefix = ""): string[] =>
      readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && !["dist", "dev", "node_modules"].includes(entry.name))
        .flatMap((entry) => {
          const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
          const here = existsSync(path.join(dir, entry.name, "index.ts")) ? [relative] : [];
          // Typechain's nested folders (chain/contracts/*) are reached through the wildcard, not listed.
          return relative.startsWith("chain/contracts") ? here : [...here, ...folders(path.join(dir, entry.name), relative)];
        });
    const listed = Object.keys(sdkPackage.exports).filter((key) => key !== "." && key !== "./browser" && key !== "./package.json" && key !== "./*");
    expect(listed.map((key) => key.slice(2)).sort()).to.deep.equal(folders(SDK_DIR).sort());
    const hasBrowser = existsSync(path.join(SDK_DIR, "browser.ts"));
    for (const [key, conditions] of Object.entries(sdkPackage.exports)) {
      if (typeof conditions === "string" || key === "./*" || (key === "./browser" && !hasBrowser)) continue;
      expect(conditions.require, `${key} has a require condition`).to.not.equal(undefined);
      for (const target of Object.values(conditions).flatMap((pair) => [pair.types, pair.default])) {
        expect(existsSync(path.join(SDK_DIR, target)), `${key} → ${target}`).to.equal(true);
      }
    }
  });
});
