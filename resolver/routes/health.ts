import type { FastifyPluginAsync } from "fastify";
import { Interface, id as keccakId } from "ethers";
import { RESOLVER_ROUTES, type HealthBody, type HealthCheckBody } from "@medrec/sdk/resolver/protocol";
import type { ResolverContext } from "../context";
import { KEY_SHARED_CHECK, NONCE_GAP_CHECK, STALLED_CHECK, disclosureHealth } from "../disclosures/health";
import { rpcRequest } from "@medrec/sdk/chain/json-rpc";

/** How long one `/healthz` answer is served to every caller, in ms. */
export const HEALTH_CACHE_MS = 1_000;
/** Time limit of each check of `/healthz`, in ms: the answer comes within about this long, whatever hangs. */
export const HEALTH_CHECK_TIMEOUT_MS = 1_500;
/** Default bound of the burn watcher's lag: longest time since its scan last reached the head, in ms. */
export const DEFAULT_BURN_MAX_LAG_MS = 30_000;

/** The names of the checks of `/healthz` (the disclosure ones are in `../disclosures/health`). */
export const CHAIN_CHECK = "chain";
export const CONTRACT_CODE_CHECK = "contract-code";
export const RESOLVER_ROLE_CHECK = "resolver-role";
export const DATABASE_WRITABLE_CHECK = "database-writable";
export const DATABASE_READABLE_CHECK = "database-readable";
export const BURN_WATCHER_CHECK = "burn-watcher";

/** Options of {@link healthRoutes}. */
export interface HealthRoutesOptions extends Pick<ResolverContext, "chain" | "database" | "disclosures" | "limits"> {
  /** The last block scanned for burns (-1 before the first scan). */
  scannedBlock(): number;
  /** When the burn scan last reached the head (`Date.now()`); without it (no watcher) the check is not run. */
  burnCaughtUpAt?: () => number | undefined;
  /** Bound of the burn watcher's lag, in ms (default {@link DEFAULT_BURN_MAX_LAG_MS}). */
  burnMaxLagMs?: number;
}

/** A health answer: the HTTP status and the body. */
interface Health {
  status: number;
  body: HealthBody;
}

/** The outcome of one check. */
interface Checked<T> {
  ok: boolean;
  ms: number;
  value?: T;
  error?: string;
}

