/**
 * CARv1 packing of a stored object's DAG, for stores that move whole objects (Filecoin pieces).
 *
 * The CAR has one root (the object's CID) and the DAG's blocks depth-first, root first. Filecoin Onchain Cloud takes
 * pieces of at least {@link MIN_PIECE_PAYLOAD} bytes; a smaller CAR (an object of < ~31 bytes) gets one extra raw
 * block ({@link PADDING_PREFIX} + zeros) after the DAG. Readers resolve blocks by CID from the root, so the extra
 * block is never part of the object.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { CID } from "multiformats/cid";
import { RAW_CODEC, SHA2_256_CODE } from "./cid";
import { loadEsm } from "./esm";
import { ContentIntegrityError } from "./errors";

/** A block: its CID and its bytes. */
export interface CarBlock {
  readonly cid: CID;
  readonly bytes: Uint8Array;
}

/** Smallest upload the Synapse SDK accepts (`SIZE_CONSTANTS.MIN_UPLOAD_SIZE`), in bytes. */
export const MIN_PIECE_PAYLOAD = 127;
/** First bytes of the padding block of a CAR that would be too small to upload. */
export const PADDING_PREFIX = new TextEncoder().encode("medrec/car-padding/v1");

/**
 * Packs `blocks` into a CARv1 with `root` as its only root, padded to at least `minLength` bytes.
 * @param root The object's root CID.
 * @param blocks The DAG's blocks (root first).
 * @param minLength Smallest CAR size to produce; default {@link MIN_PIECE_PAYLOAD}.
 * @returns The CAR bytes.
 */
export async function encodeCar(
  root: CID,
  blocks: readonly CarBlock[],
  minLength = MIN_PIECE_PAYLOAD,
): Promise<Uint8Array> {
  const { CarBufferWriter } = await loadEsm("@ipld/car");
  const all = [...blocks];
  const sizeOf = (list: readonly CarBlock[]) =>
    CarBufferWriter.calculateHeaderLength([root.bytes.length]) +
    list.reduce((sum, block) => sum + CarBufferWriter.blockLength(block), 0);
  const unpadded = sizeOf(all);
  if (unpadded < minLength) {
    // One extra block: varint + 36-byte CID + payload; at least the prefix, enough to reach minLength.
    const emptyPadding = await paddingBlock(0);
    const missing = minLength - unpadded - CarBufferWriter.blockLength(emptyPadding);
    all.push(await paddingBlock(Math.max(0, missing)));
  }
  const buffer = new ArrayBuffer(sizeOf(all));
  const writer = CarBufferWriter.createWriter(buffer, { roots: [root] });
  for (const block of all) CarBufferWriter.addBlock(writer, block);
  return CarBufferWriter.close(writer);
}

/**
 * Parses a CAR that should carry the object `root`, and indexes its blocks by CID string.
 * Blocks are not hashed here; {@link readVerifiedFile} verifies each block it uses.
 * @param car The CAR bytes.
 * @param root The CID the CAR must have as its first root and must contain.
 * @returns Block bytes by CID string.
 * @throws {ContentIntegrityError} If the bytes are not a CAR, the root differs, or the root block is absent.
 */
export async function decodeCar(car: Uint8Array, root: CID): Promise<Map<string, Uint8Array>> {
  const { CarBufferReader } = await loadEsm("@ipld/car");
  let reader: ReturnType<typeof CarBufferReader.fromBytes>;
  try {
    reader = CarBufferReader.fromBytes(car);
  } catch (err) {
    throw new ContentIntegrityError(root.toString(), "retrieved bytes are not a valid CAR", { cause: err });
  }
  const roots = reader.getRoots();
  if (roots.length === 0 || !roots[0].equals(root)) {
    throw new ContentIntegrityError(root.toString(), `CAR root is ${roots[0]?.toString() ?? "missing"}`);
  }
  const blocks = new Map<string, Uint8Array>();
  for (const block of reader.blocks()) blocks.set(block.cid.toString(), block.bytes);
  if (!blocks.has(root.toString())) throw new ContentIntegrityError(root.toString(), "CAR lacks its root block");
  return blocks;
}

/** The raw padding block with `zeros` zero bytes after {@link PADDING_PREFIX}. */
async function paddingBlock(zeros: number): Promise<CarBlock> {
  const [{ CID }, Digest] = await Promise.all([loadEsm("multiformats/cid"), loadEsm("multiformats/hashes/digest")]);
  const bytes = new Uint8Array(PADDING_PREFIX.length + zeros);
  bytes.set(PADDING_PREFIX);
  const digest = Digest.create(SHA2_256_CODE, createHash("sha256").update(bytes).digest());
  return { cid: CID.createV1(RAW_CODEC, digest), bytes };
}
