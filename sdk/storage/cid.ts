/**
 * Parsing and checking of the CIDs `sdk/storage` serves: CIDv1, SHA-256, `raw` or `dag-pb` (UnixFS).
 *
 * @module
 */
import type { CID } from "multiformats/cid";
import { loadEsm } from "./esm";
import { InvalidArgumentError, UnsupportedCidError } from "./errors";
import type { CidInput } from "./types";

/** Multicodec of a raw block (a UnixFS raw leaf, or a whole object that fits one chunk). */
export const RAW_CODEC = 0x55;
/** Multicodec of a dag-pb block (a UnixFS file node linking its chunks). */
export const DAG_PB_CODEC = 0x70;
/** Multihash code of SHA2-256. */
export const SHA2_256_CODE = 0x12;
/** Length of a SHA2-256 digest in bytes. */
export const SHA2_256_LENGTH = 32;

/**
 * Parses a CID given as a string (any multibase) or as binary CID bytes.
 * @param input The CID.
 * @returns The parsed CID (not yet checked; see {@link assertServedCid}).
 * @throws {InvalidArgumentError} If `input` is neither a string nor bytes, or does not decode as a CID.
 */
export async function parseCid(input: CidInput): Promise<CID> {
  const { CID: CidClass } = await loadEsm("multiformats/cid");
  try {
    if (typeof input === "string") return CidClass.parse(input.trim());
    if (input instanceof Uint8Array) return CidClass.decode(input);
  } catch (err) {
    throw new InvalidArgumentError(`not a CID: ${describeInput(input)}`, { cause: err });
  }
  throw new InvalidArgumentError("a CID must be a string or a Uint8Array");
}

/**
 * Throws unless `cid` is a CID `sdk/storage` serves: version 1, SHA2-256 (32-byte digest), `raw` or `dag-pb`.
 * @param cid The CID to check.
 * @throws {UnsupportedCidError} Naming what is unsupported.
 */
export function assertServedCid(cid: CID): void {
  if (cid.version !== 1) throw new UnsupportedCidError(cid.toString(), `CID version ${cid.version}, expected 1`);
  assertBlockCid(cid);
}

/**
 * Throws unless `cid` may appear inside a stored DAG: SHA2-256 and `raw` or `dag-pb` (any version).
 * @param cid A block CID.
 * @throws {UnsupportedCidError} Naming what is unsupported.
 */
export function assertBlockCid(cid: CID): void {
  if (cid.multihash.code !== SHA2_256_CODE || cid.multihash.size !== SHA2_256_LENGTH) {
    throw new UnsupportedCidError(cid.toString(), `multihash 0x${cid.multihash.code.toString(16)}, expected sha2-256`);
  }
  if (cid.code !== RAW_CODEC && cid.code !== DAG_PB_CODEC) {
    throw new UnsupportedCidError(cid.toString(), `codec 0x${cid.code.toString(16)}, expected raw (0x55) or dag-pb (0x70)`);
  }
}

/**
 * Parses and checks a CID in one step.
 * @param input The CID as a string or binary.
 * @returns The CID, known to be CIDv1 + SHA2-256 + raw/dag-pb.
 * @throws {InvalidArgumentError} If `input` is not a CID.
 * @throws {UnsupportedCidError} If it is a CID this store does not serve.
 */
export async function toServedCid(input: CidInput): Promise<CID> {
  const cid = await parseCid(input);
  assertServedCid(cid);
  return cid;
}

/** A short, secret-free description of a bad CID input for error messages. */
function describeInput(input: CidInput): string {
  if (typeof input === "string") return JSON.stringify(input.length > 100 ? `${input.slice(0, 100)}…` : input);
  return `${input.length} bytes`;
}
