import { getAddress, hexlify, type Signer } from "ethers";
// The factories one by one: the index of the contract types loads every factory (start-up time).
import { RecordToken__factory } from "../chain/contracts/factories/contracts/RecordToken__factory";
import type { RecordToken } from "../chain/contracts";
import { recordTokenDomain, signRecordUpdate, type RecordUpdate } from "../chain/record-attestation";
import { sendSponsored, type PatientWallet, type WalletContext } from "../wallet";
import { RecordWriteError } from "./errors";

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

/** The on-chain part of a record update. */
export interface UpdateRequest {
  tokenId: bigint;
  cid: Uint8Array;
  contentHash: string;
  version: bigint;
}

/**
 * Who writes record tokens and how: the patient's own EOA, a provider's key, or a patient's smart account
 * through sponsored AA transactions. Mints and updates from one writer go out one at a time, in order.
 */
export interface RecordWriter {
  /** The issuer address the chain will see. */
  issuer(): Promise<string>;
  /** Mints the record whose id is `recordTokenId(issuer, patient, salt)`, once mined. */
  mint(request: MintRequest): Promise<void>;
  /** Updates with the issuer's attestation over (tokenId, cid, contentHash, version). */
  update(request: UpdateRequest): Promise<void>;
  /** Burns a record token (only the record's patient may: the writer must be the patient's key or account). */
  burn(tokenId: bigint): Promise<void>;
}

async function attestation(signer: Signer, recordToken: RecordToken, request: UpdateRequest): Promise<string> {
  const { chainId } = await signer.provider!.getNetwork();
  const update: RecordUpdate = { tokenId: request.tokenId, cid: hexlify(request.cid), contentHash: request.contentHash, version: request.version };
  return signRecordUpdate(signer, recordTokenDomain(chainId, await recordToken.getAddress()), update);
}

/**
 * A writer that sends ordinary transactions from `signer` (a patient's EOA, or a provider/lab holding APPEND).
 * @param recordTokenAddress The RecordToken.
 * @param signer The issuer's key, connected to a provider.
 */
export function eoaRecordWriter(recordTokenAddress: string, signer: Signer): RecordWriter {
  const recordToken = RecordToken__factory.connect(recordTokenAddress, signer);
  return {
    issuer: () => signer.getAddress(),
    async mint(request) {
      const receipt = await (await recordToken.mint(request.patient, request.salt, request.cid, request.contentHash, request.kind)).wait();
      if (!receipt || receipt.status !== 1) throw new RecordWriteError("mint transaction failed");
    },
    async update(request) {
      const signature = await attestation(signer, recordToken, request);
      const receipt = await (await recordToken.update(request.tokenId, request.cid, request.contentHash, signature)).wait();
      if (!receipt || receipt.status !== 1) throw new RecordWriteError("update transaction failed");
    },
    async burn(tokenId) {
      const receipt = await (await recordToken.burn(tokenId)).wait();
      if (!receipt || receipt.status !== 1) throw new RecordWriteError("burn transaction failed");
    },
  };
}

/**
 * A writer for a patient's smart account: each write is a sponsored type-113 transaction from the account,
 * and update attestations are the owner's signatures, which the account vouches for (ERC-1271).
 * @param context AA transport, provider and paymaster.
 * @param wallet The patient's account and owner key.
 * @param recordTokenAddress The RecordToken.
 */
export function accountRecordWriter(context: WalletContext, wallet: PatientWallet, recordTokenAddress: string): RecordWriter {
  const recordToken = RecordToken__factory.connect(recordTokenAddress, context.provider);
  const owner = wallet.owner.provider ? wallet.owner : wallet.owner.connect(context.provider);
  return {
    issuer: async () => wallet.address,
    async mint(request) {
      const data = recordToken.interface.encodeFunctionData("mint", [request.patient, request.salt, request.cid, request.contentHash, request.kind]);
      await sendSponsored(context, wallet, [{ target: recordTokenAddress, data }]);
    },
    async update(request) {
      const signature = await attestation(owner, recordToken, request);
      const data = recordToken.interface.encodeFunctionData("update", [request.tokenId, request.cid, request.contentHash, signature]);
      await sendSponsored(context, wallet, [{ target: recordTokenAddress, data }]);
    },
    async burn(tokenId) {
      const data = recordToken.interface.encodeFunctionData("burn", [tokenId]);
      await sendSponsored(context, wallet, [{ target: recordTokenAddress, data }]);
    },
  };
}
