import { ZeroHash, decodeBytes32String, getAddress, keccak256, toUtf8Bytes, type ParamType } from "ethers";
import { Purpose, Scope } from "../sdk/vocabulary";
import { ParticipantKind } from "../sdk/chain/participant-kind";
import type { TrailEvent } from "./event-trail";
import { wrapParts, type TableColumn } from "../cli/src/table";

/** Human names of addresses (checksummed address → name), shown next to the shortened address. */
export type AddressBook = ReadonlyMap<string, string>;

/**
 * Shortens a long hex string to its first 4 and last 4 digits: `0x1234…abcd`. Short strings are kept.
 * @param hex A 0x-prefixed hex string (an address, a hash, a CID).
 */
export function shortHex(hex: string): string {
  return hex.length <= 14 ? hex : `${hex.slice(0, 6)}…${hex.slice(-4)}`;
}

/**
 * A shortened address, followed by its name in `book` unless that name is `fieldName` itself.
 * @param address Any address.
 * @param book Known names.
 * @param fieldName The event field the address comes from.
 */
export function formatAddress(address: string, book: AddressBook = new Map(), fieldName?: string): string {
  const checksummed = getAddress(address);
  const name = book.get(checksummed);
  return name && name !== fieldName ? `${shortHex(checksummed)} (${name})` : shortHex(checksummed);
}

const PURPOSE_NAMES = new Map<string, string>(Object.entries(Purpose).map(([name, code]) => [code, name.toLowerCase()]));

/**
 * A purpose-of-use code as text: `TREAT (treatment)`; unknown codes print as their ASCII text.
 * @param purpose The bytes32 purpose as `ConsentManager` stores it.
 */
export function formatPurpose(purpose: string): string {
  const name = PURPOSE_NAMES.get(purpose);
  const code = bytes32Text(purpose);
  return name ? `${code} (${name})` : code;
}

/** Left-aligned ASCII in a bytes32 as text; falls back to the shortened hex when it is not a string. */
function bytes32Text(value: string): string {
  try {
    return decodeBytes32String(value);
  } catch {
    return shortHex(value);
  }
}

const ROLE_NAMES = new Map<string, string>([
  [ZeroHash, "DEFAULT_ADMIN"],
  ...["REGISTRAR_ROLE", "RESOLVER_ROLE", "BREAK_GLASS_ROLE"].map((role): [string, string] => [keccak256(toUtf8Bytes(role)), role.replace(/_ROLE$/, "")]),
]);

const KIND_NAMES = new Map<number, string>(Object.entries(ParticipantKind).map(([name, value]) => [value, name]));

/** Scope bits as names: `READ|APPEND`. */
function formatScopes(scopes: number): string {
  const names = Object.entries(Scope)
    .filter(([, bit]) => (scopes & bit) !== 0)
    .map(([name]) => name);
  return names.length > 0 ? names.join("|") : String(scopes);
}

/** A unix timestamp as `YYYY-MM-DD HH:MM:SS UTC`. */
function formatTime(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** The fields shown for well-known events, in order; other events show every field. */
const KEY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  PatientRegistered: ["patient"],
  ParticipantRegistered: ["account", "kind"],
  RoleGranted: ["role", "account", "sender"],
  RoleRevoked: ["role", "account", "sender"],
  RecordTokenSet: ["recordToken"],
  Transfer: ["tokenId", "from", "to"],
  Locked: ["tokenId"],
  RecordMinted: ["tokenId", "patient", "issuer", "recordKind", "contentHash"],
  AccessGranted: ["tokenId", "patient", "grantee", "scopes", "purpose", "expiresAt"],
  AccessRevoked: ["tokenId", "patient", "grantee", "purpose"],
  EmergencyAccessGranted: ["tokenId", "patient", "grantee", "approvedBy", "reasonHash", "expiresAt"],
  EmergencyAccessEnded: ["tokenId", "patient", "grantee", "endedBy"],
  Disclosure: ["tokenId", "patient", "grantee", "purpose", "resolver", "emergency"],
};

/** One decoded argument as text, by its name and ABI type. */
function formatField(input: ParamType, value: unknown, book: AddressBook): string {
  if (input.type === "address") return formatAddress(String(value), book, input.name);
  if (input.name === "purpose") return formatPurpose(String(value));
  if (input.name === "recordKind") return bytes32Text(String(value));
  if (input.name === "role") return ROLE_NAMES.get(String(value)) ?? shortHex(String(value));
  if (input.name === "kind") return KIND_NAMES.get(Number(value)) ?? String(value);
  if (input.name === "scopes") return formatScopes(Number(value));
  if (input.name === "expiresAt") return formatTime(BigInt(value as bigint));
  if (input.name === "tokenId") return `#${value}`;
  if (input.type === "bool") return value ? "yes" : "no";
  if (input.type.startsWith("bytes")) return shortHex(String(value));
  return String(value);
}

/**
 * The key fields of one event as `name=value` pairs: addresses shortened and named from `book`,
 * purposes and record kinds decoded, roles and participant kinds by name, times in UTC.
 * @param event A decoded event.
 * @param book Known names of addresses.
 */
export function describeEvent(event: TrailEvent, book: AddressBook = new Map()): string[] {
  const inputs = event.log.fragment.inputs;
  const wanted = KEY_FIELDS[event.log.name] ?? inputs.map((input) => input.name);
  return wanted.flatMap((name) => {
    const index = inputs.findIndex((input) => input.name === name);
    return index < 0 ? [] : [`${name}=${formatField(inputs[index], event.log.args[index], book)}`];
  });
}

/** The columns of the event-trail table. */
export const TRAIL_COLUMNS: readonly TableColumn[] = [
  { header: "BLOCK", align: "right" },
  { header: "CONTRACT" },
  { header: "EVENT" },
  { header: "DETAILS" },
];

/**
 * The event trail as table rows matching {@link TRAIL_COLUMNS}: block, contract, event, key fields
 * (wrapped onto several lines of at most `detailsWidth` characters).
 * @param trail Decoded events in chain order.
 * @param book Known names of addresses.
 * @param detailsWidth Preferred width of the details column.
 */
export function trailRows(trail: readonly TrailEvent[], book: AddressBook = new Map(), detailsWidth = 64): string[][] {
  return trail.map((event) => [
    String(event.blockNumber),
    event.contract,
    event.log.name,
    wrapParts(describeEvent(event, book), detailsWidth).join("\n"),
  ]);
}
