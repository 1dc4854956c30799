import { Signature, Transaction, getBytes, hexlify, type JsonRpcProvider, type TransactionLike, type Wallet } from "ethers";
import { ecdsaSign } from "secp256k1";
import { RpcNoAnswerError, RpcRefusalError, rpcRequest } from "@medrec/sdk/chain/json-rpc";
import { isKnownTransaction, isNonceUsed, isUnderpriced } from "./errors";
import { repairNonces, type RepairNode, type RepairReport } from "./nonce-repair";
import { bumpedFees, doubledFees, latestSigned, type Fees, type NonceSlot, type SignedAtNonce } from "./nonce-slots";

/** One transaction the sender signs and sends: target, calldata and gas limit (fees and nonce are the sender's). */
export interface OutgoingTransaction {
  to: string;
  data: string;
  gasLimit: bigint;
}

/**
 * A transaction the node took (or may have taken: see {@link DisclosureAccount.send}) at `nonce`.
 * `replaced` resolves with a no-op's hash if the account itself had to take the nonce with a no-op (the disclosure
 * was dropped and the node refused it again); it never resolves otherwise.
 */
export interface SentTransaction {
  nonce: number;
  hash: string;
  replaced: Promise<string>;
}

/** How the account's numbering stands against the chain (for `/healthz`). */
export interface AccountState {
  /** The next nonce the account hands out (undefined before the first send). */
  nextNonce?: number;
  /** Sent transactions not known to be mined. */
  pending: number;
  /** When the oldest of them was sent (`Date.now()`), if any. */
  oldestSentAt?: number;
  /** A nonce gap found by the last checks and not yet mined over: `[from, to)`, found at `since`. */
  gap?: { from: number; to: number; since: number };
  /**
   * The last time (`at`) the chain counted nonces of the account that this run did not hand out (`nonces` of them):
   * another process sends with the same key — a second copy of the resolver on another database or host.
   */
  foreignSender?: { at: number; nonces: number };
}

/** The disclosure account: numbered sends, cancels and gap repair of one key's transactions. */
export interface DisclosureAccount {
  /**
   * Signs and sends one transaction at the next nonce. Resolves once the node took it — or, after a send without
   * an answer (connection reset, timeout), once it is found by hash, or when that cannot be told: the nonce is then
   * held for it (the gap check sends it again or fills its nonce), never handed out twice.
   * @throws {RpcRefusalError} The node refused it: the nonce was not used (the next send checks the numbering first).
   */
  send(transaction: OutgoingTransaction): Promise<SentTransaction>;
  /**
   * Gives up the disclosure at `nonce`: marks it so that it is never sent again and sends a zero-value
   * self-transfer at that nonce with higher fees (which evicts the disclosure from the pool, or fills its place).
   * Resolves with the no-op's hash, or `undefined` when the nonce is already mined (by whichever transaction).
   * @throws {RpcRefusalError | RpcNoAnswerError} The no-op could not be sent (the disclosure stays marked: the gap
   *   check keeps trying to fill its nonce).
   */
  cancel(nonce: number): Promise<string | undefined>;
  /** The nonce `nonce` is mined: forget it. */
  settle(nonce: number): void;
  /** Whether the chain has mined a transaction of the account at `nonce` (its `latest` count is past it), asked now. */
  isMined(nonce: number): Promise<boolean>;
  /** Checks the numbering against the chain now and repairs a gap ({@link repairNonces}). */
  resync(): Promise<RepairReport>;
  state(): AccountState;
  /** Stops the periodic check. */
  stop(): void;
}

/**
 * The signed serialisation of `transaction` (fees, nonce and chain id filled in), signed with libsecp256k1 over its
 * unsigned hash: the same bytes as ethers' `Wallet.signTransaction` (both sign with RFC 6979 nonces and low s;
 * tested), without ethers' pure-JS signing and without parsing the signed transaction back (which recovers the
 * sender again) as `Wallet.sendTransaction` does.
 * @param privateKey The account's 32-byte secp256k1 key.
 */
