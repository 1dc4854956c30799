/**
 * Consent write latency on a real js-ceramic daemon, for the benchmark (not asserted in tests).
 *
 * @module
 */
import { Wallet, type Signer } from "ethers";
import { didPkh, Purpose, ALL_RECORDS, Scope } from "../../../sdk/vocabulary";
import { CeramicConsentStore, deployConsentModel } from "../../../sdk/consent/ceramic-consent-store";
import { consentResource } from "../../../sdk/consent/consent-document";
import { startCeramicDaemon } from "../../../cli/src/ceramic/daemon";
import { percentile } from "../../../bench/percentiles";

/** Latency figures in milliseconds. */
export interface ConsentWriteLatency {
  /** Number of writes measured. */
  n: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
  /** Every write, in order. */
  samples: number[];
  /** Time to start the daemon when this function started one, else undefined. */
  daemonStartMs?: number;
}

/** Options of {@link measureConsentWriteLatency}. */
export interface MeasureConsentWriteLatencyOptions {
  /** Use this node (and its model, if given) instead of starting a daemon. */
  ceramicUrl?: string;
  modelId?: string;
  /** The writer; default a random wallet. */
  signer?: Signer;
  /** Chain of the did:pkh; default 31337. */
  chainId?: bigint;
  /** Writes before measuring (default 2): the first writes warm up the node's model cache. */
  warmup?: number;
}

/**
 * Writes `n` consent documents (`ConsentStore.create`: validation, canonical JSON, signed genesis commit, HTTP
 * round trip, the node's schema and signature checks) one after the other and reports the latency of each.
 * Starts (and stops) its own daemon unless `ceramicUrl` is given.
 * @param n Number of measured writes (≥ 1).
 */
export async function measureConsentWriteLatency(n: number, options: MeasureConsentWriteLatencyOptions = {}): Promise<ConsentWriteLatency> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError("n must be a positive integer");
  const started = performance.now();
  const daemon = options.ceramicUrl === undefined ? await startCeramicDaemon() : undefined;
  const daemonStartMs = daemon === undefined ? undefined : performance.now() - started;
  const ceramicUrl = options.ceramicUrl ?? daemon!.url;
  try {
    const modelId = options.modelId ?? (await deployConsentModel(ceramicUrl));
    const chainId = options.chainId ?? 31337n;
    const signer = options.signer ?? Wallet.createRandom();
    const store = await CeramicConsentStore.openWithSigner({ ceramicUrl, modelId, signer, chainId });
    try {
      const grantee = didPkh(chainId, Wallet.createRandom().address);
      const write = async () => {
        const resource = consentResource({
          patient: store.controller,
          grantee,
          scopes: Scope.READ,
          purpose: Purpose.TREATMENT,
          period: { end: new Date(Date.now() + 86_400_000) },
          tokenId: ALL_RECORDS,
        });
        const t0 = performance.now();
        await store.create({ controller: store.controller, resource, purposeText: "Latency probe", status: resource.status });
        return performance.now() - t0;
      };
      for (let i = 0; i < (options.warmup ?? 2); i++) await write();
      const samples: number[] = [];
      for (let i = 0; i < n; i++) samples.push(await write());
      const sorted = [...samples].sort((a, b) => a - b);
      return {
        n,
        p50: percentile(samples, 50),
        p99: percentile(samples, 99),
        mean: samples.reduce((sum, x) => sum + x, 0) / n,
        min: sorted[0],
        max: sorted[sorted.length - 1],
        samples,
        ...(daemonStartMs === undefined ? {} : { daemonStartMs }),
      };
    } finally {
      await store.close();
    }
  } finally {
    await daemon?.stop();
  }
}
