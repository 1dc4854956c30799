// Shared helpers of the sdk/storage tests (loaded by mocha too; defines no tests).
import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MedrecError } from "../../../../sdk/errors";
import { CHUNK_SIZE, DAG_PB_CODEC, RAW_CODEC, SHA2_256_CODE, loadEsm } from "../../../../sdk/storage";

export { expectRejects } from "../../../helpers/rejects";

/** A fresh folder under the OS temp dir, and a function that deletes it. */
export async function makeTempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `medrec-${prefix}-`));
  return { dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** `length` random bytes as a plain Uint8Array. */
export function payload(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}

/** `0x` SHA-256 of `bytes`, computed with node:crypto (independently of the SDK). */
export function sha256Hex(bytes: Uint8Array): `0x${string}` {
  return `0x${createHash("sha256").update(bytes).digest("hex")}`;
}

/**
 * The CID of `bytes` built by hand from the UnixFS spec, without the importer: one raw block (CIDv1 raw) up to
 * 1 MiB; above, a dag-pb UnixFS `file` node linking raw 1 MiB leaves in order (≤ 1024 leaves).
 */
export async function handBuiltCid(bytes: Uint8Array): Promise<string> {
  const [{ CID }, Digest, dagPb, { UnixFS }] = await Promise.all([
    loadEsm("multiformats/cid"),
    loadEsm("multiformats/hashes/digest"),
    loadEsm("@ipld/dag-pb"),
    loadEsm("ipfs-unixfs"),
  ]);
  const cidOf = (codec: number, block: Uint8Array) =>
    CID.createV1(codec, Digest.create(SHA2_256_CODE, createHash("sha256").update(block).digest()));
  if (bytes.length <= CHUNK_SIZE) return cidOf(RAW_CODEC, bytes).toString();
  const leaves: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += CHUNK_SIZE) leaves.push(bytes.subarray(offset, offset + CHUNK_SIZE));
  if (leaves.length > 1024) throw new Error("handBuiltCid covers one level only");
  const file = new UnixFS({ type: "file", blockSizes: leaves.map((leaf) => BigInt(leaf.length)) });
  const node = dagPb.prepare({
    Data: file.marshal(),
    Links: leaves.map((leaf) => ({ Hash: cidOf(RAW_CODEC, leaf), Name: "", Tsize: leaf.length })),
  });
  return cidOf(DAG_PB_CODEC, dagPb.encode(node)).toString();
}

/** All files below `dir`, recursively. */
export async function filesBelow(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/** Changes a file's bytes in place: flips the middle byte, or writes one byte into an empty file. */
export async function corruptFile(file: string): Promise<void> {
  const bytes = await fs.readFile(file);
  if (bytes.length === 0) {
    await fs.writeFile(file, Buffer.from([0x42]));
    return;
  }
  bytes[bytes.length >> 1] ^= 0xff;
  await fs.writeFile(file, bytes);
}
