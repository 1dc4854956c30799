/**
 * `accountingOfDisclosures`: the HIPAA accounting of disclosures of one patient over a period, built from
 * ConsentManager and RecordToken events alone (ARCHITECTURE.md, flow 9 "Audit" and principle 3).
 *
 * How the events are found:
 * 1. every event that carries the patient as an indexed topic — `AccessGranted`, `EmergencyAccessGranted`,
 *    `EmergencyAccessEnded`, `Disclosure`, `RecordMinted`, `RecordBurned` (topic 2), `AccessRevoked` and
 *    `EmergencyDelegateSet` (topic 1) — is read with a topic filter;
 * 2. the token ids of those events are the patient's record tokens (tokens are soulbound and ids are never
 *    reused), and `DataUpdated`, which does not carry the patient, is read filtered on those ids
 *    (`EmergencyDelegateSet` carries no token id and adds none).
 * Both steps run over the whole block range (`fromBlock` to the latest block), in pages of `pageSize` blocks;
 * only then is the period applied, by block time, both ends inclusive. Every log is checked again after
 * decoding (emitter, patient, token id), so a node that ignores part of a filter cannot add another patient's
 * events.
 *
 * @module
 */
import { getAddress, isAddress, toBeHex, zeroPadValue, type Log, type Provider } from "ethers";
import { InvalidArgumentError } from "../errors";
import { BlockTimestamps } from "./block-time";
import { AUDIT_TOPICS, decodeAuditLog, type AuditContracts, type AuditEventName, type DecodedAuditLog } from "./events";
import { DEFAULT_PAGE_SIZE, getLogsPaged, requireBlockNumber, requirePageSize, type BlockRange, type LogQuery } from "./paginate";
import type { AccountingOfDisclosures, AuditEntry } from "./types";

/** What {@link accountingOfDisclosures} needs of a provider (an ethers `Provider` has it all). */
export type AuditProvider = Pick<Provider, "getLogs" | "getBlock" | "getBlockNumber" | "getNetwork">;

/** A point in time: a `Date`, or Unix seconds. */
export type AuditTime = Date | number;

/** Options of {@link accountingOfDisclosures}. */
export interface AccountingOptions {
  /** Reads the chain. */
  provider: AuditProvider;
  /**
   * The deployment's contracts. `PatientRegistry` is accepted (it is part of every deployment) and checked to
   * be an address, but no PatientRegistry event is an entry of the accounting.
   */
  contracts: AuditContracts & { PatientRegistry?: string };
  /** The patient whose accounting it is. */
  patient: string;
  /** Start of the period, inclusive. */
  from: AuditTime;
  /** End of the period, inclusive. */
  to: AuditTime;
  /**
   * First block read; default 0. Give the deployment's start block to save queries. Record updates are found
   * through the token ids of the patient's other events in the range, so a start block after a record's mint
   * still finds its updates when any later event of that record is in the range.
   */
  fromBlock?: number;
  /** Last block read; default the latest block when the accounting starts. */
  toBlock?: number;
  /** Blocks per `getLogs` query; default {@link DEFAULT_PAGE_SIZE}. */
  pageSize?: number;
  /** The `generatedAt` time; default now. */
  generatedAt?: Date;
}

/** Token ids per `DataUpdated` query (an OR list in topic 1). */
const TOKEN_IDS_PER_QUERY = 100;

/** The events read with the patient in topic 2. */
const PATIENT_IN_TOPIC_2: readonly AuditEventName[] = [
  "AccessGranted",
  "EmergencyAccessGranted",
  "EmergencyAccessEnded",
  "Disclosure",
  "RecordMinted",
  "RecordBurned",
];

/**
 * Builds the accounting of disclosures of `patient` over `[from, to]` from on-chain events.
 * @returns The accounting; entries in chain order (block number, then log index).
 * @throws InvalidArgumentError for a malformed address, time, block number or page size, or `from` after `to`.
 * @throws AuditQueryError when a `getLogs` page or a block read fails.
 */
