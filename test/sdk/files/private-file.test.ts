import { expect } from "chai";
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile, chmod } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { writePrivateFile } from "../../../sdk/files/private-file";

describe("sdk/files: writePrivateFile (health data, keys and configuration on disk)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "medrec-private-"));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("writes the content with mode 0600 even under a permissive umask, creating the folder 0700", async () => {
    const previous = process.umask(0);
    try {
      const file = path.join(dir, "new", "record.json");
      await writePrivateFile(file, '{"resourceType":"Bundle"}');
      expect(await readFile(file, "utf8")).to.equal('{"resourceType":"Bundle"}');
      expect((await stat(file)).mode & 0o777).to.equal(0o600);
      expect((await stat(path.dirname(file))).mode & 0o777).to.equal(0o700);
      await writePrivateFile(file, Uint8Array.of(1, 2, 3));
      expect([...(await readFile(file))]).to.deep.equal([1, 2, 3]);
    } finally {
      process.umask(previous);
    }
  });

  it("attack: a symbolic link planted at the target is replaced, not followed: the file it points to is untouched", async () => {
    const victim = path.join(dir, "victim.txt");
    await writeFile(victim, "do not overwrite");
    await chmod(victim, 0o644);
    const out = path.join(dir, "out.json");
    await symlink(victim, out);
    await writePrivateFile(out, "PHI");
    expect(await readFile(victim, "utf8")).to.equal("do not overwrite");
    expect((await stat(victim)).mode & 0o777).to.equal(0o644);
    expect((await lstat(out)).isSymbolicLink()).to.equal(false);
    expect(await readFile(out, "utf8")).to.equal("PHI");
    expect((await stat(out)).mode & 0o777).to.equal(0o600);
  });

  it("a world-readable file that was there is replaced by a 0600 one (never rewritten in place)", async () => {
    const out = path.join(dir, "old.json");
    await writeFile(out, "old");
    await chmod(out, 0o644);
    await writePrivateFile(out, "new");
    expect((await stat(out)).mode & 0o777).to.equal(0o600);
    expect(await readFile(out, "utf8")).to.equal("new");
  });

  it("a failed write leaves the target as it was and no temporary file behind", async () => {
    const target = path.join(dir, "is-a-folder");
    await mkdir(path.join(target, "child"), { recursive: true });
    let failed = false;
    try {
      await writePrivateFile(target, "x");
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
    expect((await stat(target)).isDirectory()).to.equal(true);
    expect((await readdir(dir)).filter((name) => name.endsWith(".tmp"))).to.deep.equal([]);
  });
});
