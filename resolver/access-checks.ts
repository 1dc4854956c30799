import { DisclosureStatus } from "@medrec/sdk/vocabulary";
import type { JsonRpcProvider } from "ethers";
import type { ConsentManager } from "@medrec/sdk/chain/contracts";
import { decodeDisclosureChecks, encodeDisclosureRequests } from "./disclosures/calldata";
import { ContractCodeMissingError } from "./errors";

/** ConsentManager's `checkDisclosures` statuses. */
export const CHECK_ALLOWED = DisclosureStatus.ALLOWED;
export const CHECK_ERASED = DisclosureStatus.ERASED;
export const CHECK_DENIED = DisclosureStatus.DENIED;

/** One access check: a reader, a record and a purpose, with the request's hash. */
export interface AccessQuestion {
  tokenId: bigint;
  grantee: string;
  purpose: string;
  requestHash: string;
}

/** The chain's answer to one {@link AccessQuestion}, and the block it was read at. */
export interface AccessAnswer {
  /** {@link CHECK_ALLOWED}, {@link CHECK_ERASED} (erased or never minted) or {@link CHECK_DENIED}. */
  status: number;
  /** The record's current version (0 when erased). */
  version: bigint;
}

/** Answers access checks, many per chain read. */
export interface AccessChecker {
  check(question: AccessQuestion): Promise<AccessAnswer>;
}

/** How the checker coalesces. */
export interface AccessCheckerLimits {
  /** Most questions in one `checkDisclosures` call. */
  maxBatch: number;
  /** Most calls in flight; the questions arriving meanwhile wait for the next one. */
  maxInFlight: number;
}

interface Asked {
  question: AccessQuestion;
  resolve(answer: AccessAnswer): void;
  reject(error: unknown): void;
}

/**
 * The access checks of the key releases, answered at one block height per batch: the questions that arrive while
 * a call is being made (or within the same turn of the event loop) go into one `checkDisclosures` eth_call at the
 * latest block (calldata and result coded by hand, `./disclosures/calldata`), so record liveness, `hasAccessFor` and the version of a whole batch come from one state of the
 * chain, in one round trip (no separate `eth_blockNumber`: the one call is one state; the rare erased-or-unknown
 * answer is told apart by `refuseDeadRecord` at a block it pins). A failed call fails the questions of its batch only.
 * @param chain The node and ConsentManager.
 * @param limits Batch size and calls in flight.
 */
export function createAccessChecker(chain: { provider: JsonRpcProvider; consentManager: ConsentManager }, limits: AccessCheckerLimits): AccessChecker {
  const queue: Asked[] = [];
  let inFlight = 0;
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    while (queue.length > 0 && inFlight < limits.maxInFlight) {
      const batch = queue.splice(0, limits.maxBatch);
      inFlight++;
      void ask(batch).finally(() => {
        inFlight--;
        if (queue.length > 0) schedule();
      });
    }
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  const to = chain.consentManager.target as string;
  const selector = chain.consentManager.interface.getFunction("checkDisclosures")!.selector;
  const ask = async (batch: Asked[]) => {
    try {
      const data = encodeDisclosureRequests(selector, batch.map(({ question }) => question));
      const result = (await chain.provider.send("eth_call", [{ to, data }, "latest"])) as string;
      // Empty return data from a view that always returns: no code at ConsentManager (a fresh chain on the same URL).
      if (result === "0x") throw new ContractCodeMissingError(to);
      const checks = decodeDisclosureChecks(result, batch.length);
      batch.forEach((asked, index) => asked.resolve(checks[index]));
    } catch (error) {
      for (const asked of batch) asked.reject(error);
    }
  };

  return {
    check(question) {
      return new Promise<AccessAnswer>((resolve, reject) => {
        queue.push({ question, resolve, reject });
        if (inFlight < limits.maxInFlight) schedule();
      });
    },
  };
}
