/**
 * The writer's index of records already ingested, so that adding the same data twice does not mint a
 * second token.
 *
 * A record's identity is `HMAC-SHA256(key, "medrec/record-identity/v1" ‖ patient ‖ plaintext)`: the
 * canonical record bytes (everything the record holds, including which source bundle and which
 * positions) for one patient, under a key only the writer has. Nothing of it goes on-chain — a plain
 * hash there would let anyone confirm a guessed record — and a stolen index file gives token ids and
 * MACs, not contents; without the key it cannot even be tested against a guess.
 *
 * Identical records are skipped (the ingest reports them as `unchanged` with their token). A record
 * that differs in any byte is new. The index is trusted for "already minted" only while the token is
 * still the patient's: a burned record is minted again.
 *
 * @module
 */
import { constants as fsConstants } from "node:fs";
import { mkdir, open, readFile } from "node:fs/promises";
import path from "node:path";
import { hkdf } from "@noble/hashes/hkdf";
import { hmac } from "@noble/hashes/hmac";
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";
import { getAddress } from "ethers";
import { InvalidArgumentError } from "../errors";

const IDENTITY_DOMAIN = utf8ToBytes("medrec/record-identity/v1");

/** Where a writer remembers what it has ingested. */
export interface IngestIndex {
  /** The identity of `plaintext` for `patient` (hex; keyed, see the module notes). */
  identify(patient: string, plaintext: Uint8Array): string;
  /** The token a record of this identity was minted as, if any. */
  lookup(identity: string): Promise<bigint | undefined>;
  /** Notes that the record of `identity` is token `tokenId`. */
  remember(identity: string, tokenId: bigint): Promise<void>;
  /** Notes many at once (one write of a file index, where `remember` writes each); optional. */
  rememberAll?(entries: readonly (readonly [identity: string, tokenId: bigint])[]): Promise<void>;
}

/**
 * The key of a writer's ingest index, derived from the writer's X25519 private key (HKDF-SHA256, info
 * `medrec/ingest-index/v1`): only that writer can test the index, and the index needs no key of its own.
 * @param secret The writer's X25519 private key (32 bytes); not kept.
 */
export function ingestIndexKey(secret: Uint8Array): Uint8Array {
  if (secret.length !== 32) throw new InvalidArgumentError("ingestIndexKey: an X25519 private key is 32 bytes");
  return hkdf(sha256, secret, undefined, "medrec/ingest-index/v1", 32);
}

/** The keyed identity of a record (see the module notes). */
export function recordIdentity(key: Uint8Array, patient: string, plaintext: Uint8Array): string {
  const mac = hmac.create(sha256, key);
  mac.update(IDENTITY_DOMAIN);
  mac.update(Uint8Array.from(Buffer.from(getAddress(patient).slice(2), "hex")));
  mac.update(plaintext);
  return bytesToHex(mac.digest());
}

function checkKey(key: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length < 32) throw new InvalidArgumentError("the ingest index key must be at least 32 bytes");
  return Uint8Array.from(key);
}

/** An index held in memory (a process that ingests once, tests). */
export function memoryIngestIndex(key: Uint8Array): IngestIndex {
  const secret = checkKey(key);
  const known = new Map<string, bigint>();
  return {
    identify: (patient, plaintext) => recordIdentity(secret, patient, plaintext),
    lookup: async (identity) => known.get(identity),
    remember: async (identity, tokenId) => void known.set(identity, tokenId),
    rememberAll: async (entries) => entries.forEach(([identity, tokenId]) => known.set(identity, tokenId)),
  };
}

const LINE = /^([0-9a-f]{64}) ([0-9]{1,78})$/;

/**
 * An index in an append-only file (mode 0600; one `identity tokenId` line per record, written as each
 * mint lands, so an interrupted run keeps what it minted). A line that does not parse (a torn last
 * write) is ignored.
 * @param file The index file; its folder is created (0700) when missing.
 * @param key The writer's secret (≥ 32 bytes), e.g. derived from its identity key.
 */
export async function fileIngestIndex(file: string, key: Uint8Array): Promise<IngestIndex> {
  const secret = checkKey(key);
  const known = new Map<string, bigint>();
  try {
    for (const line of (await readFile(file, "utf8")).split("\n")) {
      const match = LINE.exec(line);
      if (match) known.set(match[1], BigInt(match[2]));
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let writes: Promise<void> = Promise.resolve();
  return {
    identify: (patient, plaintext) => recordIdentity(secret, patient, plaintext),
    lookup: async (identity) => known.get(identity),
    remember: (identity, tokenId) => serialized([[identity, tokenId]]),
    rememberAll: (entries) => serialized(entries),
  };

  /** One append after the other: lines of two writes never interleave. */
  function serialized(entries: readonly (readonly [string, bigint])[]): Promise<void> {
    const next = writes.then(() => append(entries));
    writes = next.catch(() => undefined);
    return next;
  }

  /** Appends one line per entry in one write, synced, then notes them in memory. */
  async function append(entries: readonly (readonly [string, bigint])[]): Promise<void> {
    if (entries.length === 0) return;
    for (const [identity, tokenId] of entries) {
      if (!/^[0-9a-f]{64}$/.test(identity) || tokenId < 0n) throw new InvalidArgumentError("not a record identity and token id");
    }
    const handle = await open(file, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW, 0o600);
    try {
      await handle.chmod(0o600);
      await handle.appendFile(entries.map(([identity, tokenId]) => `${identity} ${tokenId}\n`).join(""));
      await handle.sync();
    } finally {
      await handle.close();
    }
    for (const [identity, tokenId] of entries) known.set(identity, tokenId);
  }
}
