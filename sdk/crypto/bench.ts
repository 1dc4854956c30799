/**
 * A benchmark-friendly envelope round trip, for `bench/` scripts. Not used by the SDK itself. Timed with the
 * global `performance` clock (WebCrypto-era browsers and Node alike).
 *
 * @module
 */

import { DecryptionError } from "../errors";
import type { RecordAadFields } from "./aad";
import { equalBytes, randomBytes } from "./bytes";
import { openRecord, sealRecord } from "./envelope";
import { generateEncryptionKeyPair } from "./keys";

/** Options of {@link benchEnvelope}. */
export interface BenchEnvelopeOptions {
  /** Plaintext size in bytes (default 16 KiB). */
  payloadBytes?: number;
  /** Seal/open round trips to time (default 10, at least 1). */
  iterations?: number;
  /** Recipients per seal (default 2: patient and resolver). */
  recipients?: number;
}

/** Mean wall-clock milliseconds per operation, as measured by {@link benchEnvelope}. */
export interface BenchEnvelopeResult {
  /** Plaintext size used, in bytes. */
  payloadBytes: number;
  /** Round trips timed. */
  iterations: number;
  /** Recipients per seal. */
  recipients: number;
  /** Mean ms per `sealRecord` (DEK + encrypt + hash + one wrap per recipient). */
  sealMs: number;
  /** Mean ms per `openRecord` (hash check + unwrap + decrypt). */
  openMs: number;
}

const BENCH_AAD: RecordAadFields = {
  chainId: 260n,
  recordToken: "0x000000000000000000000000000000000000beef",
  tokenId: 1n,
  version: 1n,
};

/**
 * Times `sealRecord` and `openRecord` on random data and checks every round trip.
 * @param options Payload size, iterations, recipients.
 * @returns Mean milliseconds per seal and per open (a Promise).
 * @throws {DecryptionError} If a round trip does not return the plaintext (never expected).
 */
export async function benchEnvelope(options: BenchEnvelopeOptions = {}): Promise<BenchEnvelopeResult> {
  const payloadBytes = options.payloadBytes ?? 16 * 1024;
  const iterations = Math.max(1, options.iterations ?? 10);
  const recipientCount = Math.max(1, options.recipients ?? 2);
  const keys = Array.from({ length: recipientCount }, () => generateEncryptionKeyPair());
  const plaintext = randomBytes(payloadBytes);
  let sealMs = 0;
  let openMs = 0;
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    const envelope = await sealRecord(plaintext, BENCH_AAD, keys.map((k) => k.publicKey));
    const t1 = performance.now();
    const opened = await openRecord(envelope.sealed, envelope.wraps[0].wrappedKey, keys[0].privateKey, BENCH_AAD, envelope.contentHash);
    const t2 = performance.now();
    if (!equalBytes(opened, plaintext)) throw new DecryptionError("benchmark round trip returned different bytes");
    sealMs += t1 - t0;
    openMs += t2 - t1;
  }
  for (const k of keys) k.privateKey.fill(0);
  return { payloadBytes, iterations, recipients: recipientCount, sealMs: sealMs / iterations, openMs: openMs / iterations };
}
