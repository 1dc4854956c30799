import { hexlify, isError, type Signer } from "ethers";
// The factories one by one: the index of the contract types loads every factory (start-up time).
import { RecordToken__factory } from "../chain/contracts/factories/contracts/RecordToken__factory";
import type { RecordToken } from "../chain/contracts";
import { freshNonce } from "../chain/fresh-nonce";
import { recordTokenDomain, signRecordUpdate, type RecordUpdate } from "../chain/record-attestation";
import { sendSponsored, type PatientWallet, type WalletContext } from "../wallet";
import { RecordWriteError } from "./errors";
import { chunkGasLimit } from "./mint-chunks";
import { minedReceipt, settledSender } from "./receipts";

/** The on-chain part of a record write. */
export interface MintRequest {
  patient: string;
  /** The writer's salt: the token id is `tokenIdFor(issuer, patient, salt)` (see `recordTokenId`). */
  salt: string;
  cid: Uint8Array;
  contentHash: string;
  /** The record kind as bytes32 (`encodeBytes32String`). */
  kind: string;
}

/** One record of a {@link MintBatchRequest}: a {@link MintRequest} without the patient. */
export type MintEntry = Omit<MintRequest, "patient">;

/** Records of one patient minted in one `mintBatch` transaction (all or none). */
export interface MintBatchRequest {
  patient: string;
  entries: MintEntry[];
}

/** A `mintBatch` sent and not yet mined. */
export interface SentMint {
  /** Resolves once mined; rejects with {@link RecordWriteError} when the transaction reverted (nothing of it minted). */
  mined: Promise<void>;
}

/** The on-chain part of a record update. */
export interface UpdateRequest {
  tokenId: bigint;
  cid: Uint8Array;
  contentHash: string;
  version: bigint;
}

/**
 * Who writes record tokens and how: the patient's own EOA, a provider's key, or a patient's smart account
 * through sponsored AA transactions. A writer numbers its transactions itself, in the order they are sent.
 */
export interface RecordWriter {
  /** The issuer address the chain will see. */
  issuer(): Promise<string>;
  /** Mints the record whose id is `recordTokenId(issuer, patient, salt)`, once mined. */
  mint(request: MintRequest): Promise<void>;
  /** Mints every entry (ids `recordTokenId(issuer, patient, entry.salt)`) in one transaction, once mined. */
  mintBatch(request: MintBatchRequest): Promise<void>;
  /**
   * Sends a `mintBatch` with the writer's next nonce and returns once the chain has it, without waiting for it
   * to be mined: up to {@link maxInFlight} may be awaited at once.
   */
  sendMintBatch(request: MintBatchRequest): Promise<SentMint>;
  /** How many sent transactions may wait for their receipts at once (1: one after the other). */
  readonly maxInFlight: number;
  /** Resolves once no transaction of this writer is waiting to be mined (e.g. of an earlier run that was killed). */
  settle(): Promise<void>;
  /** Updates with the issuer's attestation over (tokenId, cid, contentHash, version). */
  update(request: UpdateRequest): Promise<void>;
  /** Burns a record token (only the record's patient may: the writer must be the patient's key or account). */
  burn(tokenId: bigint): Promise<void>;
}

/** Transactions an EOA writer keeps in flight by default. */
export const EOA_MAX_IN_FLIGHT = 16;

async function attestation(signer: Signer, recordToken: RecordToken, request: UpdateRequest): Promise<string> {
  const { chainId } = await signer.provider!.getNetwork();
  const update: RecordUpdate = { tokenId: request.tokenId, cid: hexlify(request.cid), contentHash: request.contentHash, version: request.version };
  return signRecordUpdate(signer, recordTokenDomain(chainId, await recordToken.getAddress()), update);
}

const batchArgs = (request: MintBatchRequest) =>
  [request.patient, request.entries.map((e) => ({ salt: e.salt, contentHash: e.contentHash, recordKind: e.kind, cid: e.cid }))] as const;

/** How often a transaction the node refuses as "nonce too low" is numbered again and sent (another sender of the key). */
export const NONCE_RETRIES = 3;

/**
 * One writer's own nonce counter: read (`pending`, from the node, not a provider's cache) when none of its
 * transactions is in flight, then counted while some are; so that a transaction the same key sent meanwhile
 * elsewhere (or a chain reverted to a snapshot) is seen as soon as the writer is idle again.
 */
function nonceCounter(read: () => Promise<bigint>) {
  let next: Promise<bigint> | undefined;
  let inFlight = 0;
  return {
    /** The nonce of the next transaction; call `done` once it is mined or failed. */
    take(): Promise<bigint> {
      const current = next ?? read();
      inFlight++;
      next = current.then((n) => n + 1n);
      next.catch(() => (next = undefined));
      return current;
    },
    /** A transaction taken is mined or failed (`failed`: its nonce may be unused; read again). */
    done(failed = false) {
      inFlight--;
      if (failed || inFlight === 0) next = undefined;
    },
  };
}

/**
 * A writer that sends ordinary transactions from `signer` (a patient's EOA, or a provider/lab holding APPEND).
 * Its `mintBatch` transactions carry locally numbered nonces and a gas limit from the measured per-record bound
 * (`chunkGasLimit`), so that many go out before the first is mined.
 * @param recordTokenAddress The RecordToken.
 * @param signer The issuer's key, connected to a provider.
 * @param settings `maxInFlight` (default {@link EOA_MAX_IN_FLIGHT}).
 */
