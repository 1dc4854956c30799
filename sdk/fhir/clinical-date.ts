/**
 * The clinical date of a resource — when the care it records happened — and the period (calendar
 * year) it gives, for grouping what belongs to no encounter (see `grouping.ts`).
 *
 * @module
 */
import type { Resource } from "@medplum/fhirtypes";
import { isPlainObject } from "./json";

/** The period of a resource that has no clinical date. */
export const UNDATED = "undated";

/**
 * Where the clinical date is, first present wins. A name ending in `[x]` is a choice element: its
 * `dateTime`, `instant`, `date`, `Period.start` or first `Timing.event` (an `Age`, `Range` or
 * `string` onset carries no date). A dotted name is a path (`billablePeriod.start`).
 */
const GENERIC_DATES = [
  "effective[x]", // Observation, DiagnosticReport, MedicationAdministration, MedicationStatement
  "occurrence[x]", // Immunization, ServiceRequest, ChargeItem, RiskAssessment, SupplyDelivery
  "performed[x]", // Procedure
  "onset[x]", // Condition, AllergyIntolerance
  "authoredOn", // MedicationRequest, ServiceRequest, Task, DeviceRequest
  "issued", // DiagnosticReport, Observation
  "recordedDate", // Condition, AllergyIntolerance
  "recorded", // Immunization, Provenance
  "whenHandedOver", // MedicationDispense
  "whenPrepared",
  "dateAsserted", // MedicationStatement
  "started", // ImagingStudy
  "created[x]", // Media
  "date", // Composition, List, ClinicalImpression, AdverseEvent
  "dateTime", // Consent
  "sent", // Communication
  "received",
  "authored", // QuestionnaireResponse
  "billablePeriod.start", // Claim, ExplanationOfBenefit
  "period.start", // Coverage, Flag, EpisodeOfCare
  "startDate", // Goal
  "created", // Basic, PaymentNotice
  "statusDate",
] as const;

/** Types whose clinical date is not the first of {@link GENERIC_DATES} they have. */
const DATES_BY_TYPE: Readonly<Record<string, readonly string[]>> = {
  Claim: ["billablePeriod.start", "created"],
  ExplanationOfBenefit: ["billablePeriod.start", "created"],
  CarePlan: ["period.start", "created"],
  CareTeam: ["period.start"],
  DocumentReference: ["date", "context.period.start"],
  Specimen: ["collection.collected[x]", "receivedTime"],
};

/** `YYYY…` at the start of a FHIR date, dateTime or instant. */
const YEAR = /^(\d{4})/;

/**
 * The calendar year of the resource's clinical date as written (`"2019"`; the year of the local
 * time the value states, not converted to UTC), or {@link UNDATED}.
 */
export function clinicalPeriod(resource: Resource): string {
  const date = clinicalDate(resource);
  const year = date === undefined ? null : YEAR.exec(date);
  return year ? year[1] : UNDATED;
}

/** The resource's clinical date (a FHIR date, dateTime or instant string), or `undefined`. */
export function clinicalDate(resource: Resource): string | undefined {
  const paths = DATES_BY_TYPE[resource.resourceType] ?? GENERIC_DATES;
  for (const path of paths) {
    const date = dateAt(resource, path.split("."));
    if (date !== undefined) return date;
  }
  return undefined;
}

function dateAt(value: unknown, path: readonly string[]): string | undefined {
  let current: unknown = value;
  for (let i = 0; i < path.length; i++) {
    if (!isPlainObject(current)) return undefined;
    const name = path[i];
    if (name.endsWith("[x]")) return i === path.length - 1 ? choiceDate(current, name.slice(0, -3)) : undefined;
    current = current[name];
  }
  return typeof current === "string" && YEAR.test(current) ? current : undefined;
}

/** The date of choice element `base[x]` of `owner`. */
function choiceDate(owner: { [key: string]: unknown }, base: string): string | undefined {
  for (const type of ["DateTime", "Instant", "Date"]) {
    const value = owner[base + type];
    if (typeof value === "string" && YEAR.test(value)) return value;
  }
  const period = owner[`${base}Period`];
  if (isPlainObject(period)) {
    const start = typeof period.start === "string" ? period.start : period.end;
    if (typeof start === "string" && YEAR.test(start)) return start;
  }
  const timing = owner[`${base}Timing`];
  const event: unknown = isPlainObject(timing) && Array.isArray(timing.event) ? timing.event[0] : undefined;
  return typeof event === "string" && YEAR.test(event) ? event : undefined;
}
