import { readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { Wallet } from "ethers";
import { bytesToHex, generateEncryptionKeyPair, getEncryptionPublicKey, hexToBytes } from "@medrec/sdk/crypto";

/**
 * The resolver's two keys: the Ethereum key that sends `recordDisclosure` (the account granted
 * `RESOLVER_ROLE`) and the X25519 key-release key that record keys are wrapped to at ingest.
 * Both come from a file (mode 0600) or the environment, never from the repository.
 */
export interface ResolverIdentity {
  signerPrivateKey: string;
  encryptionPrivateKey: Uint8Array;
  /** Derived from `encryptionPrivateKey`. */
  encryptionPublicKey: Uint8Array;
  /** The address of `signerPrivateKey`. */
  address: string;
}

/** The JSON of a key file. */
interface KeyFile {
  signerPrivateKey: string;
  encryptionPrivateKey: string;
}

/** Builds an identity from the two private keys (hex). */
export function resolverIdentity(signerPrivateKey: string, encryptionPrivateKey: string): ResolverIdentity {
  const wallet = new Wallet(signerPrivateKey);
  const encryption = hexToBytes(encryptionPrivateKey);
  return {
    signerPrivateKey: wallet.privateKey,
    encryptionPrivateKey: encryption,
    encryptionPublicKey: getEncryptionPublicKey(encryption),
    address: wallet.address,
  };
}

/**
 * Generates a fresh identity and writes it to `file` (mode 0600); refuses to overwrite an existing file.
 * @returns The new identity (the caller grants `RESOLVER_ROLE` to its `address`).
 */
export async function generateIdentityFile(file: string): Promise<ResolverIdentity> {
  const signer = Wallet.createRandom();
  const encryption = generateEncryptionKeyPair();
  const body: KeyFile = { signerPrivateKey: signer.privateKey, encryptionPrivateKey: bytesToHex(encryption.privateKey) };
  await mkdir(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(body, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  return resolverIdentity(body.signerPrivateKey, body.encryptionPrivateKey);
}

/** Reads an identity written by {@link generateIdentityFile}. */
export async function readIdentityFile(file: string): Promise<ResolverIdentity> {
  const body = JSON.parse(await readFile(file, "utf8")) as Partial<KeyFile>;
  if (typeof body.signerPrivateKey !== "string" || typeof body.encryptionPrivateKey !== "string") {
    throw new Error(`${file} is not a resolver key file (signerPrivateKey, encryptionPrivateKey)`);
  }
  return resolverIdentity(body.signerPrivateKey, body.encryptionPrivateKey);
}