export function eoaRecordWriter(recordTokenAddress: string, signer: Signer, settings: { maxInFlight?: number } = {}): RecordWriter {
  const recordToken = RecordToken__factory.connect(recordTokenAddress, signer);
  const provider = signer.provider!;
  const nonces = nonceCounter(async () => freshNonce(provider, await signer.getAddress()));
  /**
   * Sends with the next nonce and waits for the receipt in `mined` (which releases the nonce). A refusal as
   * "nonce too low" (the nonce was taken meanwhile by another sender of the key) is numbered again from the node.
   */
  const sent = async (what: string, send: (nonce: number) => Promise<{ hash: string }>): Promise<{ mined: Promise<void> }> => {
    let hash: string;
    for (let attempt = 0; ; attempt++) {
      const nonce = await nonces.take();
      try {
        hash = (await send(Number(nonce))).hash;
        break;
      } catch (error) {
        nonces.done(true);
        if (isError(error, "NONCE_EXPIRED") && attempt < NONCE_RETRIES) continue;
        throw new RecordWriteError(`the node refused the ${what} transaction: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    }
    const mined = minedReceipt(provider, hash).then(
      (receipt) => {
        nonces.done();
        if (receipt.status !== 1) throw new RecordWriteError(`${what} transaction ${hash} reverted`);
      },
      (error: unknown) => {
        nonces.done(true);
        throw new RecordWriteError(`no receipt of ${what} transaction ${hash}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      },
    );
    mined.catch(() => undefined); // the caller awaits it
    return { mined };
  };
  const writer: RecordWriter = {
    issuer: () => signer.getAddress(),
    maxInFlight: Math.max(1, settings.maxInFlight ?? EOA_MAX_IN_FLIGHT),
    async mint(request) {
      await (await sent("mint", (nonce) => recordToken.mint(request.patient, request.salt, request.cid, request.contentHash, request.kind, { nonce }))).mined;
    },
    sendMintBatch: (request) =>
      sent(`mintBatch of ${request.entries.length} records`, (nonce) =>
        recordToken.mintBatch(...batchArgs(request), { nonce, gasLimit: chunkGasLimit(request.entries) }),
      ),
    async mintBatch(request) {
      await (await writer.sendMintBatch(request)).mined;
    },
    async settle() {
      await settledSender(provider, await signer.getAddress());
    },
    async update(request) {
      const signature = await attestation(signer, recordToken, request);
      await (await sent("update", (nonce) => recordToken.update(request.tokenId, request.cid, request.contentHash, signature, { nonce }))).mined;
    },
    async burn(tokenId) {
      await (await sent("burn", (nonce) => recordToken.burn(tokenId, { nonce }))).mined;
    },
  };
  return writer;
}

/**
 * A writer for a patient's smart account: each write is a sponsored type-113 transaction from the account,
 * and update attestations are the owner's signatures, which the account vouches for (ERC-1271). Its nonces come
 * from the transport (`nonceOf`) once, then are counted. Transactions go out one at a time on the offline
 * bootloader driver (it runs one transaction's steps at a time); `maxInFlight` of them at once on a zkSync node.
 * @param context AA transport, provider and paymaster.
 * @param wallet The patient's account and owner key.
 * @param recordTokenAddress The RecordToken.
 * @param settings `maxInFlight` on a zkSync node (default {@link EOA_MAX_IN_FLIGHT}).
 */
export function accountRecordWriter(
  context: WalletContext,
  wallet: PatientWallet,
  recordTokenAddress: string,
  settings: { maxInFlight?: number } = {},
): RecordWriter {
  const recordToken = RecordToken__factory.connect(recordTokenAddress, context.provider);
  const owner = wallet.owner.provider ? wallet.owner : wallet.owner.connect(context.provider);
  const nonces = nonceCounter(() => context.transport.nonceOf(wallet.address));
  const send = async (data: string): Promise<void> => {
    const nonce = await nonces.take();
    try {
      await sendSponsored(context, wallet, [{ target: recordTokenAddress, data }], { nonce });
      nonces.done();
    } catch (error) {
      nonces.done(true); // a rejected transaction used no nonce; a reverted one did, and the transport knows
      throw error;
    }
  };
  const writer: RecordWriter = {
    issuer: async () => wallet.address,
    maxInFlight: context.transport.kind === "bootloader-driver" ? 1 : Math.max(1, settings.maxInFlight ?? EOA_MAX_IN_FLIGHT),
    async mint(request) {
      await send(recordToken.interface.encodeFunctionData("mint", [request.patient, request.salt, request.cid, request.contentHash, request.kind]));
    },
    async sendMintBatch(request) {
      const mined = send(recordToken.interface.encodeFunctionData("mintBatch", [...batchArgs(request)])).catch((error: unknown) => {
        throw error instanceof RecordWriteError
          ? error
          : new RecordWriteError(`mintBatch of ${request.entries.length} records failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      });
      mined.catch(() => undefined); // the caller awaits it
      return { mined };
    },
    async mintBatch(request) {
      await (await writer.sendMintBatch(request)).mined;
    },
    async settle() {
      // The transport submits and waits in one call: nothing of this process is pending between two calls.
    },
    async update(request) {
      const signature = await attestation(owner, recordToken, request);
      await send(recordToken.interface.encodeFunctionData("update", [request.tokenId, request.cid, request.contentHash, signature]));
    },
    async burn(tokenId) {
      await send(recordToken.interface.encodeFunctionData("burn", [tokenId]));
    },
  };
  return writer;
}
