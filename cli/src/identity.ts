/**
 * The CLI's identity: an Ethereum key (sends transactions, signs consents) and an X25519 key pair (record keys
 * are wrapped to its public key), kept in `<home>/identity/`, encrypted only:
 *
 * - `ethereum.json`: the Ethereum key as a standard JSON keystore (ethers `Wallet.encrypt`: scrypt + AES-128-CTR),
 *   readable by any tool that reads keystore v3 files;
 * - `x25519.json`: the X25519 public key and address in the clear, the private key encrypted with AES-256-GCM
 *   under a key derived from the passphrase by scrypt (N = 2¹⁷, r = 8, p = 1, random 32-byte salt); the GCM
 *   additional data binds it to the public key and the address.
 *
 * Both files are mode 0600. The passphrase comes from `MEDREC_PASSPHRASE`; it is never stored or printed.
 * Commands decrypt only the key they need (reading a record needs no Ethereum key, a consent no X25519 key).
 *
 * @module
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { gcm } from "@noble/ciphers/aes";
import { scryptAsync } from "@noble/hashes/scrypt";
import { Wallet, getAddress, getBytes, isError } from "ethers";
import { crypto as sdkCrypto, files } from "@medrec/sdk";

const { bytesToHex, generateEncryptionKeyPair, getEncryptionPublicKey, hexToBytes, randomBytes } = sdkCrypto;
import { CliError, ExitCode } from "./errors";
import { makePrivateDir } from "./config";

/** The identity folder inside the home folder. */
export const IDENTITY_DIR = "identity";
/** The Ethereum keystore file. */
export const ETHEREUM_KEYSTORE_FILE = "ethereum.json";
/** The encrypted X25519 key file. */
export const X25519_KEY_FILE = "x25519.json";
/** The environment variable holding the passphrase. */
export const PASSPHRASE_ENV = "MEDREC_PASSPHRASE";

/** scrypt cost of the X25519 key file (the same as ethers' keystore default). */
const SCRYPT = { N: 1 << 17, r: 8, p: 1, dkLen: 32 } as const;
/** Upper bounds on scrypt parameters read from a file (a tampered file must not make us allocate gigabytes). */
const SCRYPT_MAX = { N: 1 << 20, r: 16, p: 4 } as const;
const AAD_LABEL = "medrec/identity/x25519/v1";

/** The public part of an identity. */
export interface IdentityInfo {
  /** The Ethereum address (checksummed). */
  address: string;
  /** The X25519 public key, `0x` hex (32 bytes): what `PatientRegistry.register` takes. */
  encryptionPublicKey: `0x${string}`;
  /** The identity folder. */
  dir: string;
}

/** `x25519.json`. */
interface X25519KeyFile {
  version: 1;
  address: string;
  publicKey: string;
  crypto: {
    cipher: "aes-256-gcm";
    nonce: string;
    ciphertext: string;
    kdf: "scrypt";
    kdfparams: { n: number; r: number; p: number; dklen: number; salt: string };
  };
}

/**
 * The passphrase from `MEDREC_PASSPHRASE`.
 * @throws {CliError} `PASSPHRASE_REQUIRED` (2) when unset or empty.
 */
export function passphraseFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const passphrase = env[PASSPHRASE_ENV];
  if (!passphrase) {
    throw new CliError("PASSPHRASE_REQUIRED", `set ${PASSPHRASE_ENV} to the passphrase of the identity`, ExitCode.USAGE);
  }
  return passphrase;
}

/**
 * Parses an Ethereum private key given by the user. The error never repeats the value.
 * @throws {CliError} `INVALID_PRIVATE_KEY` (3).
 */
export function parsePrivateKey(value: string): string {
  const trimmed = value.trim();
  const hex = trimmed.startsWith("0x") || trimmed.startsWith("0X") ? trimmed.slice(2) : trimmed;
  if (!/^[0-9a-fA-F]{64}$/.test(hex) || /^0+$/.test(hex)) {
    throw new CliError("INVALID_PRIVATE_KEY", "the Ethereum private key must be 32 bytes of hex (the value is not shown)", ExitCode.INVALID_INPUT);
  }
  try {
    return new Wallet(`0x${hex}`).privateKey;
  } catch {
    throw new CliError("INVALID_PRIVATE_KEY", "the Ethereum private key is not a valid secp256k1 key (the value is not shown)", ExitCode.INVALID_INPUT);
  }
}

/** The identity folder of a home folder. */
export function identityDir(home: string): string {
  return path.join(home, IDENTITY_DIR);
}

/** Whether an identity exists in `dir`. */
export async function identityExists(dir: string): Promise<boolean> {
  try {
    await stat(path.join(dir, X25519_KEY_FILE));
    return true;
  } catch {
    return false;
  }
}

function aad(address: string, publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.concat([Buffer.from(AAD_LABEL, "utf8"), getBytes(getAddress(address)), publicKey]));
}

/**
 * Creates an identity in `dir`: an Ethereum key (new, or `privateKey`) and a new X25519 key pair, both written
 * encrypted with `passphrase`.
 * @param dir The identity folder (created, mode 0700).
 * @param passphrase Encrypts both keys.
 * @param privateKey An existing Ethereum key to use instead of a new one.
 */
