/**
 * The demo's Ceramic node, on by default: a js-ceramic daemon started on 127.0.0.1 as the tests do
 * (`startCeramicDaemon`, network `inmemory`, its state in a temp dir), with the MedrecConsent model deployed and
 * indexed by the daemon's admin DID (a fresh key of this run) so that documents are found by `metadataId`.
 * `MEDREC_DEMO_CERAMIC=0` runs the demo without one (consents then carry no document, `metadataId` zero).
 *
 * @module
 */
import { randomBytes, type Signer } from "ethers";
import { startCeramicDaemon } from "../cli/src/ceramic/daemon";
import { CeramicConsentStore, deployConsentModel, keyDidFromSeed } from "../sdk/consent/ceramic-consent-store";

/** The Ceramic node the demo writes consent documents to. */
export interface DemoCeramic {
  /** The node's HTTP API. */
  url: string;
  /** Stream id of the MedrecConsent model deployed (and indexed) on it. */
  modelId: string;
  /** Stops the daemon and removes its temp dir. */
  stop(): Promise<void>;
}

/**
 * Whether the demo runs with Ceramic: yes unless `MEDREC_DEMO_CERAMIC` is `0`, `false`, `off` or `no`, or the
 * arguments hold `--no-ceramic` (when the demo is run by a runner that passes arguments; `hardhat run` does not).
 */
export function ceramicWanted(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv): boolean {
  if (argv.includes("--no-ceramic")) return false;
  return !/^(0|false|off|no)$/i.test((env.MEDREC_DEMO_CERAMIC ?? "").trim());
}

/** Starts a daemon whose admin is a fresh did:key, and deploys and indexes the consent model with it. */
export async function startDemoCeramic(): Promise<DemoCeramic> {
  const admin = await keyDidFromSeed(randomBytes(32)); // the seed lives in this process only
  const daemon = await startCeramicDaemon({ adminDids: [admin.id] });
  try {
    return { url: daemon.url, modelId: await deployConsentModel(daemon.url, admin), stop: async () => void (await daemon.stop()) };
  } catch (error) {
    await daemon.stop();
    throw error;
  }
}

/**
 * The patient's consent store on `ceramic`: a did:pkh session of the account's owner key (one SIWE signature,
 * offline); documents name the account as the patient.
 */
export function patientConsentStore(ceramic: DemoCeramic, owner: Signer, chainId: bigint): Promise<CeramicConsentStore> {
  return CeramicConsentStore.openWithSigner({ ceramicUrl: ceramic.url, modelId: ceramic.modelId, signer: owner, chainId });
}