export function signTransaction(transaction: TransactionLike, privateKey: Uint8Array): Transaction {
  const tx = Transaction.from(transaction);
  const { signature, recid } = ecdsaSign(getBytes(tx.unsignedHash), privateKey);
  tx.signature = Signature.from({ r: hexlify(signature.subarray(0, 32)), s: hexlify(signature.subarray(32)), v: 27 + recid });
  return tx;
}

/** How long fee data is reused, in ms (ethers' maxFeePerGas = 2 × base fee + tip leaves room for a few blocks). */
const FEE_CACHE_MS = 1_000;
/** Time limit of one RPC call of the account, in ms. */
const RPC_TIMEOUT_MS = 3_000;
/** Gas of a zero-value transfer to an account without code. */
const NOOP_GAS = 21_000n;

/** Options of {@link disclosureAccount}. */
export interface DisclosureAccountOptions {
  /** The node's HTTP endpoint (sends go out as raw JSON-RPC, to tell a refusal from no answer). */
  rpcUrl: string;
  chainId: bigint;
  /** How often the numbering is checked against the chain while transactions are pending, in ms (0: never). */
  resyncMs: number;
  /** Called with each repair that found a gap (for the log). */
  onRepair?: (report: RepairReport) => void;
  /**
   * Called when a check finds the chain's count of the account's transactions ahead of every nonce this run handed
   * out (see {@link AccountState.foreignSender}), with how many nonces were foreign and the repair's report.
   */
  onForeignSender?: (nonces: number, report: RepairReport) => void;
  /**
   * Where the account keeps the next nonce it hands out, written before each send: after a restart, nonces an
   * earlier run handed out and the chain has not mined (stale disclosures queued behind a gap, or dropped) are
   * taken by no-ops before anything else is sent, so that no stale Disclosure is mined once the gap fills.
   */
  highWater?: NonceHighWater;
}

/** A persistent high-water mark of the nonces the account handed out. */
export interface NonceHighWater {
  load(): Promise<number | undefined>;
  save(nextNonce: number): Promise<void>;
}

/**
 * The disclosure account. Transactions go out one at a time with locally numbered nonces, so batches go out back to
 * back while earlier ones are pending (their receipts are awaited elsewhere); fees are read at most once a second and
 * outside the queue; signing is libsecp256k1 ({@link signTransaction}), sending a raw `eth_sendRawTransaction`.
 * Every unmined nonce is tracked with its signed bytes, so that:
 * - after a refusal, the numbering is checked against the chain before the next send;
 * - every `resyncMs` while any is pending, and on demand ({@link DisclosureAccount.resync}), the chain's `latest`
 *   and `pending` counts are compared with the local numbering and a gap (dropped transactions) is repaired;
 * - a disclosure given up ({@link DisclosureAccount.cancel}) is replaced by a no-op and never sent again.
 * Cancels and repairs run in the same queue as sends, so no nonce is handed out twice.
 * @param wallet The account (its key signs; connected to `provider`).
 * @param provider Its node (fee data).
 * @param options Endpoint, chain id, check interval.
 */
