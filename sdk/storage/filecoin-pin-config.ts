/**
 * Configuration of {@link FilecoinPinStore}, and reading it from the environment.
 *
 * | variable | meaning | required |
 * |---|---|---|
 * | `FILECOIN_PIN_PRIVATE_KEY` | wallet key that pays for storage (0x + 64 hex) | yes |
 * | `FILECOIN_PIN_RPC_URL` | Filecoin RPC endpoint (http(s) or ws(s)); mainnet or calibration is detected from it | yes |
 * | `FILECOIN_PIN_INDEX_DIR` | folder of the local CID → piece index | yes |
 * | `FILECOIN_PIN_PROVIDER_ID` | storage provider id to use (default: the SDK selects one) | no |
 * | `FILECOIN_PIN_DATA_SET_ID` | existing data set to add pieces to (default: the SDK selects or creates one) | no |
 * | `FILECOIN_PIN_WITH_CDN` | `true` to request FilBeam CDN retrieval for new data sets | no |
 * | `FILECOIN_PIN_AUTO_ALLOWANCES` | `true` to let the readiness check set Filecoin Pay allowances | no |
 *
 * @module
 */
import { StorageConfigError } from "./errors";

/** Everything {@link FilecoinPinStore} needs to reach Filecoin Onchain Cloud. */
export interface FilecoinPinConfig {
  /** Wallet private key (`0x` + 64 hex). Never logged. */
  readonly privateKey: string;
  /** RPC endpoint, `http(s)://` or `ws(s)://`. */
  readonly rpcUrl: string;
  /** Folder of the local piece index ({@link PieceIndex}). */
  readonly indexDirectory: string;
  /** Storage provider id to use; default: the SDK's selection (an IPNI-enabled, approved provider). */
  readonly providerId?: number;
  /** Existing data set id to use; default: the wallet's matching data set, or a new one. */
  readonly dataSetId?: number;
  /** Request CDN (FilBeam) retrieval for new data sets; default `false`. */
  readonly withCDN?: boolean;
  /**
   * Let `checkUploadReadiness` send the allowance transaction when allowances are missing; default `false`
   * (an upload is then refused with the library's suggestions instead).
   */
  readonly autoConfigureAllowances?: boolean;
  /** Send the Synapse SDK's Sentry telemetry; default `false` (nothing leaves the process but the upload). */
  readonly telemetry?: boolean;
}

/** Names of the environment variables {@link filecoinPinConfigFromEnv} reads. */
export const FILECOIN_PIN_ENV = Object.freeze({
  privateKey: "FILECOIN_PIN_PRIVATE_KEY",
  rpcUrl: "FILECOIN_PIN_RPC_URL",
  indexDirectory: "FILECOIN_PIN_INDEX_DIR",
  providerId: "FILECOIN_PIN_PROVIDER_ID",
  dataSetId: "FILECOIN_PIN_DATA_SET_ID",
  withCDN: "FILECOIN_PIN_WITH_CDN",
  autoConfigureAllowances: "FILECOIN_PIN_AUTO_ALLOWANCES",
} as const);

const PRIVATE_KEY_RE = /^(0x)?[0-9a-fA-F]{64}$/;
const RPC_PROTOCOLS = new Set(["http:", "https:", "ws:", "wss:"]);

/**
 * Reads and validates a {@link FilecoinPinConfig} from environment variables ({@link FILECOIN_PIN_ENV}).
 * @param env The environment; default `process.env`.
 * @returns The validated configuration.
 * @throws {StorageConfigError} Naming the first missing or malformed variable (never its value).
 */
export function filecoinPinConfigFromEnv(env: NodeJS.ProcessEnv = process.env): FilecoinPinConfig {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new StorageConfigError(`${name} is not set`);
    return value;
  };
  const optionalId = (name: string): number | undefined => {
    const value = env[name]?.trim();
    if (!value) return undefined;
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new StorageConfigError(`${name} must be a non-negative integer`);
    }
    return Number(value);
  };
  const flag = (name: string): boolean => {
    const value = env[name]?.trim().toLowerCase();
    if (!value) return false;
    if (value === "true" || value === "1") return true;
    if (value === "false" || value === "0") return false;
    throw new StorageConfigError(`${name} must be true or false`);
  };
  return validateFilecoinPinConfig({
    privateKey: required(FILECOIN_PIN_ENV.privateKey),
    rpcUrl: required(FILECOIN_PIN_ENV.rpcUrl),
    indexDirectory: required(FILECOIN_PIN_ENV.indexDirectory),
    providerId: optionalId(FILECOIN_PIN_ENV.providerId),
    dataSetId: optionalId(FILECOIN_PIN_ENV.dataSetId),
    withCDN: flag(FILECOIN_PIN_ENV.withCDN),
    autoConfigureAllowances: flag(FILECOIN_PIN_ENV.autoConfigureAllowances),
  });
}

/**
 * Checks a configuration and returns it with the private key normalised to `0x` + lowercase hex.
 * @param config The configuration.
 * @returns A validated copy.
 * @throws {StorageConfigError} Naming the malformed field (never the key).
 */
export function validateFilecoinPinConfig(config: FilecoinPinConfig): FilecoinPinConfig {
  if (typeof config?.privateKey !== "string" || !PRIVATE_KEY_RE.test(config.privateKey)) {
    throw new StorageConfigError("the Filecoin private key must be 32 bytes of hex (0x + 64 digits)");
  }
  let url: URL;
  try {
    url = new URL(config.rpcUrl);
  } catch (err) {
    throw new StorageConfigError("the Filecoin RPC URL is not a URL", { cause: err });
  }
  if (!RPC_PROTOCOLS.has(url.protocol)) {
    throw new StorageConfigError(`the Filecoin RPC URL must be http(s) or ws(s), not ${url.protocol}`);
  }
  if (typeof config.indexDirectory !== "string" || config.indexDirectory.length === 0) {
    throw new StorageConfigError("the Filecoin piece index needs a directory");
  }
  for (const field of ["providerId", "dataSetId"] as const) {
    const value = config[field];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new StorageConfigError(`${field} must be a non-negative integer`);
    }
  }
  const hex = config.privateKey.toLowerCase().replace(/^0x/, "");
  return { ...config, privateKey: `0x${hex}` };
}
