import { ethers } from "hardhat";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { createCipheriv, randomFillSync } from "node:crypto";
import path from "node:path";
import { deployCore } from "../test/helpers/fixture";
import { generatePatientBundles } from "../test/fixtures/generate";
import { HeliaContentStore } from "../sdk/storage";
import { generateEncryptionKeyPair, randomBytes, sealRecordUnhashed } from "../sdk/crypto";
import { fileKeyStore, prepareRecords } from "../sdk/records";
import { createMedrecClient, eoaAccount, records as recordActions } from "../sdk";
import { elapsedMs, percentile } from "./percentiles";
import { AUTOMINE, withMining, type ChainMode } from "./block-time";

/** What `npm run bench` reports for the SDK's data path (the `sdk` section of bench/results.json). */
export interface SdkFigures {
  /** How the chain mined during ingest and read ({@link ChainMode} name: `automine`, `1s`). */
  mining: string;
  patients: number;
  records: number;
  /** validate + split + encrypt + put + mint, end to end, records per second. */
  recordsPerSecond: number;
  /** Wall time of the ingest, in seconds. */
  ingestSeconds: number;
  /** Share of the wall time spent before any chain call (validation, splitting, canonicalisation). */
  prepareShare: number;
  /** Not chain-bound: measured once, in the run with `encryptPut` set. */
  encryptPut?: EncryptPutFigures[];
  readLatencyMs: { samples: number; p50: number; p99: number };
  consentWriteLatencyMs?: { samples: number; p50: number; p99: number };
}

/** encrypt+put of one payload size, against OpenSSL's AES-256-GCM (`node:crypto`) on the same bytes in the same run. */
export interface EncryptPutFigures {
  sizeMB: number;
  encryptPutMBps: number;
  /** OpenSSL's AES-256-GCM through `node:crypto` (AES-NI: the hardware's speed). */
  opensslAesGcmMBps: number;
  /** encryptPutMBps ÷ opensslAesGcmMBps. */
  shareOfOpenssl: number;
}

const MB = 1024 * 1024;
const AAD = { chainId: 31337n, recordToken: "0x000000000000000000000000000000000000beef", tokenId: 1n, version: 1n };

/**
 * MB/s of sealing + HeliaContentStore.put as `records.ingest` does them (`sealRecordUnhashed`: the store's put returns
 * the content hash that is minted), next to raw AES-256-GCM of OpenSSL (node:crypto) on the same bytes.
 */
async function encryptPutThroughput(store: HeliaContentStore, sizeMB: number) {
  const plaintext = randomFillSync(new Uint8Array(sizeMB * MB));
  const recipients = [generateEncryptionKeyPair().publicKey, generateEncryptionKeyPair().publicKey];
  const runs = sizeMB >= 50 ? 2 : 5;
  let start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) {
    const { sealed } = await sealRecordUnhashed(plaintext, { ...AAD, tokenId: BigInt(i + 1) }, recipients);
    await store.put(sealed);
  }
  const encryptPutMBps = (sizeMB * runs) / (elapsedMs(start) / 1000);
  const key = randomBytes(32);
  start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) opensslAesGcm(key, randomBytes(12), new Uint8Array(128), plaintext);
  const opensslAesGcmMBps = (sizeMB * runs) / (elapsedMs(start) / 1000);
  return {
    sizeMB,
    encryptPutMBps: round(encryptPutMBps),
    opensslAesGcmMBps: round(opensslAesGcmMBps),
    shareOfOpenssl: round(encryptPutMBps / opensslAesGcmMBps, 3),
  };
}

/** The hardware's AES-256-GCM: OpenSSL through node:crypto (AES-NI where the CPU has it), ciphertext ‖ tag. */
function opensslAesGcm(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/**
 * Ingests the synthetic fixture set (`patients` bundles, all for the fixture patient) with `records.ingest`
 * (validate → split → encrypt → put into a real Helia store on disk → mint on the in-process Hardhat chain), then
 * measures the latency of `records.read`, and (with `options.encryptPut`, default on) encrypt+put MB/s for 1 and 50
 * MB payloads against OpenSSL's AES-256-GCM. The chain is deployed on automine; ingest and read run
 * with the chain mining as `options.mining` says (default automine), and it is back on automine afterwards.
 */
export async function measureSdk(
  patients: number,
  onProgress?: (done: number, total: number) => void,
  options: { mining?: ChainMode; encryptPut?: boolean } = {},
): Promise<SdkFigures> {
  const mining = options.mining ?? AUTOMINE;
  const dir = await mkdtemp(path.join(os.tmpdir(), "medrec-bench-"));
  const store = await HeliaContentStore.open({ directory: path.join(dir, "ipfs") });
  try {
    const core = await deployCore();
    const patientKeys = generateEncryptionKeyPair();
    await (await core.patients.connect(core.signers.patient).rotateEncryptionKey(patientKeys.publicKeyHex)).wait();
    const client = createMedrecClient({
      provider: ethers.provider,
      deployment: core.deployment,
      store,
      keys: fileKeyStore(path.join(dir, "keys")),
      account: await eoaAccount(core.signers.patient),
    });
    // Two wraps per record, as in the product: the patient's registered key and a resolver's (here a key of its own).
    const resolverStandIn = generateEncryptionKeyPair().publicKey;
    const bundles = generatePatientBundles({ seed: 2026, patients });

    prepareRecords(bundles[0]); // loads the FHIR definitions once, outside the timing
    let start = process.hrtime.bigint();
    for (const bundle of bundles.slice(0, Math.min(50, bundles.length))) prepareRecords(bundle);
    const prepareMsPerBundle = elapsedMs(start) / Math.min(50, bundles.length);

    const { ingestMs, records, latencies } = await withMining(ethers.provider, mining, async () => {
      start = process.hrtime.bigint();
      const results = await recordActions.ingest(client, {
        inputs: bundles,
        recipients: [resolverStandIn],
        concurrency: 4,
        onProgress: (p) => onProgress?.(p.done, p.total),
      });
      const ingestMs = elapsedMs(start);
      const records = results.flat();

      const latencies: number[] = [];
      const step = Math.max(1, Math.floor(records.length / 200));
      for (let i = 0; i < records.length; i += step) {
        const t = process.hrtime.bigint();
        await recordActions.read(client, { tokenId: records[i].tokenId, keys: recordActions.localKeys(patientKeys.privateKey) });
        latencies.push(elapsedMs(t));
      }
      return { ingestMs, records, latencies };
    });

    const encryptPut = options.encryptPut === false ? undefined : [await encryptPutThroughput(store, 1), await encryptPutThroughput(store, 50)];
    return {
      mining: mining.name,
      patients,
      records: records.length,
      recordsPerSecond: round(records.length / (ingestMs / 1000)),
      ingestSeconds: round(ingestMs / 1000, 2),
      prepareShare: round((prepareMsPerBundle * patients) / ingestMs, 3),
      encryptPut,
      readLatencyMs: { samples: latencies.length, p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2) },
    };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