export function disclosureAccount(wallet: Wallet, provider: JsonRpcProvider, options: DisclosureAccountOptions): DisclosureAccount {
  const { rpcUrl, chainId } = options;
  const privateKey = getBytes(wallet.privateKey);
  const address = wallet.address;
  const slots = new Map<number, NonceSlot>();
  let queue: Promise<unknown> = Promise.resolve();
  let nextNonce: number | undefined;
  let checkFirst = true;
  let gap: AccountState["gap"];
  let foreignSender: AccountState["foreignSender"];
  /** Whether this run has checked its numbering against the chain once (before that, the chain's count is the start). */
  let numbered = false;
  let fees: { at: number; data: Promise<Fees> } | undefined;

  const rpc = <T>(method: string, params: unknown[]) => rpcRequest<T>(rpcUrl, method, params, RPC_TIMEOUT_MS);
  const node: RepairNode = {
    count: async (tag) => Number(await rpc<string>("eth_getTransactionCount", [address, tag])),
    known: async (hash) => (await rpc<unknown>("eth_getTransactionByHash", [hash])) !== null,
    sendRaw: async (raw) => void (await rpc<string>("eth_sendRawTransaction", [raw])),
  };
  const feeData = (): Promise<Fees> => {
    const now = Date.now();
    if (!fees || now - fees.at > FEE_CACHE_MS) {
      const data = provider.getFeeData().then(({ gasPrice, maxFeePerGas, maxPriorityFeePerGas }): Fees => {
        if (maxFeePerGas !== null && maxPriorityFeePerGas !== null) return { type: 2, maxFeePerGas, maxPriorityFeePerGas };
        return { type: 0, gasPrice: gasPrice ?? 0n };
      });
      fees = { at: now, data };
      data.catch(() => (fees = undefined));
    }
    return fees.data;
  };
  const sign = (fields: OutgoingTransaction & { nonce: number; value?: bigint }, fee: Fees, noop: boolean): SignedAtNonce => {
    const tx = signTransaction({ ...fields, ...fee, chainId }, privateKey);
    return { hash: tx.hash!, raw: tx.serialized, fees: fee, noop };
  };
  const noopAt = async (nonce: number, slot: NonceSlot | undefined) => {
    const fresh = await feeData();
    // No slot, or a slot with nothing signed by this run: a nonce of an earlier run, whose fees are not known.
    const previous = (slot && latestSigned(slot)?.fees) ?? doubledFees(fresh);
    return sign({ to: address, data: "0x", gasLimit: NOOP_GAS, nonce, value: 0n }, bumpedFees(previous, fresh), true);
  };
  /** Runs `task` in the queue (after what is queued), first checking the numbering when it is in doubt. */
  const serialised = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(async () => {
      if (checkFirst && task !== repair) await repair();
      return task();
    });
    queue = run.catch(() => undefined);
    return run;
  };
  let restored = options.highWater === undefined;
  const repair = async (): Promise<RepairReport> => {
    if (!restored) {
      // First check of this run: nonces an earlier run handed out and the chain has not mined count as given up (their
      // clients are gone, e.g. a kill -9): each gets a slot marked cancelled with nothing signed, so the repair takes
      // it with a no-op — over the earlier run's disclosure if the pool still holds it, or in the gap if not.
      const earlier = await options.highWater!.load();
      if (earlier !== undefined) {
        const latest = await node.count("latest");
        for (let nonce = latest; nonce < earlier; nonce++) {
          if (!slots.has(nonce)) slots.set(nonce, { nonce, signed: [], cancelled: true, sentAt: Date.now() });
        }
        nextNonce = Math.max(nextNonce ?? 0, earlier);
      }
      restored = true;
    }
    const before = nextNonce;
    const report = await repairNonces(node, slots, nextNonce, noopAt);
    // Once this run has numbered, every nonce the chain counts is one it handed out: a count beyond them is another
    // sender's (a second copy of the resolver on this key). Its transactions take this run's nonces, whose batches
    // then fail (nothing released, nothing disclosed): the numbering moves up, and the health check says why.
    const counted = Math.max(report.latest, report.pending);
    if (numbered && before !== undefined && counted > before) {
      foreignSender = { at: Date.now(), nonces: counted - before };
      options.onForeignSender?.(counted - before, report);
    }
    numbered = true;
    nextNonce = report.nextNonce;
    checkFirst = false;
    if (report.gap) {
      gap = { from: Math.min(report.gap.from, gap?.from ?? Infinity), to: Math.max(report.gap.to, gap?.to ?? 0), since: gap?.since ?? Date.now() };
      options.onRepair?.(report);
    } else if (gap && report.latest >= gap.to) {
      gap = undefined; // what filled the gap is mined
    }
    schedule(); // until what it sent is mined
    return report;
  };
  /** Sends signed bytes; `true` once the node holds them, `false` when that cannot be told; throws a refusal. */
  const deliver = async (signed: SignedAtNonce): Promise<boolean> => {
    let unanswered = false;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const hash = await rpc<string>("eth_sendRawTransaction", [signed.raw]);
        if (typeof hash !== "string" || hash.toLowerCase() !== signed.hash.toLowerCase()) throw new RpcRefusalError("eth_sendRawTransaction", 0, "the node named another hash");
        return true;
      } catch (error) {
        if (isKnownTransaction(error)) return true;
        // A refusal after a send without an answer may be of the transaction that send did deliver (mined since).
        if (!(error instanceof RpcNoAnswerError) && !(unanswered && (await node.known(signed.hash).catch(() => false)))) throw error;
        if (!(error instanceof RpcNoAnswerError)) return true;
        unanswered = true;
        // No answer: the transaction may be in. Look it up by hash before sending the same bytes again.
        if (await node.known(signed.hash).catch(() => false)) return true;
      }
    }
    return false;
  };

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = () => {
    timer = undefined;
    if (slots.size === 0 && !gap) return;
    serialised(repair).catch(() => (checkFirst = true)).finally(schedule);
  };
  const schedule = () => {
    if (timer || stopped || options.resyncMs <= 0 || (slots.size === 0 && !gap)) return;
    timer = setTimeout(tick, options.resyncMs);
    timer.unref();
  };

  return {
    async send(transaction) {
      const fee = await feeData();
      return serialised(async () => {
        nextNonce ??= await node.count("pending");
        const nonce = nextNonce;
        const signed = sign({ ...transaction, nonce }, fee, false);
        await options.highWater?.save(nonce + 1); // before it leaves: a crash after the send still knows the nonce
        try {
          await deliver(signed); // false: no answer either time; the nonce is held and the gap check settles it
        } catch (error) {
          checkFirst = true; // refused: the nonce was not used; check the numbering before the next send
          throw error;
        }
        let onReplaced!: (hash: string) => void;
        const replaced = new Promise<string>((resolve) => (onReplaced = resolve));
        slots.set(nonce, { nonce, signed: [signed], cancelled: false, sentAt: Date.now(), onReplaced });
        nextNonce = nonce + 1;
        schedule();
        return { nonce, hash: signed.hash, replaced };
      });
    },
    cancel(nonce) {
      const slot = slots.get(nonce);
      if (slot) slot.cancelled = true; // at once, before the queue: no repair may send the disclosure again
      return serialised(async () => {
        const current = slots.get(nonce);
        if (!current) return undefined; // mined and forgotten
        const last = latestSigned(current);
        if (last?.noop) return last.hash;
        let noop = await noopAt(nonce, current);
        for (let attempt = 0; ; attempt++) {
          try {
            await deliver(noop);
            current.signed.push(noop);
            return noop.hash;
          } catch (error) {
            if (isNonceUsed(error)) return undefined;
            if (!isUnderpriced(error) || attempt >= 2) throw error;
            current.signed.push(noop); // fees of record for the next bump
            noop = await noopAt(nonce, current);
            current.signed.pop();
          }
        }
      });
    },
    settle(nonce) {
      slots.delete(nonce);
    },
    isMined: async (nonce) => (await node.count("latest")) > nonce,
    resync: () => serialised(repair),
    state() {
      let oldestSentAt: number | undefined;
      for (const slot of slots.values()) if (oldestSentAt === undefined || slot.sentAt < oldestSentAt) oldestSentAt = slot.sentAt;
      return { nextNonce, pending: slots.size, oldestSentAt, gap, foreignSender };
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      stopped = true;
    },
  };
}
