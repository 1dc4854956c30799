import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import { startCeramicDaemon, type CeramicDaemon } from "../../../cli/src/ceramic/daemon";
import { didPkh, Purpose, ALL_RECORDS, Scope } from "../../../sdk/vocabulary";
import { consentResource } from "../../../sdk/consent/consent-document";
import { CeramicConsentStore, createPkhSession, deployConsentModel, keyDidFromSeed } from "../../../sdk/consent/ceramic-consent-store";

const CHAIN_ID = 31337n;

/** Files below `dir`, recursively (relative paths). */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((entry) => statSync(path.join(dir, entry)).isFile());
}

describe("cli/src/ceramic startCeramicDaemon with a stateDir (streams survive a restart)", function () {
  this.timeout(120_000);

  let stateDir: string;
  let daemon: CeramicDaemon | undefined;

  before(() => {
    stateDir = mkdtempSync(path.join(tmpdir(), "medrec-ceramic-state-"));
  });
  after(async () => {
    await daemon?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("a document written before a restart loads (and is found, and updates) after it; blocks are 0600 files, sharded", async () => {
    const admin = await keyDidFromSeed(randomBytes(32));
    daemon = await startCeramicDaemon({ stateDir, adminDids: [admin.id] });
    expect(daemon.dir).to.equal(stateDir);
    const modelId = await deployConsentModel(daemon.url, admin);
    const patient = Wallet.createRandom();
    const session = await createPkhSession(patient, { chainId: CHAIN_ID, modelId });
    let store = await CeramicConsentStore.open({ ceramicUrl: daemon.url, modelId, session });
    const resource = consentResource({
      patient: store.controller,
      grantee: didPkh(CHAIN_ID, Wallet.createRandom().address),
      scopes: Scope.READ,
      purpose: Purpose.TREATMENT,
      period: { end: new Date(Date.now() + 86_400_000) },
      tokenId: ALL_RECORDS,
    });
    const document = { controller: store.controller, resource, purposeText: "kept across restarts", status: "proposed" as const };
    const ref = await store.create(document);
    await store.close();
    const exit = await daemon.stop();
    expect(exit.code, daemon.output().slice(-2000)).to.equal(0);
    expect(existsSync(stateDir), "stateDir removed on stop").to.equal(true);

    const blockFiles = filesBelow(path.join(stateDir, "ipfs", "blocks"));
    expect(blockFiles.length).to.be.greaterThan(2);
    for (const file of blockFiles) {
      const [shard, name] = file.split(path.sep);
      expect(name.slice(-3, -1), file).to.equal(shard);
      expect(statSync(path.join(stateDir, "ipfs", "blocks", file)).mode & 0o777, file).to.equal(0o600);
    }
    expect(filesBelow(path.join(stateDir, "ipfs", "pins")).length, "pins").to.be.greaterThan(0);

    daemon = await startCeramicDaemon({ stateDir, adminDids: [admin.id] });
    store = await CeramicConsentStore.open({ ceramicUrl: daemon.url, modelId, session });
    try {
      const loaded = await store.load(ref.streamId);
      expect(loaded.document).to.deep.equal(document);
      const fresh = await CeramicConsentStore.open({ ceramicUrl: daemon.url, modelId, session });
      try {
        expect((await fresh.find(ref.metadataId))?.streamId, "found through the index after a restart").to.equal(ref.streamId);
      } finally {
        await fresh.close();
      }
      const updated = await store.update(ref.streamId, { status: "rejected" });
      expect(updated.document.status).to.equal("rejected");
    } finally {
      await store.close();
    }
    expect((await daemon.stop()).code).to.equal(0);
    daemon = undefined;
  });
});