/** Runs `check` under {@link HEALTH_CHECK_TIMEOUT_MS}: a check that does not settle in time fails as timed out. */
async function timed<T>(check: () => Promise<T>, accept: (value: T) => string | undefined = () => undefined): Promise<Checked<T>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${HEALTH_CHECK_TIMEOUT_MS} ms`)), HEALTH_CHECK_TIMEOUT_MS);
  });
  try {
    const value = await Promise.race([check(), timeout]);
    const refused = accept(value);
    return { ok: refused === undefined, ms: Math.round(performance.now() - started), value, error: refused };
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return { ok: false, ms: Math.round(performance.now() - started), error: typeof code === "string" ? code : String(message ?? error) };
  } finally {
    clearTimeout(timer);
  }
}

const ROLE_ABI = new Interface(["function hasRole(bytes32 role, address account) view returns (bool)"]);
const RESOLVER_ROLE = keccakId("RESOLVER_ROLE");

/**
 * `GET /healthz`: 200 while every check passes, 503 `degraded` naming the failing ones in `failing` (see
 * `HealthBody`): the chain answers, the contracts have code there, the resolver holds `RESOLVER_ROLE`, the
 * database takes a write, the burn watcher keeps up, and the disclosure transactions flow (no nonce gap, none
 * pending beyond `limits.disclosureStallMs`, no other sender on the disclosure key). Each check runs under {@link HEALTH_CHECK_TIMEOUT_MS} (the node's
 * ones as plain JSON-RPC requests aborted at the limit), all at once, so a paused node or a stuck disk costs the
 * answer that long and is named. The checks run at most once per {@link HEALTH_CACHE_MS}: concurrent and repeated
 * requests share one answer, so a flood of health checks costs neither the node nor the database (and the route is
 * rate-limited per client address too, in a bucket of its own).
 * @param options Chain, database, the disclosure account and the burn watcher's position.
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  const { chain, database } = options;
  const addresses = { ConsentManager: chain.consentManager.target as string, RecordToken: chain.recordTokenAddress };
  const call = <T>(method: string, params: unknown[]) => rpcRequest<T>(chain.rpcUrl, method, params, HEALTH_CHECK_TIMEOUT_MS);
  const maxLagMs = options.burnMaxLagMs ?? DEFAULT_BURN_MAX_LAG_MS;

  const check = async (): Promise<Health> => {
    const [head, code, role, writable, counts] = await Promise.all([
      timed(async () => Number(await call<string>("eth_blockNumber", []))),
      timed(
        async () => {
          const codes = await Promise.all(Object.values(addresses).map((address) => call<string>("eth_getCode", [address, "latest"])));
          return Object.keys(addresses).filter((_name, i) => codes[i] === "0x" || codes[i] === "");
        },
        (missing) => (missing.length === 0 ? undefined : `no code at ${missing.map((name) => `${name} ${addresses[name as keyof typeof addresses]}`).join(", ")}`),
      ),
      timed(
        async () => {
          const data = ROLE_ABI.encodeFunctionData("hasRole", [RESOLVER_ROLE, chain.wallet.address]);
          return Boolean(ROLE_ABI.decodeFunctionResult("hasRole", await call<string>("eth_call", [{ to: addresses.ConsentManager, data }, "latest"]))[0]);
        },
        (hasRole) => (hasRole ? undefined : `${chain.wallet.address} does not hold RESOLVER_ROLE`),
      ),
      timed(() => database.probeWritable()),
      timed(() => database.counts()),
    ]);
    const checks: Record<string, HealthCheckBody> = {};
    const failing: string[] = [];
    const record = (name: string, outcome: Checked<unknown>, dependsOn?: string) => {
      const body: HealthCheckBody = { ok: outcome.ok, ms: outcome.ms };
      if (!outcome.ok) body.error = dependsOn ? `not known: ${dependsOn} failed (${outcome.error})` : outcome.error;
      checks[name] = body;
      if (!outcome.ok && !dependsOn) failing.push(name);
    };
    record(CHAIN_CHECK, head);
    record(CONTRACT_CODE_CHECK, code, head.ok ? undefined : CHAIN_CHECK);
    record(RESOLVER_ROLE_CHECK, role, !head.ok ? CHAIN_CHECK : !code.ok ? CONTRACT_CODE_CHECK : undefined);
    record(DATABASE_WRITABLE_CHECK, writable);
    record(DATABASE_READABLE_CHECK, counts);
    const scannedBlock = options.scannedBlock();
    const caughtUpAt = options.burnCaughtUpAt?.();
    const burnWatcher = {
      lagBlocks: head.ok && scannedBlock >= 0 ? Math.max(0, head.value! - scannedBlock) : null,
      caughtUpMsAgo: caughtUpAt === undefined ? null : Math.max(0, Date.now() - caughtUpAt),
    };
    if (options.burnCaughtUpAt) {
      const lagOk = burnWatcher.caughtUpMsAgo !== null && burnWatcher.caughtUpMsAgo <= maxLagMs;
      record(BURN_WATCHER_CHECK, { ok: lagOk, ms: 0, error: lagOk ? undefined : `the burn scan has not reached the head for over ${maxLagMs} ms` });
    }
    const disclosures = disclosureHealth(chain.account.state(), options.disclosures.disclosuresWithoutRelease(), options.limits.disclosureStallMs);
    for (const name of [NONCE_GAP_CHECK, STALLED_CHECK, KEY_SHARED_CHECK]) {
      const failed = disclosures.failing.includes(name);
      checks[name] = { ok: !failed, ms: 0 };
      if (failed) failing.push(name);
    }
    const body: HealthBody = {
      status: failing.length === 0 ? "ok" : "degraded",
      chainId: chain.chainId.toString(),
      blockNumber: head.ok ? head.value! : null,
      scannedBlock,
      hasResolverRole: role.value ?? null,
      wraps: counts.value?.wraps ?? null,
      erased: counts.value?.erased ?? null,
      nonces: counts.value?.nonces ?? null,
      failing,
      checks,
      burnWatcher,
      disclosures: disclosures.body,
    };
    return { status: failing.length === 0 ? 200 : 503, body };
  };
  let cached: { at: number; health: Promise<Health> } | undefined;
  app.get(RESOLVER_ROUTES.health, async (_request, reply) => {
    const now = Date.now();
    if (!cached || now - cached.at >= HEALTH_CACHE_MS) cached = { at: now, health: check() };
    const { status, body } = await cached.health;
    return reply.code(status).send(body);
  });
};
