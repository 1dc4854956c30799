import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { AuditEvent } from "@medplum/fhirtypes";
import {
  ACT_REASON_SYSTEM,
  RECORD_TOKEN_SYSTEM,
  accountingOfDisclosures,
  toFhirAuditEvents,
  type AccountingOfDisclosures,
  type AuditEntry,
  type AuditEventKind,
} from "../../../sdk/audit";
import { validateFhir } from "../../../sdk/fhir";
import { ethers } from "hardhat";
import { ALL_TIME, GUARDIANS, auditScenario, type AuditScenario } from "./helpers";

const DCM = "http://dicom.nema.org/resources/ontology/DCM";
const REST = "http://hl7.org/fhir/restful-interaction";

/** Expected type code, subtype code and action per kind. */
const EXPECTED: Record<AuditEventKind, [string, string, string]> = {
  disclosure: ["110106", "read", "R"],
  grant: ["rest", "create", "C"],
  revocation: ["rest", "delete", "D"],
  "emergency-access": ["110113", "110127", "E"],
  "emergency-access-ended": ["110113", "110138", "E"],
  "emergency-delegate": ["110113", "110136", "U"],
  "record-created": ["110110", "create", "C"],
  "record-updated": ["110110", "update", "U"],
  "record-erased": ["110110", "delete", "D"],
};

async function scenarioEvents(): Promise<{ s: AuditScenario; accounting: AccountingOfDisclosures; events: AuditEvent[] }> {
  const s = await loadFixture(auditScenario);
  const accounting = await accountingOfDisclosures({
    provider: ethers.provider,
    contracts: s.contracts,
    patient: s.core.signers.patient.address,
    ...ALL_TIME,
  });
  return { s, accounting, events: toFhirAuditEvents(accounting) };
}

const did = (chainId: string, address: string) => `did:pkh:eip155:${chainId}:${address.toLowerCase()}`;
const detail = (event: AuditEvent, type: string) => event.entity?.[0].detail?.find((d) => d.type === type)?.valueString;

/** Every string leaf of `value`, with its path. */
function strings(value: unknown, path = ""): [string, string][] {
  if (typeof value === "string") return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => strings(v, `${path}.${k}`));
  return [];
}

