// Shared scenario of the sdk/audit tests (loaded by mocha too; defines no tests).
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { TypedDataEncoder, ZeroAddress, getAddress, hexlify, id, randomBytes, type ContractTransactionResponse } from "ethers";
import { recordTokenId } from "../../../sdk/vocabulary";
import { deployCore, randomPointer, RECORD_KIND, type Core } from "../../helpers/fixture";
import { CONSENT_TYPES, type Consent } from "../../../sdk/consent/typed-data";
import { ALL_RECORDS, Scope, Purpose } from "../../../sdk/vocabulary";
import { recordTokenDomain, signRecordUpdate } from "../../../sdk/chain/record-attestation";
import { AUDIT_TOPICS, type AuditEntry, type AuditEventName } from "../../../sdk/audit";

/** One day in seconds: the gap between the phases of the scenario. */
export const DAY = 86_400;
/** The break-glass reason hash of the scenario. */
export const REASON = id("unconscious patient, ER admission");
/**
 * The emergency delegate both patients name (standing for a Safe of their guardians; no key needed, it acts
 * in no test). Shared on purpose: the accounting must tell the patients' delegate events apart by patient.
 */
export const GUARDIANS = getAddress("0x6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a");

/** The fields of an expected entry that the test states; chain coordinates come from the receipt. */
type Stated = Pick<AuditEntry, "kind" | "tokenId" | "patient" | "actor"> & Partial<AuditEntry>;

/** Unix seconds of the first and last block of a phase. */
export interface Phase {
  start: number;
  end: number;
}

const iso = (seconds: number | bigint) => new Date(Number(seconds) * 1000).toISOString();

/** The full expected entry: chain coordinates of the event's log in `tx`, and the stated fields. */
async function expectedEntry(
  tx: ContractTransactionResponse,
  event: AuditEventName,
  emitter: string,
  stated: Stated,
): Promise<AuditEntry> {
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("no receipt");
  const log = receipt.logs.find((l) => l.topics[0] === AUDIT_TOPICS[event] && getAddress(l.address) === getAddress(emitter));
  if (log === undefined) throw new Error(`${event} not emitted`);
  const block = await ethers.provider.getBlock(receipt.blockNumber);
  return {
    timestamp: iso(block!.timestamp),
    blockNumber: receipt.blockNumber,
    transactionHash: receipt.hash,
    logIndex: log.index,
    contract: getAddress(emitter),
    recipient: null,
    purpose: null,
    scopes: null,
    expiresAt: null,
    emergency: false,
    consentId: null,
    metadataId: null,
    reasonHash: null,
    ...stated,
  };
}

/**
 * The event history of the audit tests, on top of {@link deployCore}. Three phases one day apart:
 * A: records created (patient, lab) and grants (signed + relayed, direct, ALL_RECORDS);
 * B: disclosures (normal and emergency), emergency delegates named, break-glass emergency access and its end;
 * C: record updates (lab, patient), a revocation, the patient's delegate cleared, an erasure.
 * patient2 has events in every phase. Returns what each patient's accounting must hold, in chain order.
 */