export async function createIdentity(dir: string, passphrase: string, privateKey?: string): Promise<IdentityInfo> {
  const wallet = privateKey ? new Wallet(parsePrivateKey(privateKey)) : new Wallet(Wallet.createRandom().privateKey);
  const keys = generateEncryptionKeyPair();
  const salt = randomBytes(32);
  const nonce = randomBytes(12);
  const kek = await scryptAsync(passphrase, salt, SCRYPT);
  let ciphertext: Uint8Array;
  try {
    ciphertext = gcm(kek, nonce, aad(wallet.address, keys.publicKey)).encrypt(keys.privateKey);
  } finally {
    kek.fill(0);
    keys.privateKey.fill(0);
  }
  const keyFile: X25519KeyFile = {
    version: 1,
    address: wallet.address,
    publicKey: keys.publicKeyHex,
    crypto: {
      cipher: "aes-256-gcm",
      nonce: bytesToHex(nonce),
      ciphertext: bytesToHex(ciphertext),
      kdf: "scrypt",
      kdfparams: { n: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, dklen: SCRYPT.dkLen, salt: bytesToHex(salt) },
    },
  };
  const keystore = await wallet.encrypt(passphrase);
  await makePrivateDir(dir);
  await files.writePrivateFile(path.join(dir, ETHEREUM_KEYSTORE_FILE), keystore + "\n");
  await files.writePrivateFile(path.join(dir, X25519_KEY_FILE), JSON.stringify(keyFile, null, 2) + "\n");
  return { address: wallet.address, encryptionPublicKey: keys.publicKeyHex, dir };
}

async function readKeyFile(dir: string): Promise<X25519KeyFile> {
  const file = path.join(dir, X25519_KEY_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new CliError("NO_IDENTITY", `no identity in ${dir}: run \`medrec init\` first`, ExitCode.USAGE);
    }
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as X25519KeyFile;
    getAddress(parsed.address);
    if (hexToBytes(parsed.publicKey).length !== 32) throw new Error("public key length");
    return parsed;
  } catch {
    throw new CliError("IDENTITY_INVALID", `${file} is not a medrec identity file`, ExitCode.INVALID_INPUT);
  }
}

/** The public part of the identity in `dir` (decrypts nothing). */
export async function loadIdentity(dir: string): Promise<IdentityInfo> {
  const keyFile = await readKeyFile(dir);
  return { address: getAddress(keyFile.address), encryptionPublicKey: bytesToHex(hexToBytes(keyFile.publicKey)), dir };
}

const wrongPassphrase = () => new CliError("WRONG_PASSPHRASE", `${PASSPHRASE_ENV} does not open the identity`, ExitCode.INVALID_INPUT);

/**
 * Decrypts the Ethereum key of the identity in `dir`.
 * @returns A wallet (not connected).
 * @throws {CliError} `WRONG_PASSPHRASE` (3), `NO_IDENTITY` (2), `IDENTITY_INVALID` (3).
 */
export async function unlockSigner(dir: string, passphrase: string): Promise<Wallet> {
  const info = await loadIdentity(dir);
  let json: string;
  try {
    json = await readFile(path.join(dir, ETHEREUM_KEYSTORE_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new CliError("NO_IDENTITY", `no Ethereum keystore in ${dir}: run \`medrec init\` first`, ExitCode.USAGE);
    }
    throw error;
  }
  let wallet: Wallet;
  try {
    const decrypted = await Wallet.fromEncryptedJson(json, passphrase);
    wallet = new Wallet(decrypted.privateKey);
  } catch (error) {
    if (isError(error, "INVALID_ARGUMENT") && /password/i.test(error.shortMessage)) throw wrongPassphrase();
    throw new CliError("IDENTITY_INVALID", `${path.join(dir, ETHEREUM_KEYSTORE_FILE)} is not a readable keystore`, ExitCode.INVALID_INPUT);
  }
  if (wallet.address !== info.address) {
    throw new CliError("IDENTITY_INVALID", `the keystore in ${dir} is for another address than the identity`, ExitCode.INVALID_INPUT);
  }
  return wallet;
}

/**
 * Decrypts the X25519 private key of the identity in `dir`. Zeroise it with `fill(0)` when done.
 * @throws {CliError} `WRONG_PASSPHRASE` (3), `NO_IDENTITY` (2), `IDENTITY_INVALID` (3).
 */
export async function unlockEncryptionKey(dir: string, passphrase: string): Promise<Uint8Array> {
  const keyFile = await readKeyFile(dir);
  const { crypto } = keyFile;
  const params = crypto?.kdfparams;
  const invalid = () => new CliError("IDENTITY_INVALID", `${path.join(dir, X25519_KEY_FILE)} has unsupported encryption parameters`, ExitCode.INVALID_INPUT);
  if (crypto?.cipher !== "aes-256-gcm" || crypto.kdf !== "scrypt" || !params) throw invalid();
  const { n, r, p, dklen } = params;
  const isPowerOfTwo = Number.isSafeInteger(n) && n > 1 && (n & (n - 1)) === 0;
  if (!isPowerOfTwo || n > SCRYPT_MAX.N || !(r >= 1 && r <= SCRYPT_MAX.r) || !(p >= 1 && p <= SCRYPT_MAX.p) || dklen !== 32) throw invalid();
  const publicKey = hexToBytes(keyFile.publicKey);
  const kek = await scryptAsync(passphrase, hexToBytes(params.salt), { N: n, r, p, dkLen: 32, maxmem: 2 ** 31 });
  let privateKey: Uint8Array;
  try {
    privateKey = gcm(kek, hexToBytes(crypto.nonce), aad(keyFile.address, publicKey)).decrypt(hexToBytes(crypto.ciphertext));
  } catch {
    throw wrongPassphrase();
  } finally {
    kek.fill(0);
  }
  const derived = getEncryptionPublicKey(privateKey);
  if (bytesToHex(derived) !== bytesToHex(publicKey)) {
    privateKey.fill(0);
    throw new CliError("IDENTITY_INVALID", `the X25519 key in ${dir} does not match its public key`, ExitCode.INVALID_INPUT);
  }
  return privateKey;
}