export async function accountingOfDisclosures(options: AccountingOptions): Promise<AccountingOfDisclosures> {
  const { provider } = options;
  const patient = checkedAddress("patient", options.patient);
  const contracts: AuditContracts = {
    ConsentManager: checkedAddress("contracts.ConsentManager", options.contracts.ConsentManager),
    RecordToken: checkedAddress("contracts.RecordToken", options.contracts.RecordToken),
  };
  if (options.contracts.PatientRegistry !== undefined) {
    checkedAddress("contracts.PatientRegistry", options.contracts.PatientRegistry);
  }
  const fromMs = timeMs("from", options.from);
  const toMs = timeMs("to", options.to);
  if (fromMs > toMs) throw new InvalidArgumentError("from must not be after to");
  const fromBlock = options.fromBlock ?? 0;
  requireBlockNumber("fromBlock", fromBlock);
  if (options.toBlock !== undefined) requireBlockNumber("toBlock", options.toBlock);
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  requirePageSize(pageSize);
  const generatedAt = options.generatedAt ?? new Date();
  if (Number.isNaN(generatedAt.getTime())) throw new InvalidArgumentError("generatedAt is an invalid Date");

  const { chainId } = await provider.getNetwork();
  const range: BlockRange = { fromBlock, toBlock: options.toBlock ?? (await provider.getBlockNumber()) };
  const read = (query: LogQuery, events: readonly AuditEventName[], keep: (log: DecodedAuditLog) => boolean) =>
    getLogsPaged(provider, query, range, pageSize).then((logs) => decodeAll(logs, contracts, events, keep));

  // Step 1: the events that carry the patient.
  const patientTopic = zeroPadValue(patient, 32);
  const isPatients = (log: DecodedAuditLog) => log.patient === patient;
  const [inTopic2, revocations, delegates] = await Promise.all([
    read(
      {
        address: [contracts.ConsentManager, contracts.RecordToken],
        topics: [PATIENT_IN_TOPIC_2.map((name) => AUDIT_TOPICS[name]), null, patientTopic],
      },
      PATIENT_IN_TOPIC_2,
      isPatients,
    ),
    read({ address: contracts.ConsentManager, topics: [AUDIT_TOPICS.AccessRevoked, patientTopic] }, ["AccessRevoked"], isPatients),
    read(
      { address: contracts.ConsentManager, topics: [AUDIT_TOPICS.EmergencyDelegateSet, patientTopic] },
      ["EmergencyDelegateSet"],
      isPatients,
    ),
  ]);

  // Step 2: updates of the patient's tokens (delegate events name no token).
  const tokens = new Set<bigint>();
  for (const log of [...inTopic2, ...revocations]) if (log.tokenId !== "all") tokens.add(log.token);
  const updates: DecodedAuditLog[] = [];
  const ids = [...tokens].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 0; i < ids.length; i += TOKEN_IDS_PER_QUERY) {
    const chunk = ids.slice(i, i + TOKEN_IDS_PER_QUERY);
    const query = { address: contracts.RecordToken, topics: [AUDIT_TOPICS.DataUpdated, chunk.map((id) => toBeHex(id, 32))] };
    updates.push(...(await read(query, ["DataUpdated"], (log) => tokens.has(log.token))));
  }

  // Chain order, block times, period.
  const unique = new Map<string, DecodedAuditLog>();
  for (const log of [...inTopic2, ...revocations, ...delegates, ...updates]) unique.set(`${log.blockNumber}:${log.logIndex}`, log);
  const ordered = [...unique.values()].sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  const times = await new BlockTimestamps(provider).getMany(ordered.map((log) => log.blockNumber));
  const entries: AuditEntry[] = [];
  for (const log of ordered) {
    const ms = (times.get(log.blockNumber) as number) * 1000;
    if (ms < fromMs || ms > toMs) continue;
    entries.push(toEntry(log, patient, new Date(ms).toISOString()));
  }

  return {
    patient,
    chainId: chainId.toString(10),
    contracts,
    period: { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() },
    blocks: { from: range.fromBlock, to: range.toBlock },
    generatedAt: generatedAt.toISOString(),
    entries,
  };
}

/** Decodes `logs`, keeping only the events `events` that pass `keep`. */
function decodeAll(
  logs: readonly Log[],
  contracts: AuditContracts,
  events: readonly AuditEventName[],
  keep: (log: DecodedAuditLog) => boolean,
): DecodedAuditLog[] {
  const decoded: DecodedAuditLog[] = [];
  for (const log of logs) {
    if (log.removed) continue;
    const entry = decodeAuditLog(log, contracts);
    if (entry !== null && events.includes(entry.event) && keep(entry)) decoded.push(entry);
  }
  return decoded;
}

/** The entry of `log`, its fields in {@link AUDIT_ENTRY_FIELDS} order. */
function toEntry(log: DecodedAuditLog, patient: string, timestamp: string): AuditEntry {
  return {
    kind: log.kind,
    timestamp,
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
    logIndex: log.logIndex,
    contract: log.contract,
    tokenId: log.tokenId,
    patient,
    recipient: log.recipient,
    actor: log.actor,
    purpose: log.purpose,
    scopes: log.scopes,
    expiresAt: log.expiresAt,
    emergency: log.emergency,
    consentId: log.consentId,
    metadataId: log.metadataId,
    reasonHash: log.reasonHash,
  };
}

/** `value` checksummed. @throws InvalidArgumentError when it is not an address. */
function checkedAddress(name: string, value: string): string {
  if (typeof value !== "string" || !isAddress(value)) throw new InvalidArgumentError(`${name} is not an address`);
  return getAddress(value);
}

/** A `Date` or Unix seconds as epoch milliseconds. @throws InvalidArgumentError when invalid. */
function timeMs(name: string, value: AuditTime): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value * 1000 : Number.NaN;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    throw new InvalidArgumentError(`${name} must be a valid Date or Unix seconds`);
  }
  return ms;
}
