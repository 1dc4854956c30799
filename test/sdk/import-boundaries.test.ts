import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
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
});