describe("sdk/audit toFhirAuditEvents", () => {
  it("gives one valid FHIR R4 AuditEvent per entry, in order, with unique deterministic ids", async () => {
    const { accounting, events } = await scenarioEvents();
    expect(events).to.have.length(accounting.entries.length);
    for (const event of events) validateFhir(event, "AuditEvent");
    const ids = events.map((e) => e.id!);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const id of ids) expect(id).to.match(/^[0-9a-f]{64}$/);
    expect(toFhirAuditEvents(accounting).map((e) => e.id)).to.deep.equal(ids);
    events.forEach((event, i) => {
      expect(event.recorded).to.equal(accounting.entries[i].timestamp);
      expect(event.outcome).to.equal("0");
    });
  });

  it("the validator does reject a broken AuditEvent (so the check above can fail)", async () => {
    const { events } = await scenarioEvents();
    const broken = { ...events[0], action: "X" };
    expect(() => validateFhir(broken, "AuditEvent")).to.throw();
    const noAgent = { ...events[0], agent: undefined };
    expect(() => validateFhir(noAgent, "AuditEvent")).to.throw();
  });

  it("maps each kind to its type, subtype and action", async () => {
    const { accounting, events } = await scenarioEvents();
    events.forEach((event, i) => {
      const [type, subtype, action] = EXPECTED[accounting.entries[i].kind];
      expect(event.type.code, accounting.entries[i].kind).to.equal(type);
      expect(event.type.system).to.equal(type === "rest" ? "http://terminology.hl7.org/CodeSystem/audit-event-type" : DCM);
      expect(event.subtype).to.have.length(1);
      expect(event.subtype![0].code).to.equal(subtype);
      expect(event.subtype![0].system).to.equal(/^\d+$/.test(subtype) ? DCM : REST);
      expect(event.action).to.equal(action);
    });
  });

  it("agents are did:pkh identifiers with requestor flags: the recipient requests a disclosure, the actor anything else", async () => {
    const { s, accounting, events } = await scenarioEvents();
    const { chainId } = accounting;
    const { resolver, provider, patient, breakGlass, lab } = s.core.signers;
    const byKind = (kind: AuditEventKind) => events.filter((_, i) => accounting.entries[i].kind === kind);

    const [disclosure] = byKind("disclosure");
    expect(disclosure.agent).to.deep.equal([
      {
        type: { coding: [{ system: DCM, code: "110153", display: "Source Role ID" }] },
        who: { identifier: { system: "urn:ietf:rfc:3986", value: did(chainId, resolver.address) } },
        requestor: false,
      },
      {
        type: { coding: [{ system: DCM, code: "110152", display: "Destination Role ID" }] },
        who: { identifier: { system: "urn:ietf:rfc:3986", value: did(chainId, provider.address) } },
        requestor: true,
      },
    ]);
    const who = (e: AuditEvent) => e.agent.map((a) => [a.who?.identifier?.value, a.requestor, a.type?.coding?.[0].code]);
    expect(who(byKind("grant")[0])).to.deep.equal([
      [did(chainId, patient.address), true, "AUT"],
      [did(chainId, provider.address), false, "IRCP"],
    ]);
    expect(who(byKind("emergency-access")[0])).to.deep.equal([
      [did(chainId, breakGlass.address), true, "AUT"],
      [did(chainId, provider.address), false, "IRCP"],
    ]);
    expect(who(byKind("record-created")[1])).to.deep.equal([[did(chainId, lab.address), true, "AUT"]]);
    // The delegate receives an authority, not information: v3-RoleCode DELEGATEE; no second agent once cleared.
    const [named, cleared] = byKind("emergency-delegate");
    expect(who(named)).to.deep.equal([
      [did(chainId, patient.address), true, "AUT"],
      [did(chainId, GUARDIANS), false, "DELEGATEE"],
    ]);
    expect(named.agent[1].type?.coding).to.deep.equal([
      { system: "http://terminology.hl7.org/CodeSystem/v3-RoleCode", code: "DELEGATEE", display: "delegatee" },
    ]);
    expect(who(cleared)).to.deep.equal([[did(chainId, patient.address), true, "AUT"]]);
    expect(who(byKind("record-erased")[0])).to.deep.equal([[did(chainId, patient.address), true, "AUT"]]);
    for (const event of events) {
      expect(event.agent.filter((a) => a.requestor)).to.have.length(1);
      for (const agent of event.agent) expect(agent.who?.identifier?.value).to.match(/^did:pkh:eip155:31337:0x[0-9a-f]{40}$/);
    }
  });

  it("source is the emitting contract; entities are the record token (with chain coordinates) and the patient", async () => {
    const { s, accounting, events } = await scenarioEvents();
    const { chainId } = accounting;
    const rt = s.contracts.RecordToken.toLowerCase();
    events.forEach((event, i) => {
      const entry: AuditEntry = accounting.entries[i];
      const isRecord = entry.kind.startsWith("record-");
      expect(event.source.observer.identifier?.value).to.equal(did(chainId, isRecord ? s.contracts.RecordToken : s.contracts.ConsentManager));
      expect(event.source.observer.display).to.equal(isRecord ? "medrec RecordToken" : "medrec ConsentManager");
      expect(event.source.site).to.equal(`eip155:${chainId}`);
      expect(event.entity).to.have.length(2);
      const [record, patient] = event.entity!;
      expect(record.what?.identifier).to.deep.equal({ system: RECORD_TOKEN_SYSTEM, value: `${chainId}/${rt}/${entry.tokenId}` });
      expect(record.role?.code).to.equal("4");
      expect(patient.what?.identifier?.value).to.equal(did(chainId, s.core.signers.patient.address));
      expect(patient.role).to.deep.include({ code: "1", display: "Patient" });
      expect(detail(event, "transactionHash")).to.equal(entry.transactionHash);
      expect(detail(event, "blockNumber")).to.equal(String(entry.blockNumber));
      expect(detail(event, "logIndex")).to.equal(String(entry.logIndex));
      expect(detail(event, "eventKind")).to.equal(entry.kind);
      expect(detail(event, "consentId")).to.equal(entry.consentId ?? undefined);
      expect(detail(event, "reasonHash")).to.equal(entry.reasonHash ?? undefined);
    });
    const patientWide = events.find((_, i) => accounting.entries[i].tokenId === "all")!;
    expect(patientWide.entity![0].what?.identifier?.value).to.equal(`${chainId}/${rt}/all`);
  });

  it("purposeOfEvent is the v3-ActReason code of the purpose; records have none", async () => {
    const { accounting, events } = await scenarioEvents();
    events.forEach((event, i) => {
      const entry = accounting.entries[i];
      if (entry.purpose === null) {
        expect(event.purposeOfEvent).to.equal(undefined);
        return;
      }
      expect(event.purposeOfEvent).to.have.length(1);
      expect(event.purposeOfEvent![0].coding![0]).to.deep.include({ system: ACT_REASON_SYSTEM, code: entry.purpose });
    });
    const codes = events.map((e) => e.purposeOfEvent?.[0].coding?.[0].code ?? null);
    expect(codes).to.deep.equal(accounting.entries.map((e) => e.purpose));
    expect(codes).to.include.members(["TREAT", "ETREAT"]);
  });

  it("an emergency delegate named or cleared is a valid Security Alert / Security Roles Changed update on all records", async () => {
    const { accounting, events } = await scenarioEvents();
    const { chainId } = accounting;
    const rt = accounting.contracts.RecordToken.toLowerCase();
    const delegates = events.filter((_, i) => accounting.entries[i].kind === "emergency-delegate");
    expect(delegates).to.have.length(2);
    for (const event of delegates) {
      validateFhir(event, "AuditEvent");
      expect(event.type).to.deep.equal({ system: DCM, code: "110113", display: "Security Alert" });
      expect(event.subtype).to.deep.equal([{ system: DCM, code: "110136", display: "Security Roles Changed" }]);
      expect(event.action).to.equal("U");
      expect(event.entity![0].what?.identifier?.value).to.equal(`${chainId}/${rt}/all`);
      expect(detail(event, "emergency")).to.equal("false");
    }
    const [named, cleared] = delegates;
    expect(named.purposeOfEvent).to.deep.equal([{ coding: [{ system: ACT_REASON_SYSTEM, code: "ETREAT", display: "Emergency Treatment" }] }]);
    expect(cleared.purposeOfEvent).to.equal(undefined);
  });

  it("holds no health data: no CID, content hash or record kind; only ids, codes, hashes, times", async () => {
    const { s, events } = await scenarioEvents();
    const minted = await s.core.records.queryFilter(s.core.records.filters.RecordMinted());
    const updated = await s.core.records.queryFilter(s.core.records.filters.DataUpdated());
    const json = JSON.stringify(events).toLowerCase();
    const secrets = [
      ...minted.flatMap((e) => [e.args.cid, e.args.contentHash]),
      ...updated.flatMap((e) => [e.args.cid, e.args.contentHash, e.args.attestation]),
    ];
    expect(secrets.length).to.be.greaterThan(0);
    for (const secret of secrets) expect(json).to.not.contain(secret.toLowerCase().slice(2));
    expect(json).to.not.contain("observation");

    const allowed = [
      /^did:pkh:eip155:\d+:0x[0-9a-f]{40}$/, // accounts and contracts
      /^0x[0-9a-f]{64}$/, // hashes and ids
      /^\d+\/0x[0-9a-f]{40}\/(\d+|all)$/, // record tokens
      /^\d+$/, // block numbers, log indexes, chain id, codes
      /^[0-9a-f]{64}$/, // resource ids
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, // times
      /^eip155:\d+$/,
      /^(https?:\/\/[\w./-]+|urn:[\w:.-]+)$/, // code and identifier systems
      /^[A-Z]+$/, // codes and actions
      /^(read|create|update|delete|rest|true|false|grant|revocation|emergency-access(-ended)?|emergency-delegate|disclosure|record-(created|updated|erased))$/,
      /^(READ|APPEND|ANNOTATE)( (READ|APPEND|ANNOTATE))*$/,
      /^[A-Za-z ()-]+$/, // fixed displays (checked below against the list of displays)
    ];
    const displays = new Set([
      "Export", "Patient Record", "Security Alert", "Emergency Override Started", "Emergency Override Stopped", "Security Roles Changed",
      "RESTful Operation", "delegatee",
      "Source Role ID", "Destination Role ID", "author (originator)", "information recipient", "Application Server",
      "System Object", "Domain Resource", "Person", "Patient", "treatment", "Emergency Treatment",
      "medrec ConsentManager", "medrec RecordToken", "AuditEvent",
      "eventKind", "chainId", "transactionHash", "blockNumber", "logIndex", "scopes", "expiresAt", "emergency", "consentId", "metadataId", "reasonHash",
      "read", "create", "update", "delete",
    ]);
    for (const [path, value] of strings(events)) {
      const match = allowed.findIndex((re) => re.test(value));
      expect(match, `${path} = ${JSON.stringify(value)}`).to.not.equal(-1);
      if (match === allowed.length - 1) expect(displays.has(value), `${path} = ${JSON.stringify(value)}`).to.equal(true);
    }
  });
});
