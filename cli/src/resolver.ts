import { getAddress } from "ethers";
import type { Chain } from "./chain";
import { CliError, ExitCode } from "./errors";

/** A resolver checked to serve the configured deployment. */
export interface CheckedResolver {
  url: string;
  /** Its disclosure account: the `resolver` that signed access requests name. */
  address: string;
  encryptionPublicKey: `0x${string}`;
  domain: import("ethers").TypedDataDomain;
}

/**
 * Asks the resolver at `url` who it is and checks that it serves the configured chain and ConsentManager, so
 * that keys are never deposited with, nor requests signed for, another deployment's resolver.
 * @throws {CliError} `RESOLVER_MISMATCH` (3) when it serves another chain or deployment.
 */
export async function checkedResolver(url: string, chain: Chain): Promise<CheckedResolver> {
  const { resolverInfo, resolverDomain } = await import("../../sdk/resolver");
  const info = await resolverInfo(url);
  const consentManager = chain.addresses.ConsentManager;
  if (BigInt(info.chainId) !== chain.chainId || getAddress(info.consentManager) !== getAddress(consentManager)) {
    throw new CliError(
      "RESOLVER_MISMATCH",
      `the resolver at ${url} serves chain ${info.chainId}, ConsentManager ${info.consentManager}; this configuration is chain ${chain.chainId}, ConsentManager ${consentManager}`,
      ExitCode.INVALID_INPUT,
    );
  }
  return { url, address: getAddress(info.address), encryptionPublicKey: info.encryptionPublicKey as `0x${string}`, domain: resolverDomain(chain.chainId, consentManager) };
}
