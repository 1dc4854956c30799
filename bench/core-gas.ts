import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { concat, hexlify, id, randomBytes, sha256 } from "ethers";
import { deployCore, randomKey, randomPointer, randomSalt, RECORD_KIND, SAMPLE_METADATA_ID } from "../test/helpers/fixture";
import { recordTokenId } from "../sdk/vocabulary";
import { consentDomain, signRevocation } from "../sdk/consent/typed-data";
import { ALL_RECORDS, Scope, Purpose } from "../sdk/vocabulary";
import { ParticipantKind } from "../sdk/chain/participant-kind";
import { recordTokenDomain, signRecordUpdate } from "../sdk/chain/record-attestation";
import { newStorageSlots } from "./storage-slots";

/** Gas and storage slots of one operation. */
export interface Measurement {
  operation: string;
  gas: bigint;
  slotsWritten: number;
  newSlots: number;
}

async function measure(operation: string, send: Promise<ContractTransactionResponse>): Promise<Measurement> {
  const receipt = await (await send).wait();
  if (!receipt || receipt.status !== 1) throw new Error(`${operation} failed`);
  const slots = await newStorageSlots(hre.network.provider, receipt.hash);
  return { operation, gas: receipt.gasUsed, slotsWritten: slots.written, newSlots: slots.created };
}

/**
 * Gas and new storage slots of every state-changing function of the on-chain core, on the in-process
 * Hardhat chain (EVM gas; zkSync fees differ, see README).
 */
export async function measureCoreGas(): Promise<Measurement[]> {
  const core = await deployCore();
  const { patients, providers, consents, records, signers, tokenId } = core;
  const results: Measurement[] = [];
  const run = async (operation: string, send: Promise<ContractTransactionResponse>) => {
    results.push(await measure(operation, send));
  };

  await run("PatientRegistry.register", patients.connect(signers.outsider).register(randomKey()));
  await run("PatientRegistry.rotateEncryptionKey", patients.connect(signers.outsider).rotateEncryptionKey(randomKey()));
  await run(
    "ProviderRegistry.register",
    providers.register(signers.relayer.address, ParticipantKind.Provider, randomKey(), id("licence")),
  );

  let pointer = randomPointer();
  await run("RecordToken.mint", records.connect(signers.patient).mint(signers.patient.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND));
  const root = { cid: concat(["0x01701220", sha256(randomBytes(16))]), contentHash: sha256(randomBytes(16)) };
  await run(
    "RecordToken.mint (dag-pb CID: a record over 1 MiB)",
    records.connect(signers.patient).mint(signers.patient.address, randomSalt(), root.cid, root.contentHash, RECORD_KIND),
  );
  const batchEntries = Array.from({ length: 100 }, () => {
    const p = randomPointer();
    return { salt: randomSalt(), contentHash: p.contentHash, recordKind: RECORD_KIND, cid: p.cid };
  });
  await run("RecordToken.mintBatch (100 records)", records.connect(signers.patient).mintBatch(signers.patient.address, batchEntries));
  const batchIds = batchEntries.map((e) => recordTokenId(signers.patient.address, signers.patient.address, e.salt));

  // Grants name their consent document (metadataId = keccak256(streamId)), as the product's do.
  const consent = await core.consentFor({ scopes: Scope.READ | Scope.APPEND, metadataId: SAMPLE_METADATA_ID });
  await run("ConsentManager.grant", consents.grant(consent, await core.sign(consent)));
  const wide = await core.consentFor({ grantee: signers.lab.address, tokenId: ALL_RECORDS, scopes: Scope.APPEND | Scope.READ, metadataId: SAMPLE_METADATA_ID });
  await run("ConsentManager.grant (all records)", consents.grant(wide, await core.sign(wide)));
  const direct = await core.consentFor({ grantee: signers.insurer.address, purpose: Purpose.PAYMENT, metadataId: SAMPLE_METADATA_ID });
  await run("ConsentManager.grantDirect", consents.connect(signers.patient).grantDirect(direct));

  pointer = randomPointer();
  await run(
    "RecordToken.mint (by lab, APPEND consent)",
    records.connect(signers.lab).mint(signers.patient.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND),
  );
  pointer = randomPointer();
  const attestation = await signRecordUpdate(signers.provider, recordTokenDomain(core.chainId, await records.getAddress()), {
    tokenId,
    ...pointer,
    version: 2n,
  });
  await run("RecordToken.update", records.connect(signers.provider).update(tokenId, pointer.cid, pointer.contentHash, attestation));

  const request = (tokenId: bigint, purpose: string) => ({ tokenId, grantee: signers.provider.address, purpose, requestHash: hexlify(randomBytes(32)) });
  await run("ConsentManager.recordDisclosures (1)", consents.connect(signers.resolver).recordDisclosures([request(tokenId, Purpose.TREATMENT)]));
  // 100 releases of 100 records under one patient-wide consent (the lab's), and under 100 per-record consents.
  const toLab = (tokenId: bigint) => ({ ...request(tokenId, Purpose.TREATMENT), grantee: signers.lab.address });
  await run("ConsentManager.recordDisclosures (100, patient-wide consent)", consents.connect(signers.resolver).recordDisclosures(batchIds.map(toLab)));
  for (const batchId of batchIds) {
    const perRecord = await core.consentFor({ tokenId: batchId });
    await (await consents.grant(perRecord, await core.sign(perRecord))).wait();
  }
  await run(
    "ConsentManager.recordDisclosures (100, per-record consents)",
    consents.connect(signers.resolver).recordDisclosures(batchIds.map((id) => request(id, Purpose.TREATMENT))),
  );
  await run("ConsentManager.revoke", consents.connect(signers.patient).revoke(tokenId, signers.provider.address));
  const revocation = {
    patient: signers.patient.address,
    grantee: signers.insurer.address,
    tokenId,
    nonce: 10_000n,
    deadline: BigInt(await time.latest()) + 3600n,
  };
  const revocationSignature = await signRevocation(signers.patient, consentDomain(core.chainId, await consents.getAddress()), revocation);
  await run("ConsentManager.revokeWithSignature", consents.revokeWithSignature(revocation, revocationSignature));
  await run(
    "ConsentManager.emergencyAccess",
    consents.connect(signers.breakGlass).emergencyAccess(tokenId, signers.provider.address, id("unconscious in ER"), 3600),
  );
  await run("ConsentManager.recordDisclosures (1, emergency)", consents.connect(signers.resolver).recordDisclosures([request(tokenId, Purpose.EMERGENCY)]));
  await run("RecordToken.burn", records.connect(signers.patient).burn(tokenId));

  return results;
}
