/**
 * A writer process for the crash test (`ingest-crash.test.ts`): ingests the fixture bundles of `MEDREC_CHILD`
 * (JSON: rpc url, RecordToken, patient key, folders, seed, count, chunk size) into a chain at `rpcUrl`, with a file
 * key store, a Helia store and a file ingest index on disk, printing `records <n>` after every record. The test
 * kills it with SIGKILL mid-run and runs it again.
 */
import path from "node:path";
import { JsonRpcProvider, Wallet, getBytes } from "ethers";
import { generatePatientBundles } from "../../../fixtures/generate";
import { HeliaContentStore } from "../../../../sdk/storage";
import { eoaRecordWriter, fileIngestIndex, fileKeyStore, ingestBundles, recordsContext } from "../../../../sdk/records";

interface ChildConfig {
  rpcUrl: string;
  recordToken: string;
  patientKey: string;
  recipient: string;
  dir: string;
  seed: number;
  bundles: number;
  chunkRecords: number;
}

async function main() {
  const config = JSON.parse(process.env.MEDREC_CHILD!) as ChildConfig;
  const provider = new JsonRpcProvider(config.rpcUrl, undefined, { pollingInterval: 50 });
  const patient = new Wallet(config.patientKey, provider);
  const store = await HeliaContentStore.open({ directory: path.join(config.dir, "ipfs") });
  const context = recordsContext({
    chainId: (await provider.getNetwork()).chainId,
    recordToken: config.recordToken,
    runner: provider,
    store,
    keys: fileKeyStore(path.join(config.dir, "keys")),
  });
  const index = await fileIngestIndex(path.join(config.dir, "index"), getBytes(config.patientKey));
  const options = { patient: patient.address, recipients: [getBytes(config.recipient)], writer: eoaRecordWriter(config.recordToken, patient), index };
  const bundles = generatePatientBundles({ seed: config.seed, patients: config.bundles });
  const results = await ingestBundles(
    context,
    bundles.map((input) => ({ input, options })),
    { chunkRecords: config.chunkRecords, onProgress: (p) => process.stdout.write(`records ${p.records}\n`) },
  );
  const flat = results.flat();
  process.stdout.write(`done ${JSON.stringify(flat.map((r) => ({ tokenId: r.tokenId.toString(), status: r.status })))}\n`);
  await store.close();
  provider.destroy();
}

// Only as the child process: mocha loads every file under test/, this one included.
if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
