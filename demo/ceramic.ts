/**
 * The demo's Ceramic node, on by default: a js-ceramic daemon started on 127.0.0.1 as the tests do
 * (`startCeramicDaemon`, network `inmemory`), or the node at `MEDREC_CERAMIC_URL`; the MedrecConsent model deployed
 * on it. `MEDREC_DEMO_CERAMIC=0` runs the demo without one (consents then carry no document, `metadataId` zero).
 *
 * @module
 */
import type { Signer } from "ethers";
import { startCeramicDaemon, type CeramicDaemon } from "../cli/src/ceramic/daemon";
import { CeramicConsentStore, deployConsentModel } from "../sdk/consent/ceramic-consent-store";

/** A Ceramic node the demo writes consent documents to. */
export interface DemoCeramic {
  /** The node's HTTP API. */
  url: string;
  /** Stream id of the MedrecConsent model deployed on it. */
  modelId: string;
  /** Whether the demo started the daemon (else it connected to `MEDREC_CERAMIC_URL`). */
  started: boolean;
  /** Stops the daemon the demo started (nothing for a node it connected to). */
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

/** Starts a daemon (or connects to `MEDREC_CERAMIC_URL`) and deploys the consent model. */
export async function startDemoCeramic(env: NodeJS.ProcessEnv = process.env): Promise<DemoCeramic> {
  const external = env.MEDREC_CERAMIC_URL?.trim();
  const daemon: CeramicDaemon | undefined = external ? undefined : await startCeramicDaemon();
  const url = external || daemon!.url;
  try {
    return { url, modelId: await deployConsentModel(url), started: daemon !== undefined, stop: async () => void (await daemon?.stop()) };
  } catch (error) {
    await daemon?.stop();
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