export async function auditScenario() {
  const core: Core = await deployCore();
  const { patient, patient2, provider, lab, resolver, breakGlass, relayer } = core.signers;
  const cm = await core.consents.getAddress();
  const rt = await core.records.getAddress();
  const mine: AuditEntry[] = [];
  const theirs: AuditEntry[] = [];
  const recordDomain = recordTokenDomain(core.chainId, rt);
  const consentId = (consent: Consent) => TypedDataEncoder.hash(core.domain, CONSENT_TYPES, consent);
  const grantFields = (consent: Consent, tokenId: string, purpose: string, scopes: string[]) => ({
    kind: "grant" as const,
    tokenId,
    patient: getAddress(consent.patient),
    recipient: getAddress(consent.grantee),
    actor: getAddress(consent.patient),
    purpose,
    scopes,
    expiresAt: iso(consent.expiresAt),
    consentId: consentId(consent),
    metadataId: consent.metadataId,
  });

  // Token 1: deployCore's mint by the patient; token 2: patient2's; token 3: the lab's for the patient.
  const salt2 = id("audit token 2");
  const salt3 = id("audit token 3");
  const T1 = core.tokenId;
  const T2 = recordTokenId(patient2.address, patient2.address, salt2);
  const T3 = recordTokenId(lab.address, patient.address, salt3);

  // ---- Phase A. deployCore's mint of token 1 by the patient.
  const [minted] = await core.records.queryFilter(core.records.filters.RecordMinted(T1));
  const mintBlock = await ethers.provider.getBlock(minted.blockNumber);
  mine.push({
    kind: "record-created",
    timestamp: iso(mintBlock!.timestamp),
    blockNumber: minted.blockNumber,
    transactionHash: minted.transactionHash,
    logIndex: minted.index,
    contract: getAddress(rt),
    tokenId: String(T1),
    patient: patient.address,
    recipient: null,
    actor: patient.address,
    purpose: null,
    scopes: null,
    expiresAt: null,
    emergency: false,
    consentId: null,
    metadataId: null,
    reasonHash: null,
  });
  const phaseA: Phase = { start: mintBlock!.timestamp, end: 0 };

  let p = randomPointer();
  let tx = await core.records.connect(patient2).mint(patient2.address, salt2, p.cid, p.contentHash, RECORD_KIND); // token 2
  theirs.push(await expectedEntry(tx, "RecordMinted", rt, { kind: "record-created", tokenId: String(T2), patient: patient2.address, actor: patient2.address }));

  // Long enough to outlive the two days between the phases.
  const expiresAt = BigInt(await time.latest()) + BigInt(30 * DAY);
  const signed = await core.consentFor({ expiresAt });
  tx = await core.consents.connect(relayer).grant(signed, await core.sign(signed));
  mine.push(await expectedEntry(tx, "AccessGranted", cm, grantFields(signed, String(T1), "TREAT", ["READ"])));

  const patientWide = await core.consentFor({ grantee: lab.address, tokenId: ALL_RECORDS, scopes: Scope.READ | Scope.APPEND, expiresAt });
  tx = await core.consents.connect(patient).grantDirect(patientWide);
  mine.push(await expectedEntry(tx, "AccessGranted", cm, grantFields(patientWide, "all", "TREAT", ["READ", "APPEND"])));

  p = randomPointer();
  tx = await core.records.connect(lab).mint(patient.address, salt3, p.cid, p.contentHash, RECORD_KIND); // token 3
  mine.push(await expectedEntry(tx, "RecordMinted", rt, { kind: "record-created", tokenId: String(T3), patient: patient.address, actor: lab.address }));

  const other = await core.consentFor({ patient: patient2.address, tokenId: T2, expiresAt });
  tx = await core.consents.connect(patient2).grantDirect(other);
  theirs.push(await expectedEntry(tx, "AccessGranted", cm, grantFields(other, String(T2), "TREAT", ["READ"])));
  phaseA.end = await time.latest();

  // ---- Phase B.
  await time.increase(DAY);
  tx = await core.consents.connect(resolver).recordDisclosures([disclosureRequest(T1, provider.address, Purpose.TREATMENT)]);
  const disclosure = { kind: "disclosure" as const, recipient: provider.address, actor: resolver.address, purpose: "TREAT" };
  mine.push(await expectedEntry(tx, "Disclosure", cm, { ...disclosure, tokenId: String(T1), patient: patient.address }));
  const phaseB: Phase = { start: await time.latest(), end: 0 };

  const delegateFields = (who: string) => ({
    kind: "emergency-delegate" as const,
    tokenId: "all",
    patient: who,
    recipient: GUARDIANS,
    actor: who,
    purpose: "ETREAT",
  });
  tx = await core.consents.connect(patient).setEmergencyDelegate(GUARDIANS);
  mine.push(await expectedEntry(tx, "EmergencyDelegateSet", cm, delegateFields(patient.address)));

  tx = await core.consents.connect(patient2).setEmergencyDelegate(GUARDIANS);
  theirs.push(await expectedEntry(tx, "EmergencyDelegateSet", cm, delegateFields(patient2.address)));

  tx = await core.consents.connect(breakGlass).emergencyAccess(T3, provider.address, REASON, 3600n);
  mine.push(
    await expectedEntry(tx, "EmergencyAccessGranted", cm, {
      kind: "emergency-access",
      tokenId: String(T3),
      patient: patient.address,
      recipient: provider.address,
      actor: breakGlass.address,
      purpose: "ETREAT",
      scopes: ["READ"],
      expiresAt: iso((await time.latest()) + 3600),
      emergency: true,
      reasonHash: REASON,
    }),
  );

  tx = await core.consents.connect(resolver).recordDisclosures([disclosureRequest(T3, provider.address, Purpose.EMERGENCY)]);
  mine.push(
    await expectedEntry(tx, "Disclosure", cm, { ...disclosure, tokenId: String(T3), patient: patient.address, purpose: "ETREAT", emergency: true }),
  );

  tx = await core.consents.connect(resolver).recordDisclosures([disclosureRequest(T2, provider.address, Purpose.TREATMENT)]);
  theirs.push(await expectedEntry(tx, "Disclosure", cm, { ...disclosure, tokenId: String(T2), patient: patient2.address }));

  tx = await core.consents.connect(patient).endEmergencyAccess(T3, provider.address);
  mine.push(
    await expectedEntry(tx, "EmergencyAccessEnded", cm, {
      kind: "emergency-access-ended",
      tokenId: String(T3),
      patient: patient.address,
      recipient: provider.address,
      actor: patient.address,
      purpose: "ETREAT",
      emergency: true,
    }),
  );
  phaseB.end = await time.latest();

  // ---- Phase C.
  await time.increase(DAY);
  const update = async (signer: typeof lab, tokenId: bigint) => {
    const next = randomPointer();
    const attestation = await signRecordUpdate(signer, recordDomain, { tokenId, ...next, version: 2n });
    return core.records.connect(signer).update(tokenId, next.cid, next.contentHash, attestation);
  };
  tx = await update(lab, T3);
  mine.push(await expectedEntry(tx, "DataUpdated", rt, { kind: "record-updated", tokenId: String(T3), patient: patient.address, actor: lab.address }));
  const phaseC: Phase = { start: await time.latest(), end: 0 };

  tx = await update(patient, T1);
  mine.push(await expectedEntry(tx, "DataUpdated", rt, { kind: "record-updated", tokenId: String(T1), patient: patient.address, actor: patient.address }));

  tx = await update(patient2, T2);
  theirs.push(await expectedEntry(tx, "DataUpdated", rt, { kind: "record-updated", tokenId: String(T2), patient: patient2.address, actor: patient2.address }));

  tx = await core.consents.connect(patient).revoke(T1, provider.address);
  mine.push(
    await expectedEntry(tx, "AccessRevoked", cm, {
      kind: "revocation",
      tokenId: String(T1),
      patient: patient.address,
      recipient: provider.address,
      actor: patient.address,
      purpose: "TREAT",
    }),
  );

  tx = await core.consents.connect(patient).setEmergencyDelegate(ZeroAddress);
  mine.push(
    await expectedEntry(tx, "EmergencyDelegateSet", cm, { kind: "emergency-delegate", tokenId: "all", patient: patient.address, actor: patient.address }),
  );

  tx = await core.records.connect(patient).burn(T3);
  mine.push(await expectedEntry(tx, "RecordBurned", rt, { kind: "record-erased", tokenId: String(T3), patient: patient.address, actor: patient.address }));

  tx = await core.records.connect(patient2).burn(T2);
  theirs.push(await expectedEntry(tx, "RecordBurned", rt, { kind: "record-erased", tokenId: String(T2), patient: patient2.address, actor: patient2.address }));
  phaseC.end = await time.latest();

  return {
    core,
    contracts: {
      ConsentManager: cm,
      RecordToken: rt,
      PatientRegistry: await core.patients.getAddress(),
    },
    expected: { [patient.address]: mine, [patient2.address]: theirs } as Record<string, AuditEntry[]>,
    phases: { A: phaseA, B: phaseB, C: phaseC },
    tokens: { T1, T2, T3 },
  };
}

export type AuditScenario = Awaited<ReturnType<typeof auditScenario>>;

/** A disclosure request of a batch, with a fresh request hash. */
export function disclosureRequest(tokenId: bigint, grantee: string, purpose: string) {
  return { tokenId, grantee, purpose, requestHash: hexlify(randomBytes(32)) };
}

/** A period that covers every block of the scenario (and far beyond). */
export const ALL_TIME = { from: 0, to: 4_102_444_800 } as const; // 2100-01-01
