/**
 * An in-memory stand-in for what an ingest touches: a RecordToken (ids, `isUsed`, `patientOf`, `recordOf`,
 * `mintBatch` that reverts as a whole on a used id), a content store and a key store, and a writer process that
 * can die at a chosen step (every later write of it, to the chain, the index or the keys, fails as `Crash`).
 * For the property tests of the resume logic (`ingest-resume.property.test.ts`).
 */
import { concat, getAddress, getBytes, hexlify, sha256, ZeroAddress } from "ethers";
import { recordTokenId } from "../../../../sdk/vocabulary";
import { parseCid } from "../../../../sdk/storage/cid";
import type { ContentStore } from "../../../../sdk/storage/types";
import { RecordWriteError, type IngestIndex, type KeyStore, type RecordWriter, type RecordsContext, type StoredWrap } from "../../../../sdk/records";

/** The writer process died. */
export class Crash extends Error {}

const RECORD_TOKEN = "0x00000000000000000000000000000000000000AA";

/** The fake chain and stores; survive a writer's crash. */
export function fakeWorld() {
  const tokens = new Map<bigint, { patient: string; contentHash: string; cid: string }>();
  const mintEvents: bigint[] = [];
  const blobs = new Map<string, Uint8Array>();
  const wraps = new Map<string, StoredWrap[]>();
  const recordToken = {
    getAddress: async () => getAddress(RECORD_TOKEN),
    isUsed: async (id: bigint) => tokens.has(id),
    patientOf: async (id: bigint) => tokens.get(id)?.patient ?? ZeroAddress,
    recordOf: async (id: bigint) => {
      const t = tokens.get(id)!;
      return { patient: t.patient, version: 1n, contentHash: t.contentHash, cid: t.cid };
    },
  };
  const store: ContentStore = {
    async put(bytes) {
      const contentHash = sha256(bytes) as `0x${string}`;
      const cidBytes = getBytes(concat(["0x01551220", contentHash]));
      blobs.set(hexlify(cidBytes), Uint8Array.from(bytes));
      return { cid: (await parseCid(cidBytes)).toString(), cidBytes, size: bytes.length, contentHash };
    },
    async get(cid) {
      return blobs.get(typeof cid === "string" ? hexlify((await parseCid(cid)).bytes) : hexlify(cid))!;
    },
    remove: async () => false,
    close: async () => undefined,
  };
  const key = (ref: { tokenId: bigint; version?: bigint }) => `${ref.tokenId}/${ref.version ?? ""}`;
  const keys: KeyStore = {
    save: async (ref, list) => void wraps.set(key(ref), [...(wraps.get(key(ref)) ?? []).filter((w) => !list.some((n) => hexlify(n.recipient) === hexlify(w.recipient))), ...list]),
    load: async (ref) => wraps.get(key(ref)) ?? [],
    forget: async () => undefined,
  };
  const context = { chainId: 1n, recordToken, store, keys } as unknown as RecordsContext;
  return { tokens, mintEvents, context, keys };
}

/**
 * One writer process of `world`: dies at its `crashAt`-th chain write (that write lands when `landsAtCrash`), after
 * which every write of it (chain, index, keys) throws {@link Crash}.
 */
export function writerProcess(world: ReturnType<typeof fakeWorld>, issuer: string, index: IngestIndex, crashAt = Infinity, landsAtCrash = false) {
  let steps = 0;
  let dead = false;
  const alive = () => {
    if (dead) throw new Crash("dead");
  };
  const mintBatch = (patient: string, entries: { salt: string; cid: Uint8Array; contentHash: string }[]) => {
    const ids = entries.map((e) => recordTokenId(issuer, patient, e.salt));
    if (ids.some((id) => world.tokens.has(id)) || new Set(ids).size !== ids.length) return false;
    ids.forEach((id, i) => {
      world.tokens.set(id, { patient: getAddress(patient), contentHash: entries[i].contentHash, cid: hexlify(entries[i].cid) });
      world.mintEvents.push(id);
    });
    return true;
  };
  const writer: RecordWriter = {
    issuer: async () => issuer,
    maxInFlight: 3,
    settle: async () => undefined,
    async sendMintBatch(request) {
      alive();
      if (++steps >= crashAt) {
        dead = true;
        if (landsAtCrash) mintBatch(request.patient, request.entries);
        throw new Crash("killed");
      }
      const ok = mintBatch(request.patient, request.entries);
      const mined = new Promise<void>((resolve, reject) => setImmediate(() => (ok ? resolve() : reject(new RecordWriteError("TokenIdUsed")))));
      mined.catch(() => undefined);
      return { mined };
    },
    mint: async () => alive(),
    mintBatch: async () => alive(),
    update: async () => alive(),
    burn: async () => alive(),
  };
  const guardedIndex: IngestIndex = {
    identify: (patient, plaintext) => index.identify(patient, plaintext),
    lookup: (identity) => index.lookup(identity),
    remember: async (identity, tokenId) => (alive(), index.remember(identity, tokenId)),
  };
  const keys: KeyStore = {
    save: async (ref, list) => (alive(), world.keys.save(ref, list)),
    load: (ref) => world.keys.load(ref),
    forget: (ref) => world.keys.forget(ref),
  };
  return { writer, index: guardedIndex, context: { ...world.context, keys } as RecordsContext };
}
