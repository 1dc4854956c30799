import { Wallet, getBytes } from "ethers";
import { bytesToHex, generateEncryptionKeyPair, openRecord, unwrapKey } from "../../sdk/crypto";
import { ParticipantKind } from "../../sdk/chain/participant-kind";
import type { IngestedRecord } from "../../sdk/records";
import { ResolverError } from "../../sdk/resolver";
import { Purpose } from "../../sdk/vocabulary";
import { loadClient } from "./load-client";
import type { ResolverStack } from "./resolver-stack";

/** A reader of a load run: a registered provider key and the tokens it was granted. */
export interface LoadReader {
  wallet: Wallet;
  allowed: Set<bigint>;
}

/** What a load run saw. */
export interface LoadResult {
  /** Keys released (each opened the record it was asked for). */
  released: number;
  /** Refusals by code. */
  refused: Record<string, number>;
  /** Releases of a token the reader had no grant on, or keys that did not open the asked record: must be 0. */
  wrongReleases: number;
  /** Refusals of a request that had a grant: must be 0. */
  wrongRefusals: number;
  /** Latency of every request, in ms. */
  latenciesMs: number[];
  durationMs: number;
  /** Blocks the run spans (for counting its Disclosure events). */
  fromBlock: number;
  toBlock: number;
}

/** One request of a load run, as the run saw it (see the `ledger` option of {@link runReaderLoad}). */
export interface LoadRequest {
  /** The EIP-712 digest the reader signed: the `requestHash` of its Disclosure. */
  requestHash: string;
  tokenId: bigint;
  requester: string;
  /** `pending` until answered; `wrong` is a wrong release; `refused` names the `code` (`RESOLVER_UNREACHABLE`: no answer). */
  outcome: "pending" | "released" | "refused" | "wrong";
  code?: string;
}

/**
 * Registers `count` new provider keys (they never send transactions, so they hold no ETH) and grants each READ
 * on the tokens `grantsOf(index)` names.
 */
export async function registerLoadReaders(stack: ResolverStack, count: number, grantsOf: (index: number) => bigint[]): Promise<LoadReader[]> {
  const readers: LoadReader[] = [];
  for (let index = 0; index < count; index++) {
    const wallet = new Wallet(Wallet.createRandom().privateKey);
    await (await stack.providerRegistry.register(wallet.address, ParticipantKind.Provider, generateEncryptionKeyPair().publicKeyHex, bytesToHex(new Uint8Array(32).fill(1)))).wait();
    const allowed = new Set(grantsOf(index));
    for (const tokenId of allowed) await stack.grantRead(wallet.address, tokenId);
    readers.push({ wallet, allowed });
  }
  return readers;
}

/**
 * Runs `concurrency` workers against the resolver for `durationMs`: worker `w` asks as reader `w mod
 * readers.length` (a {@link loadClient}: the SDK's request on the wire, signed and checked at a client's lowest CPU
 * cost) for the tokens of `records` in turn. Before the run, the data key of each record is opened from the
 * resolver's own wrap with the SDK (`unwrapKey`) and shown to decrypt the record's ciphertext to its content hash
 * (`openRecord`); every released key must be that key of the token asked for, bound to its current version, or the
 * release counts as a wrong one.
 * @param options `url`: a resolver other than the stack's own (it must hold the same wraps: the expected keys are
 * read from the stack's resolver); `stop`: no request is started once it is aborted (the run then ends when those in
 * flight are answered); `ledger`: every request is appended to it once signed (`pending`) and given its outcome
 * when answered, so that a test can see what is in flight while the run goes on.
 */
