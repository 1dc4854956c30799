/**
 * Audit actions: the HIPAA accounting of disclosures of a patient from the deployment's events, each grant entry
 * with its consent document's purpose in words when the client's consent store has it.
 *
 * @module
 */
import { getAddress } from "ethers";
import { requireAccount, type MedrecClient } from "../client/client";
import { accountingOfDisclosures, type AuditTime } from "../audit/accounting";
import type { AccountingOfDisclosures, AuditEntry } from "../audit/types";
import { documentOf } from "./consent-documents";

/** Parameters of {@link accounting}. */
export interface AccountingParams {
  /** The patient; default the acting account. */
  patient?: string;
  /** Start of the period, inclusive; default the beginning (Unix 0). */
  from?: AuditTime;
  /** End of the period, inclusive; default the latest block's time (the chain's now). */
  to?: AuditTime;
  /** Look up each grant's consent document for its purpose text (default true when the client has a consent store). */
  purposeTexts?: boolean;
}

/** An accounting entry with the purpose in words of its consent document (grants only). */
export type AnnotatedAuditEntry = AuditEntry & {
  /** The consent document's purpose text; `null` for other entries, or when no document is found. */
  purposeText: string | null;
};

/** The accounting with annotated entries. */
export type AnnotatedAccounting = Omit<AccountingOfDisclosures, "entries"> & { entries: AnnotatedAuditEntry[] };

/** The latest block's time, Unix seconds (wall-clock time when the node returns no block). */
async function chainNow(client: MedrecClient): Promise<number> {
  const latest = await client.provider.getBlock("latest");
  return latest?.timestamp ?? Math.floor(Date.now() / 1000);
}

/**
 * The accounting of disclosures of a patient over a period, from events alone (JSON-ready; `audit.toCsv` and
 * `audit.toFhirAuditEvents` render it).
 */
export async function accounting(client: MedrecClient, params: AccountingParams = {}): Promise<AnnotatedAccounting> {
  const patient = getAddress(params.patient ?? requireAccount(client, "audit.accounting").address);
  const result = await accountingOfDisclosures({
    provider: client.provider,
    contracts: {
      ConsentManager: client.addresses.ConsentManager,
      RecordToken: client.addresses.RecordToken,
      PatientRegistry: client.addresses.PatientRegistry,
    },
    patient,
    from: params.from ?? 0,
    to: params.to ?? (await chainNow(client)),
    fromBlock: client.startBlock,
    pageSize: client.logPageSize,
  });
  const annotate = params.purposeTexts ?? client.consents !== undefined;
  const texts = new Map<string, string | null>();
  const entries: AnnotatedAuditEntry[] = [];
  for (const entry of result.entries) {
    let purposeText: string | null = null;
    if (annotate && entry.kind === "grant" && entry.metadataId !== null) {
      if (!texts.has(entry.metadataId)) texts.set(entry.metadataId, (await documentOf(client, entry.metadataId)).purposeText);
      purposeText = texts.get(entry.metadataId) ?? null;
    }
    entries.push({ ...entry, purposeText });
  }
  return { ...result, entries };
}
