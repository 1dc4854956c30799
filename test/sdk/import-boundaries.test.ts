import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";

const SDK = path.resolve(__dirname, "../../sdk");

/** The `.ts` files under `dir`, recursively. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return entry.endsWith(".ts") ? [full] : [];
  });
}

/** The module specifiers a file imports or re-exports from (static `import … from`, `export … from`, `import("…")`). */
function importSpecifiers(source: string): string[] {
  const specifiers: string[] = [];
  for (const m of source.matchAll(/\b(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']/g)) specifiers.push(m[1]);
  for (const m of source.matchAll(/\bimport\s*["']([^"']+)["']/g)) specifiers.push(m[1]);
  for (const m of source.matchAll(/\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g)) specifiers.push(m[1]);
  return specifiers;
}

/** The sdk domain (first folder under `sdk/`, or the file's name for a top-level file) a relative import of `file` reaches. */
function importedDomains(file: string): string[] {
  return importSpecifiers(readFileSync(file, "utf8"))
    .filter((spec) => spec.startsWith("."))
    .map((spec) => path.relative(SDK, path.resolve(path.dirname(file), spec)))
    .filter((target) => !target.startsWith(".."))
    .map((target) => target.split(path.sep)[0].replace(/\.ts$/, ""));
}

/** `[file, domain]` for every import of a file in `sdk/<from>` that reaches `sdk/<to>`. */
function crossImports(from: string, to: string): [string, string][] {
  return tsFiles(path.join(SDK, from)).flatMap((file) =>
    importedDomains(file).filter((domain) => domain === to).map((domain): [string, string] => [path.relative(SDK, file), domain]),
  );
}

/** The `.ts` file a relative specifier of `file` names (`x.ts` or `x/index.ts`). */
function resolveRelative(file: string, spec: string): string {
  const target = path.resolve(path.dirname(file), spec);
  return existsSync(`${target}.ts`) ? `${target}.ts` : path.join(target, "index.ts");
}

/** Every `.ts` file `roots` reach through relative imports (type-only ones too), the roots included. */
function reachableFiles(roots: string[]): string[] {
  const seen = new Set<string>();
  const queue = [...roots];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of importSpecifiers(readFileSync(file, "utf8"))) if (spec.startsWith(".")) queue.push(resolveRelative(file, spec));
  }
  return [...seen];
}

/** What in `source` needs Node.js: `node:` or built-in module imports, `Buffer`, `process`. */
function nodeDependencies(source: string): string[] {
  const builtins = new Set(builtinModules);
  const found = importSpecifiers(source).filter((spec) => spec.startsWith("node:") || builtins.has(spec.split("/")[0]));
  for (const global of ["Buffer", "process"]) if (new RegExp(`\\b${global}\\b`).test(source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ""))) found.push(global);
  return found;
}

describe("sdk import boundaries", () => {
  it("importSpecifiers finds static, re-export, side-effect and dynamic imports", () => {
    const source = [
      'import { a } from "../consent/typed-data";',
      "import type {\n  B,\n} from '../audit';",
      'export { c } from "../vocabulary";',
      'import "./side-effect";',
      'const d = await import("../records");',
    ].join("\n");
    expect(importSpecifiers(source)).to.have.members(["../consent/typed-data", "../audit", "../vocabulary", "./side-effect", "../records"]);
  });

  it("no module of sdk/audit imports sdk/consent", () => {
    expect(crossImports("audit", "consent")).to.deep.equal([]);
  });

  it("no module of sdk/consent imports sdk/audit", () => {
    expect(crossImports("consent", "audit")).to.deep.equal([]);
  });

  it("sdk/vocabulary imports no other sdk module", () => {
    const files = tsFiles(path.join(SDK, "vocabulary"));
    expect(files).to.not.be.empty;
    const foreign = files.flatMap((file) => importedDomains(file).filter((domain) => domain !== "vocabulary").map((domain) => `${path.relative(SDK, file)} → ${domain}`));
    expect(foreign).to.deep.equal([]);
  });

  it("the building blocks never import the layers above them (actions, the client, the namespaces)", () => {
    const above = new Set(["actions", "client", "namespaces", "index"]);
    const domains = readdirSync(SDK).filter((entry) => statSync(path.join(SDK, entry)).isDirectory() && !above.has(entry));
    expect(domains).to.include.members(["records", "consent", "audit", "wallet", "breakglass", "resolver", "crypto", "fhir", "storage"]);
    const upward = domains.flatMap((domain) =>
      tsFiles(path.join(SDK, domain)).flatMap((file) =>
        importedDomains(file).filter((target) => above.has(target)).map((target) => `${path.relative(SDK, file)} → ${target}`),
      ),
    );
    expect(upward).to.deep.equal([]);
  });

  it("the client imports no action: it holds configuration, the actions hold behaviour", () => {
    const files = tsFiles(path.join(SDK, "client"));
    expect(files).to.not.be.empty;
    const actions = files.flatMap((file) => importedDomains(file).filter((target) => target === "actions" || target === "namespaces").map((t) => `${path.relative(SDK, file)} → ${t}`));
    expect(actions).to.deep.equal([]);
  });

  it("nodeDependencies finds node: and built-in imports, Buffer and process, not words in comments", () => {
    const source = ['import { a } from "node:fs";', 'import b from "crypto";', "const c = Buffer.from([]);", "// Buffer in a comment", 'import { d } from "ethers";'].join("\n");
    expect(nodeDependencies(source)).to.have.members(["node:fs", "crypto", "Buffer"]);
    expect(nodeDependencies("/** process */\nconst x = 1;")).to.deep.equal([]);
  });

  it("sdk/resolver/protocol, and everything it imports of the SDK, needs no Node built-in (browser-ready core)", () => {
    const roots = tsFiles(path.join(SDK, "resolver", "protocol"));
    expect(roots.map((file) => path.basename(file))).to.include.members(["index.ts", "errors.ts", "schemas.ts", "typed-data.ts"]);
    const files = reachableFiles(roots);
    const offending = files.flatMap((file) => nodeDependencies(readFileSync(file, "utf8")).map((dep) => `${path.relative(SDK, file)}: ${dep}`));
    expect(offending).to.deep.equal([]);
  });
});
