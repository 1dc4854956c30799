import { getAddress, isHexString } from "ethers";
import { InvalidArgumentError } from "../errors";
import type { SafeContractNetworks } from "./contract-networks";
import { toSafeProvider, type SafeRpc } from "./rpc";
import { loadSafe, type ProtocolKitSafe } from "./protocol-kit";

/**
 * A Safe as one party (an owner who signs, or whoever executes) sees it: a protocol-kit `Safe` bound to a chain,
 * a Safe address and, optionally, a signer key. Obtain it from {@link connectSafe}.
 */
export type SafeConnection = ProtocolKitSafe;

/** Options of {@link connectSafe}. */
export interface ConnectSafeOptions {
  /** The chain: JSON-RPC URL, EIP-1193 provider or ethers provider; see {@link SafeRpc}. */
  provider: SafeRpc;
  /**
   * The private key (0x + 64 hex digits) of the party: an owner to sign, any funded account to execute.
   * Omit for a read-only connection. Kept in memory by protocol-kit only; never logged.
   */
  signerPrivateKey?: string;
  /** The Safe's address. */
  safeAddress: string;
  /**
   * Contract addresses keyed by chain id, for chains where the Safe contracts are not at the addresses protocol-kit
   * knows (local chains): `contractNetworksFor(chainId, addresses)`.
   */
  contractNetworks?: SafeContractNetworks;
}

/**
 * Connects to a deployed Safe with protocol-kit (`Safe.init`), so that callers need not know protocol-kit.
 * @param options Chain, Safe address, optional signer key and contract addresses.
 * @returns The connection to pass to {@link proposeEmergencyAccess}, {@link signEmergencyAccess} and
 * {@link executeEmergencyAccess}.
 * @throws `InvalidArgumentError` for a malformed key or address; protocol-kit's error when no Safe answers there.
 */
export async function connectSafe(options: ConnectSafeOptions): Promise<SafeConnection> {
  const { signerPrivateKey } = options;
  if (signerPrivateKey !== undefined && !isHexString(signerPrivateKey, 32)) {
    throw new InvalidArgumentError("signerPrivateKey must be 0x followed by 64 hex digits");
  }
  let safeAddress: string;
  try {
    safeAddress = getAddress(options.safeAddress);
  } catch (cause) {
    throw new InvalidArgumentError(`invalid Safe address ${String(options.safeAddress)}`, { cause });
  }
  const Safe = await loadSafe();
  return Safe.init({
    provider: toSafeProvider(options.provider),
    signer: signerPrivateKey,
    safeAddress,
    contractNetworks: options.contractNetworks,
  });
}
