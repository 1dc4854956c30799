import { DisclosureStatus } from "@medrec/sdk/vocabulary";
import { getAddress, type Interface, type Log } from "ethers";
import type { ResolverErrorCode } from "@medrec/sdk/resolver/protocol";

/** One entry of a `recordDisclosures` batch: the key release it logs and the hash of its signed request. */
export interface DisclosureEntry {
  tokenId: bigint;
  grantee: string;
  purpose: string;
  /** The EIP-712 digest of the access request the reader signed (`accessRequestDigest`). */
  requestHash: string;
}

/** What a mined batch says of one entry. */
export type DisclosureVerdict =
  | { disclosed: true; logIndex: number }
  | { disclosed: false; code: ResolverErrorCode; message: string };

/** `DisclosureRefused` reasons of ConsentManager. */
const REFUSAL_ERASED = BigInt(DisclosureStatus.ERASED);
const REFUSAL_DENIED = BigInt(DisclosureStatus.DENIED);

/**
 * The verdict of a mined batch on each of its entries, from the receipt's logs alone: an entry is disclosed only
 * when a `Disclosure` log **emitted by `consentManager`** carries its `requestHash` and the same token, grantee,
 * purpose, and names `resolver` as the one that disclosed; a `DisclosureRefused` of its hash refuses it with the
 * chain's reason (410 erased, 403 denied); anything else (no log, a log of another contract, a mismatch) refuses it
 * with `DISCLOSURE_FAILED`. Each log answers one entry at most.
 * @param logs The receipt's logs.
 * @param iface ConsentManager's ABI.
 * @param consentManager Its address.
 * @param resolver This resolver's disclosure account.
 * @param entries The batch, in order.
 */
export function matchDisclosures(
  logs: readonly Log[],
  iface: Interface,
  consentManager: string,
  resolver: string,
  entries: readonly DisclosureEntry[],
): DisclosureVerdict[] {
  const emitter = getAddress(consentManager);
  const account = getAddress(resolver);
  const disclosed = new Map<string, { tokenId: bigint; grantee: string; purpose: string; resolver: string; logIndex: number }>();
  const refused = new Map<string, bigint>();
  for (const log of logs) {
    if (getAddress(log.address) !== emitter) continue;
    let parsed;
    try {
      parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
    } catch {
      continue;
    }
    if (parsed?.name === "Disclosure") {
      const hash = (parsed.args.requestHash as string).toLowerCase();
      if (!disclosed.has(hash)) {
        disclosed.set(hash, {
          tokenId: parsed.args.tokenId as bigint,
          grantee: getAddress(parsed.args.grantee as string),
          purpose: (parsed.args.purpose as string).toLowerCase(),
          resolver: getAddress(parsed.args.resolver as string),
          logIndex: log.index,
        });
      }
    } else if (parsed?.name === "DisclosureRefused") {
      const hash = (parsed.args.requestHash as string).toLowerCase();
      if (!refused.has(hash)) refused.set(hash, parsed.args.reason as bigint);
    }
  }
  return entries.map((entry): DisclosureVerdict => {
    const hash = entry.requestHash.toLowerCase();
    const log = disclosed.get(hash);
    if (log) {
      disclosed.delete(hash);
      const same =
        log.tokenId === entry.tokenId && log.grantee === getAddress(entry.grantee) && log.purpose === entry.purpose.toLowerCase() && log.resolver === account;
      if (same) return { disclosed: true, logIndex: log.logIndex };
      return { disclosed: false, code: "DISCLOSURE_FAILED", message: "the mined disclosure does not match the request; nothing was released" };
    }
    const reason = refused.get(hash);
    if (reason === REFUSAL_ERASED) return { disclosed: false, code: "RECORD_ERASED", message: "the record was erased before the disclosure was mined" };
    if (reason === REFUSAL_DENIED) {
      return { disclosed: false, code: "ACCESS_DENIED", message: "the chain refused the disclosure: no access for this purpose (revoked before it was mined)" };
    }
    return { disclosed: false, code: "DISCLOSURE_FAILED", message: "the mined batch holds no disclosure of this request; nothing was released" };
  });
}
