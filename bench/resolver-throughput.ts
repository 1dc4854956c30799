import Fastify from "fastify";
import type { AddressInfo } from "node:net";
import { startResolverStack } from "../test/helpers/resolver-stack";
import { disclosuresInRange, registerLoadReaders, runReaderLoad } from "../test/helpers/resolver-load";
import { generatePatientBundles } from "../test/fixtures/generate";
import { percentile } from "./percentiles";
import { breakglass } from "../sdk";
import type { ResolverStack } from "../test/helpers/resolver-stack";
import { AUTOMINE, withMining, type ChainMode } from "./block-time";

/** One concurrency level of the resolver benchmark. */
export interface ResolverLevel {
  concurrency: number;
  /** Key releases per second (each with its Disclosure mined first). */
  releasesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  releases: number;
  /** The same run's plain fastify no-op endpoint under the same load. */
  noopRequestsPerSecond: number;
  noopP50Ms: number;
  noopP99Ms: number;
  /** releasesPerSecond ÷ noopRequestsPerSecond. */
  ratioToNoop: number;
  /** Disclosure events in the run's blocks == releases. */
  disclosuresMatch: boolean;
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** Requests per second and latencies of a plain fastify `POST /noop` (same body size, same concurrency). */
async function measureNoop(concurrency: number, durationMs: number, bodyBytes: number) {
  const app = Fastify({ logger: false });
  app.post("/noop", async () => ({ ok: true }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/noop`;
  const body = JSON.stringify({ padding: "x".repeat(Math.max(0, bodyBytes - 16)) });
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
        await response.text();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await app.close();
  return { perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** What {@link measureResolver} reports: the levels of each chain mode, by mode name (`automine`, `1s`). */
export interface ResolverFigures {
  modes: Record<string, { levels: ResolverLevel[] }>;
  secondsPerLevel: number;
  breakGlassExecTransactionGas: number;
}

/** Receipt polling of the bench's own chain reads (≤ 100 ms, so that a 1 s block is not waited for 4 s). */
const POLLING_MS = 100;

/**
 * Key releases per second and latency at each concurrency level, against a real resolver (fastify + SQLite)
 * over loopback, on a Hardhat node process, next to a no-op fastify endpoint under the same load (measured once
 * per level). The stack is set up on automine; then every level runs in each of `options.modes` (default automine
 * only; e.g. one block per second with Hardhat interval mining on the node).
 * @param options Concurrency levels (default 1, 8, 32, 256), seconds per level and the chain modes.
 */
export async function measureResolver(
  options: { levels?: number[]; secondsPerLevel?: number; modes?: ChainMode[] } = {},
): Promise<ResolverFigures> {
  const levels = options.levels ?? [1, 8, 32, 256];
  const secondsPerLevel = options.secondsPerLevel ?? 10;
  const modes = options.modes ?? [AUTOMINE];
  const stack = await startResolverStack({ breakGlassSafe: true });
  stack.provider.pollingInterval = POLLING_MS;
  try {
    const [bundle] = generatePatientBundles({ seed: 5, patients: 1 });
    const records = (await stack.ingest(bundle)).slice(0, 4);
    const tokens = records.map((record) => record.tokenId);
    const readers = await registerLoadReaders(stack, Math.max(...levels), () => tokens);
    const noops = new Map<number, Awaited<ReturnType<typeof measureNoop>>>();
    const byMode: ResolverFigures["modes"] = {};
    for (const mode of modes) {
      const results: ResolverLevel[] = [];
      await withMining(stack.provider, mode, async () => {
        for (const concurrency of levels) {
          const load = await runReaderLoad(stack, readers.slice(0, concurrency), records, { concurrency, durationMs: secondsPerLevel * 1000 });
          if (load.wrongReleases !== 0 || load.wrongRefusals !== 0) throw new Error(`wrong releases or refusals under load: ${JSON.stringify(load.refused)}`);
          const disclosures = await disclosuresInRange(stack, load.fromBlock, load.toBlock);
          if (!noops.has(concurrency)) noops.set(concurrency, await measureNoop(concurrency, secondsPerLevel * 1000, 420));
          const noop = noops.get(concurrency)!;
          const perSecond = load.released / (load.durationMs / 1000);
          results.push({
            concurrency,
            releasesPerSecond: round(perSecond),
            p50Ms: round(percentile(load.latenciesMs, 50)),
            p99Ms: round(percentile(load.latenciesMs, 99)),
            releases: load.released,
            noopRequestsPerSecond: round(noop.perSecond),
            noopP50Ms: round(noop.p50, 2),
            noopP99Ms: round(noop.p99, 2),
            ratioToNoop: round(perSecond / noop.perSecond, 4),
            disclosuresMatch: disclosures.length === load.released,
          });
        }
      });
      byMode[mode.name] = { levels: results };
    }
    return { modes: byMode, secondsPerLevel, breakGlassExecTransactionGas: await breakGlassGas(stack, tokens[0]) };
  } finally {
    await stack.stop();
  }
}

/**
 * Gas of the officers' Safe `execTransaction` (2 of 3 signatures) that calls `ConsentManager.emergencyAccess`
 * (`breakglass.propose`, `approve` twice, `execute`).
 */
async function breakGlassGas(stack: ResolverStack, tokenId: bigint): Promise<number> {
  const { officers, executor } = stack.breakGlass!;
  const client = await stack.clientOf(executor);
  const safeOf = (key: { privateKey: string }) => breakglass.connect(client, { signerPrivateKey: key.privateKey });
  const proposal = await breakglass.propose(client, {
    safe: await safeOf(officers[0]),
    tokenId,
    grantee: stack.signers.stranger.address,
    reason: "bench: synthetic emergency",
    durationSeconds: 3600,
  });
  let transaction = await breakglass.approve(client, { safe: await safeOf(officers[0]), transaction: proposal.safeTransaction });
  transaction = await breakglass.approve(client, { safe: await safeOf(officers[1]), transaction });
  return Number((await breakglass.execute(client, { safe: await safeOf(executor), transaction })).gasUsed);
}