export async function runReaderLoad(
  stack: ResolverStack,
  readers: LoadReader[],
  records: IngestedRecord[],
  options: { concurrency: number; durationMs: number; url?: string; stop?: AbortSignal; ledger?: LoadRequest[] },
): Promise<LoadResult> {
  const url = options.url ?? stack.resolver.url;
  const clients = readers.map((reader) =>
    loadClient({ url, resolver: stack.identity.address, wallet: reader.wallet, domain: stack.domain, purpose: Purpose.TREATMENT }),
  );
  const binding = (tokenId: bigint) => (version: bigint) => ({ chainId: stack.chain.chainId, recordToken: stack.config.recordToken, tokenId, version });
  const expected = new Map<bigint, { dataKey: Buffer; version: bigint }>();
  for (const record of records) {
    const onChain = await stack.recordToken.recordOf(record.tokenId);
    const sealed = await stack.store.get(getBytes(onChain.cid));
    const wrap = await stack.resolver.database.getWrap(record.tokenId, onChain.version);
    if (!wrap) throw new Error(`the resolver holds no wrap of record #${record.tokenId}`);
    const ref = binding(record.tokenId)(onChain.version);
    if ((await openRecord(sealed, wrap, stack.identity.encryptionPrivateKey, ref, onChain.contentHash)).length === 0) throw new Error("empty record");
    expected.set(record.tokenId, { dataKey: Buffer.from(await unwrapKey(wrap, stack.identity.encryptionPrivateKey, ref)), version: onChain.version });
  }
  const result: LoadResult = { released: 0, refused: {}, wrongReleases: 0, wrongRefusals: 0, latenciesMs: [], durationMs: 0, fromBlock: 0, toBlock: 0 };
  result.fromBlock = (await stack.provider.getBlockNumber()) + 1;
  const started = performance.now();
  const end = started + options.durationMs;

  const worker = async (w: number) => {
    const reader = readers[w % readers.length];
    const client = clients[w % readers.length];
    for (let i = w; performance.now() < end && !options.stop?.aborted; i++) {
      const record = records[i % records.length];
      const t0 = performance.now();
      let entry: LoadRequest | undefined;
      const onSigned = (requestHash: string) => {
        entry = { requestHash, tokenId: record.tokenId, requester: reader.wallet.address, outcome: "pending" };
        options.ledger?.push(entry);
      };
      const settle = (outcome: LoadRequest["outcome"], code?: string) => entry && Object.assign(entry, { outcome, code });
      try {
        const release = await client.release(record.tokenId, binding(record.tokenId), onSigned);
        result.latenciesMs.push(performance.now() - t0);
        const target = expected.get(record.tokenId)!;
        const opens = release.version === target.version && target.dataKey.equals(release.dataKey);
        release.dataKey.fill(0);
        if (opens && reader.allowed.has(record.tokenId)) {
          result.released++;
          settle("released");
        } else {
          result.wrongReleases++;
          settle("wrong");
        }
      } catch (error) {
        result.latenciesMs.push(performance.now() - t0);
        if (!(error instanceof ResolverError)) {
          // A key that did not open (a GCM failure) or an answer without this request's disclosure is a wrong release.
          result.wrongReleases++;
          settle("wrong");
          continue;
        }
        result.refused[error.code] = (result.refused[error.code] ?? 0) + 1;
        settle("refused", error.code);
        if (reader.allowed.has(record.tokenId)) result.wrongRefusals++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  result.durationMs = performance.now() - started;
  result.toBlock = await stack.provider.getBlockNumber();
  for (const { dataKey } of expected.values()) dataKey.fill(0);
  return result;
}

/** The Disclosure events the resolver mined in a block range, with the hash of the request each answers and its block. */
export async function disclosuresInRange(
  stack: ResolverStack,
  fromBlock: number,
  toBlock: number,
): Promise<{ tokenId: bigint; grantee: string; requestHash: string; blockNumber: number }[]> {
  const events = await stack.consentManager.queryFilter(stack.consentManager.filters.Disclosure(), fromBlock, toBlock);
  return events
    .filter((event) => event.args.resolver === stack.identity.address)
    .map((event) => ({ tokenId: event.args.tokenId, grantee: event.args.grantee, requestHash: event.args.requestHash.toLowerCase(), blockNumber: event.blockNumber }));
}
