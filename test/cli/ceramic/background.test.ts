import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import { ensureCeramicDaemon, stopCeramicDaemon } from "../../../cli/src/ceramic/background";
import { readDaemonRecord } from "../../../cli/src/ceramic/daemon-record";
import { isCeramicHealthy } from "../../../cli/src/ceramic/health";
import { isProcessAlive } from "../../../cli/src/ceramic/processes";
import { didPkh, Purpose, ALL_RECORDS, Scope } from "../../../sdk/vocabulary";
import { consentResource } from "../../../sdk/consent/consent-document";
import { CeramicConsentStore, createPkhSession } from "../../../sdk/consent/ceramic-consent-store";

const CHAIN_ID = 31337n;

/** Kills the daemon recorded in `stateDir` if the test process exits without stopping it. */
function killOnExit(stateDir: string): void {
  process.once("exit", () => {
    try {
      const pid = readDaemonRecord(stateDir)?.pid;
      if (pid !== undefined && isProcessAlive(pid)) process.kill(pid, "SIGKILL");
    } catch {
      // nothing recorded
    }
  });
}

describe("cli/src/ceramic ensureCeramicDaemon / stopCeramicDaemon (background daemon for the CLI)", function () {
  this.timeout(180_000);

  let stateDir: string;

  before(() => {
    stateDir = mkdtempSync(path.join(tmpdir(), "medrec-ceramic-bg-"));
    killOnExit(stateDir);
  });
  after(async () => {
    await stopCeramicDaemon(stateDir).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("starts one daemon, reuses it, stops it, and starts it again with the same model and documents", async () => {
    const started = Date.now();
    const first = await ensureCeramicDaemon({ stateDir });
    const startMs = Date.now() - started;
    expect(first.started).to.equal(true);
    expect(first.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.modelId).to.match(/^k[0-9a-z]{40,}$/);
    expect(await isCeramicHealthy(first.url)).to.equal(true);
    console.log(`      (background daemon start + model deploy: ${startMs} ms)`);

    // daemon.json: 0600, the admin seed in it and nowhere else (config, log).
    const recordFile = path.join(stateDir, "daemon.json");
    expect(statSync(recordFile).mode & 0o777).to.equal(0o600);
    const record = readDaemonRecord(stateDir)!;
    expect(record).to.deep.include({ pid: first.pid, url: first.url, modelId: first.modelId });
    expect(record.adminSeed).to.match(/^[0-9a-f]{64}$/);
    expect(Date.parse(record.startedAt!)).to.be.closeTo(started, 60_000);
    expect(statSync(path.join(stateDir, "daemon.log")).mode & 0o777).to.equal(0o600);
    for (const file of ["daemon.log", "daemon.config.json"]) {
      expect(readFileSync(path.join(stateDir, file), "utf8"), file).to.not.include(record.adminSeed);
    }
    expect(readFileSync(path.join(stateDir, "daemon.config.json"), "utf8")).to.include(record.adminDid);

    // Reused, in parallel too: no second process.
    const [again, parallel] = await Promise.all([ensureCeramicDaemon({ stateDir }), ensureCeramicDaemon({ stateDir })]);
    for (const reuse of [again, parallel]) {
      expect(reuse).to.deep.equal({ url: first.url, modelId: first.modelId, pid: first.pid, started: false });
    }

    const session = await createPkhSession(Wallet.createRandom(), { chainId: CHAIN_ID, modelId: first.modelId });
    let store = await CeramicConsentStore.open({ ceramicUrl: first.url, modelId: first.modelId, session });
    const resource = consentResource({
      patient: store.controller,
      grantee: didPkh(CHAIN_ID, Wallet.createRandom().address),
      scopes: Scope.READ,
      purpose: Purpose.TREATMENT,
      period: { end: new Date(Date.now() + 86_400_000) },
      tokenId: ALL_RECORDS,
    });
    const document = { controller: store.controller, resource, purposeText: "background daemon", status: "proposed" as const };
    const ref = await store.create(document);
    await store.close();

    const stopping = Date.now();
    expect(await stopCeramicDaemon(stateDir)).to.equal(true);
    console.log(`      (background daemon stop: ${Date.now() - stopping} ms)`);
    expect(isProcessAlive(first.pid)).to.equal(false);
    expect(readDaemonRecord(stateDir)).to.deep.equal({
      version: 1,
      adminSeed: record.adminSeed,
      adminDid: record.adminDid,
      modelId: first.modelId,
      port: record.port,
      startedAt: record.startedAt,
    });
    expect(await stopCeramicDaemon(stateDir), "stop of a stopped daemon").to.equal(false);

    const restarted = await ensureCeramicDaemon({ stateDir });
    expect(restarted.started).to.equal(true);
    expect(restarted.pid).to.not.equal(first.pid);
    expect(restarted.modelId).to.equal(first.modelId);
    store = await CeramicConsentStore.open({ ceramicUrl: restarted.url, modelId: restarted.modelId, session });
    try {
      expect((await store.load(ref.streamId)).document).to.deep.equal(document);
      const fresh = await CeramicConsentStore.open({ ceramicUrl: restarted.url, modelId: restarted.modelId, session });
      try {
        expect((await fresh.find(ref.metadataId))?.streamId).to.equal(ref.streamId);
      } finally {
        await fresh.close();
      }
    } finally {
      await store.close();
    }
    expect(await stopCeramicDaemon(stateDir)).to.equal(true);
    expect(existsSync(path.join(stateDir, "daemon.lock")), "lock left behind").to.equal(false);
  });

  it("a daemon that died is replaced on the next ensure", async () => {
    const first = await ensureCeramicDaemon({ stateDir });
    process.kill(first.pid, "SIGKILL");
    const deadline = Date.now() + 10_000;
    while (isProcessAlive(first.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const next = await ensureCeramicDaemon({ stateDir });
    expect(next.started).to.equal(true);
    expect(next.pid).to.not.equal(first.pid);
    expect(next.modelId).to.equal(first.modelId);
    expect(await stopCeramicDaemon(stateDir)).to.equal(true);
  });
});
