import { expect } from "chai";
import type { Wallet } from "ethers";
import { accessRequestDigest, accessRequestFromBody, ResolverError } from "../../sdk/resolver";
import { postAccess, signedAccessBody } from "./access-requests";
import type { ResolverStack } from "./resolver-stack";

/** One answered key release of a {@link releaseLoop}. */
export interface ReleaseAnswer {
  /** The EIP-712 digest of the request (lower case): what its `Disclosure` names. */
  requestHash: string;
  /** `performance.now()` when it was sent and answered. */
  sentAt: number;
  answeredAt: number;
  ok: boolean;
  /** The refusal's code (`ResolverError.code`; `NO_ANSWER` when the connection failed without an HTTP answer). */
  code?: string;
}

/** Options of {@link releaseLoop}. */
export interface ReleaseLoopOptions {
  /** Who asks: worker `w` asks as `readers[w mod readers.length]`. */
  readers: Wallet[];
  /** How many requests are in flight at once. */
  workers: number;
  tokenId: bigint;
  /** The resolver (default: the stack's). */
  url?: string;
  /** Pause of a worker after a refusal, in ms (a client backs off a little; default 100). */
  backoffMs?: number;
}

/**
 * Workers asking the resolver for `tokenId`'s key in a loop until `stop()`, each request signed by hand
 * (`signedAccessBody`) so that its request hash is known; every answer is kept, and every release is checked to
 * name its own request. A connection failure is kept as `NO_ANSWER` (the resolver may have been killed).
 * @param stack The chain, domain and resolver identity.
 */
export function releaseLoop(stack: ResolverStack, options: ReleaseLoopOptions): { answers: ReleaseAnswer[]; stop(): Promise<void> } {
  const answers: ReleaseAnswer[] = [];
  let running = true;
  const loop = async (reader: Wallet) => {
    while (running) {
      const { body } = await signedAccessBody(stack, reader, options.tokenId);
      const requestHash = accessRequestDigest(stack.domain, accessRequestFromBody(body)).toLowerCase();
      const sentAt = performance.now();
      try {
        const release = await postAccess(stack, body, options.url);
        expect(release.disclosure.requestHash.toLowerCase(), "a release names its own request").to.equal(requestHash);
        answers.push({ requestHash, sentAt, answeredAt: performance.now(), ok: true });
      } catch (error) {
        const code = error instanceof ResolverError ? error.code : "NO_ANSWER";
        answers.push({ requestHash, sentAt, answeredAt: performance.now(), ok: false, code });
        await new Promise((resolve) => setTimeout(resolve, options.backoffMs ?? 100));
      }
    }
  };
  const loops = Array.from({ length: options.workers }, (_, i) => loop(options.readers[i % options.readers.length]));
  return {
    answers,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Request hash (lower case) → its `Disclosure` events on the stack's ConsentManager for `tokenId` from `fromBlock`. */
export async function disclosuresByRequest(stack: ResolverStack, tokenId: bigint, fromBlock = stack.deployment.startBlock): Promise<{ counts: Map<string, number>; total: number }> {
  const events = await stack.consentManager.queryFilter(stack.consentManager.filters.Disclosure(tokenId), fromBlock);
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.args.requestHash.toLowerCase(), (counts.get(event.args.requestHash.toLowerCase()) ?? 0) + 1);
  return { counts, total: events.length };
}
