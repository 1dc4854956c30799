import { ZeroAddress, getAddress, hexlify, randomBytes, toBigInt, type Signer } from "ethers";
import { BreakGlassError } from "./errors";
import { SAFE_VERSION, type SafeContractNetworks } from "./contract-networks";
import { toSafeProvider, type SafeRpc } from "./rpc";
import { safeProxyFactoryInterface } from "./safe-abi";
import { loadSafe } from "./protocol-kit";

/** Safe's sentinel address in its owner list; never a valid owner. */
const SENTINEL = "0x0000000000000000000000000000000000000001";

/** Options of {@link createSafe}. */
export interface CreateSafeOptions {
  /** Sends (and pays for) the deployment transaction; needs a provider. Not an owner unless listed. */
  signer: Signer;
  /** The owners (distinct addresses). */
  owners: readonly string[];
  /** Owner signatures needed per transaction, 1..owners.length. */
  threshold: number;
  /** The Safe contract addresses of the chain, keyed by chain id (`contractNetworksFor`). */
  contractNetworks: SafeContractNetworks;
  /** CREATE2 salt nonce (decimal or 0x-hex). Defaults to a random 256-bit value. */
  saltNonce?: string | bigint;
  /** What protocol-kit reads the chain through; defaults to `signer.provider` (an ethers provider with `send`). */
  provider?: SafeRpc;
}

/** A Safe that {@link createSafe} deployed (or found already deployed at its deterministic address). */
export interface CreatedSafe {
  address: string;
  owners: string[];
  threshold: number;
  /** The salt nonce, decimal. */
  saltNonce: string;
  /** False when a Safe with this configuration and salt already existed; then no transaction was sent. */
  created: boolean;
  transactionHash: string | null;
  blockNumber: number | null;
}

/**
 * Checks an owner list and threshold as Safe's `setup` would, before anything is sent.
 * @returns The owners, checksummed.
 * @throws {@link BreakGlassError} `INVALID_SAFE_CONFIG`.
 */
export function validateSafeConfig(owners: readonly string[], threshold: number): string[] {
  const invalid = (message: string, cause?: unknown) => new BreakGlassError("INVALID_SAFE_CONFIG", message, { cause });
  if (owners.length === 0) throw invalid("a Safe needs at least one owner");
  const checked = owners.map((owner) => {
    try {
      return getAddress(owner);
    } catch (cause) {
      throw invalid(`invalid owner address ${String(owner)}`, cause);
    }
  });
  for (const owner of checked) {
    if (owner === ZeroAddress || owner === SENTINEL) throw invalid(`${owner} cannot be a Safe owner`);
  }
  if (new Set(checked).size !== checked.length) throw invalid("duplicate Safe owner");
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > checked.length) {
    throw invalid(`threshold must be 1..${checked.length}, got ${threshold}`);
  }
  return checked;
}

/**
 * Deploys a Safe v1.4.1 proxy with `owners` and `threshold` through the SafeProxyFactory, with protocol-kit
 * (`Safe.init` with a predicted Safe, then `createSafeDeploymentTransaction`), and checks the result on-chain.
 * @param options See {@link CreateSafeOptions}.
 * @returns The Safe (address from the factory's `ProxyCreation` event).
 * @throws {@link BreakGlassError} `INVALID_SAFE_CONFIG` for bad owners or threshold; `EXECUTION_FAILED` when the
 * deployment reverts or the deployed Safe does not have the requested owners and threshold.
 */
export async function createSafe(options: CreateSafeOptions): Promise<CreatedSafe> {
  const owners = validateSafeConfig(options.owners, options.threshold);
  const { signer, threshold, contractNetworks } = options;
  const provider = signer.provider;
  if (!provider) throw new TypeError("createSafe needs a signer connected to a provider");
  const rpc = toSafeProvider(options.provider ?? (provider as unknown as SafeRpc));
  const saltNonce = toBigInt(options.saltNonce ?? hexlify(randomBytes(32))).toString();

  const Safe = await loadSafe();
  const predicted = await Safe.init({
    provider: rpc,
    predictedSafe: { safeAccountConfig: { owners, threshold }, safeDeploymentConfig: { saltNonce, safeVersion: SAFE_VERSION } },
    contractNetworks,
  });
  const predictedAddress = getAddress(await predicted.getAddress());
  if ((await provider.getCode(predictedAddress)) !== "0x") {
    await expectConfiguration(rpc, contractNetworks, predictedAddress, owners, threshold);
    return { address: predictedAddress, owners, threshold, saltNonce, created: false, transactionHash: null, blockNumber: null };
  }

  const deployment = await predicted.createSafeDeploymentTransaction();
  const response = await signer.sendTransaction({ to: deployment.to, data: deployment.data, value: BigInt(deployment.value) });
  const receipt = await response.wait();
  if (!receipt || receipt.status !== 1) throw new BreakGlassError("EXECUTION_FAILED", `Safe deployment ${response.hash} reverted`);
  const address = proxyCreated(receipt.logs, deployment.to);
  await expectConfiguration(rpc, contractNetworks, address, owners, threshold);
  return { address, owners, threshold, saltNonce, created: true, transactionHash: receipt.hash, blockNumber: receipt.blockNumber };
}

/** The proxy address of the factory's `ProxyCreation` event in `logs`. */
function proxyCreated(logs: readonly { address: string; topics: readonly string[]; data: string }[], factory: string): string {
  const topic = safeProxyFactoryInterface.getEvent("ProxyCreation")!.topicHash;
  const log = logs.find((entry) => getAddress(entry.address) === getAddress(factory) && entry.topics[0] === topic);
  if (!log) throw new BreakGlassError("EXECUTION_FAILED", "the Safe deployment emitted no ProxyCreation event");
  return getAddress(safeProxyFactoryInterface.parseLog(log)!.args.proxy as string);
}

/** Reads owners and threshold of the Safe at `address` and checks them against the requested configuration. */
async function expectConfiguration(
  rpc: ReturnType<typeof toSafeProvider>,
  contractNetworks: SafeContractNetworks,
  address: string,
  owners: string[],
  threshold: number,
): Promise<void> {
  const Safe = await loadSafe();
  const safe = await Safe.init({ provider: rpc, safeAddress: address, contractNetworks });
  const actualOwners = (await safe.getOwners()).map((owner) => getAddress(owner));
  const actualThreshold = await safe.getThreshold();
  const sameOwners = actualOwners.length === owners.length && owners.every((owner) => actualOwners.includes(owner));
  if (!sameOwners || actualThreshold !== threshold) {
    throw new BreakGlassError(
      "EXECUTION_FAILED",
      `the Safe at ${address} has ${actualThreshold}-of-${actualOwners.length} owners, not the requested ${threshold}-of-${owners.length}`,
    );
  }
}
