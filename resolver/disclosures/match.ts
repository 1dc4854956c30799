import { DisclosureStatus } from "@medrec/sdk/vocabulary";
import type { Interface } from "ethers";
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

/** The parts of a receipt log that {@link matchDisclosures} reads (an ethers `Log`, or the node's JSON log). */
export interface BatchLog {
  address: string;
  topics: readonly string[];
  data: string;
  /** The log's index in its block. */
  index: number;
}

const WORD = 64;
/** A 32-byte word of hex (no `0x`) that holds an address: its 20 bytes in lower case, or undefined. */
function addressWord(word: string): string | undefined {
  return word.length === WORD && /^0{24}[0-9a-f]{40}$/.test(word) ? word.slice(24) : undefined;
}

/**
 * The verdict of a mined batch on each of its entries, from the receipt's logs alone: an entry is disclosed only
 * when a `Disclosure` log **emitted by `consentManager`** carries its `requestHash` and the same token, grantee,
 * purpose, and names `resolver` as the one that disclosed; a `DisclosureRefused` of its hash refuses it with the
 * chain's reason (410 erased, 403 denied); anything else (no log, a log of another contract, a mismatch) refuses it
 * with `DISCLOSURE_FAILED`. Each log answers one entry at most. The two events are decoded from their topics and
 * fixed-size data words directly (their layout is fixed by the ABI; a log of another shape is skipped), with
 * addresses compared in lower case, instead of through ethers' ABI coder and checksums on every log.
 * @param logs The receipt's logs.
 * @param iface ConsentManager's ABI (for the events' topic hashes).
 * @param consentManager Its address.
 * @param resolver This resolver's disclosure account.
 * @param entries The batch, in order.
 */
export function matchDisclosures(
  logs: readonly BatchLog[],
  iface: Interface,
  consentManager: string,
  resolver: string,
  entries: readonly DisclosureEntry[],
): DisclosureVerdict[] {
  const emitter = consentManager.toLowerCase();
  const account = resolver.toLowerCase().slice(2);
  const disclosureTopic = iface.getEvent("Disclosure")!.topicHash.toLowerCase();
  const refusedTopic = iface.getEvent("DisclosureRefused")!.topicHash.toLowerCase();
  const disclosed = new Map<string, { tokenId: bigint; grantee: string; purpose: string; resolver: string; logIndex: number }>();
  const refused = new Map<string, bigint>();
  for (const log of logs) {
    if (log.address.toLowerCase() !== emitter || log.topics.length !== 4) continue;
    const topic = log.topics[0].toLowerCase();
    const data = log.data.toLowerCase();
    if (!/^0x[0-9a-f]*$/.test(data) || log.topics.some((t) => !/^0x[0-9a-fA-F]{64}$/.test(t))) continue;
    if (topic === disclosureTopic) {
      // Disclosure(uint256 indexed tokenId, address indexed patient, address indexed grantee,
      //            bytes32 purpose, address resolver, bool emergency, bytes32 requestHash)
      if (data.length !== 2 + 4 * WORD) continue;
      const grantee = addressWord(log.topics[3].slice(2).toLowerCase());
      const by = addressWord(data.slice(2 + WORD, 2 + 2 * WORD));
      if (grantee === undefined || by === undefined) continue;
      const hash = `0x${data.slice(2 + 3 * WORD)}`;
      if (!disclosed.has(hash)) {
        disclosed.set(hash, { tokenId: BigInt(log.topics[1]), grantee, purpose: `0x${data.slice(2, 2 + WORD)}`, resolver: by, logIndex: log.index });
      }
    } else if (topic === refusedTopic) {
      // DisclosureRefused(bytes32 indexed requestHash, uint256 indexed tokenId, address indexed grantee, uint8 reason)
      if (data.length !== 2 + WORD) continue;
      const hash = log.topics[1].toLowerCase();
      if (!refused.has(hash)) refused.set(hash, BigInt(data));
    }
  }
  return entries.map((entry): DisclosureVerdict => {
    const hash = entry.requestHash.toLowerCase();
    const log = disclosed.get(hash);
    if (log) {
      disclosed.delete(hash);
      const same =
        log.tokenId === entry.tokenId && log.grantee === entry.grantee.toLowerCase().slice(2) && log.purpose === entry.purpose.toLowerCase() && log.resolver === account;
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
