/**
 * Where the CLI keeps consent documents (the FHIR Consent and the purpose in words that each grant names by its
 * `metadataId`): a Ceramic node, written as the identity through a did:pkh session of its key
 * (`consent.CeramicConsentStore.openWithSigner`). Which node, first that applies:
 *
 * 1. `--no-ceramic` (or `init --no-ceramic`): none; consents then carry metadataId zero and name no document;
 * 2. `--ceramic-url <url>` with `--ceramic-model <id>`, or `MEDREC_CERAMIC_URL` with `MEDREC_CERAMIC_MODEL`;
 * 3. the node the config names (`init --ceramic-url … --ceramic-model …`);
 * 4. the embedded default: a js-ceramic daemon on 127.0.0.1 with its state in `<home>/ceramic`, started in the
 *    background by the first command that needs it and reused by the next (`ensureCeramicDaemon`).
 *
 * @module
 */
import path from "node:path";
import type { Wallet } from "ethers";
import { consent } from "@medrec/sdk";
import type { CliCeramicConfig, CliConfig } from "./config";
import { CliError, ExitCode } from "./errors";

/** The environment variable naming a Ceramic node of one's own (its HTTP API). */
export const CERAMIC_URL_ENV = "MEDREC_CERAMIC_URL";
/** The environment variable naming the stream id of the MedrecConsent model on that node. */
export const CERAMIC_MODEL_ENV = "MEDREC_CERAMIC_MODEL";
/** The embedded daemon's folder in the home. */
export const CERAMIC_DIR = "ceramic";

/** The Ceramic options of the command line (global options). */
export interface CeramicOptions {
  /** `false` with `--no-ceramic`. */
  ceramic?: boolean;
  ceramicUrl?: string;
  ceramicModel?: string;
}

/** Where documents go: nowhere, a node given by URL, or the embedded daemon of the home. */
export type CeramicChoice = { kind: "none" } | { kind: "node"; url: string; modelId: string } | { kind: "embedded"; stateDir: string };

/**
 * The Ceramic node of a command (see the module's order).
 * @throws {CliError} `CERAMIC_MODEL_REQUIRED` (2) when a URL is given without the model's stream id.
 */
export function ceramicChoice(options: CeramicOptions, env: NodeJS.ProcessEnv, config: Pick<CliConfig, "ceramic">, home: string): CeramicChoice {
  if (options.ceramic === false) return { kind: "none" };
  const url = options.ceramicUrl ?? (env[CERAMIC_URL_ENV] || undefined);
  if (url !== undefined) {
    const modelId = options.ceramicModel ?? (env[CERAMIC_MODEL_ENV] || undefined);
    if (modelId === undefined) {
      throw new CliError("CERAMIC_MODEL_REQUIRED", `a Ceramic node of your own needs the stream id of its MedrecConsent model: give --ceramic-model <id> or ${CERAMIC_MODEL_ENV}`, ExitCode.USAGE);
    }
    return { kind: "node", url, modelId };
  }
  const configured = config.ceramic;
  if (configured !== undefined) return configured.enabled ? { kind: "node", url: configured.url, modelId: configured.modelId } : { kind: "none" };
  return { kind: "embedded", stateDir: path.join(home, CERAMIC_DIR) };
}

/** The config setting `init` records for the command line's choice (nothing for the embedded default). */
export function ceramicSetting(choice: CeramicChoice): CliCeramicConfig | undefined {
  if (choice.kind === "none") return { enabled: false };
  if (choice.kind === "node") return { enabled: true, url: choice.url, modelId: choice.modelId };
  return undefined;
}

/**
 * Opens the consent store of `choice` as the identity (`signer` signs one SIWE message authorising a session key
 * for the MedrecConsent model); `undefined` for `none`. Close it when done.
 * @param chainId The chain of the identity's did:pkh.
 */
export async function openConsentStore(choice: CeramicChoice, signer: Wallet, chainId: bigint): Promise<consent.CeramicConsentStore | undefined> {
  if (choice.kind === "none") return undefined;
  let node = choice.kind === "node" ? { url: choice.url, modelId: choice.modelId } : undefined;
  if (choice.kind === "embedded") {
    const { ensureCeramicDaemon } = await import("./ceramic/background");
    node = await ensureCeramicDaemon({ stateDir: choice.stateDir });
  }
  return consent.CeramicConsentStore.openWithSigner({ ceramicUrl: node!.url, modelId: node!.modelId, signer, chainId });
}
