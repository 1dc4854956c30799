/**
 * `<stateDir>/daemon.json`: what a background daemon (background.ts) needs to be found and reused by the next
 * `medrec` process: its pid and url, the admin DID's seed (a secret: the file is 0600, written atomically, never
 * logged) and the MedrecConsent model id, deployed and indexed once per state dir.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The contents of `daemon.json`. */
export interface CeramicDaemonRecord {
  version: 1;
  /** 32-byte seed of the node's admin did:key, hex. Secret. */
  adminSeed: string;
  /** The admin DID (public; it is in the daemon config's `http-api.admin-dids`). */
  adminDid: string;
  /** The MedrecConsent model, once deployed and indexed. */
  modelId?: string;
  /** Port of the last start, preferred on the next one. */
  port?: number;
  /** The running daemon, while there is one. */
  pid?: number;
  url?: string;
  /** ISO time of the last start. */
  startedAt?: string;
}

/** Path of the record in `stateDir`. */
export function daemonRecordPath(stateDir: string): string {
  return path.join(stateDir, "daemon.json");
}

/**
 * The record of `stateDir`, or undefined when there is none.
 * @throws Error when the file exists but is not a record (the message never quotes it: it holds a secret).
 */
export function readDaemonRecord(stateDir: string): CeramicDaemonRecord | undefined {
  let text: string;
  try {
    text = readFileSync(daemonRecordPath(stateDir), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let record: Partial<CeramicDaemonRecord>;
  try {
    record = JSON.parse(text) as Partial<CeramicDaemonRecord>;
  } catch {
    throw new Error(`${daemonRecordPath(stateDir)} is not JSON`);
  }
  const valid =
    record !== null &&
    typeof record === "object" &&
    record.version === 1 &&
    typeof record.adminSeed === "string" &&
    /^[0-9a-f]{64}$/.test(record.adminSeed) &&
    typeof record.adminDid === "string" &&
    (record.modelId === undefined || typeof record.modelId === "string") &&
    (record.port === undefined || Number.isInteger(record.port)) &&
    (record.pid === undefined || Number.isInteger(record.pid)) &&
    (record.url === undefined || typeof record.url === "string");
  if (!valid) throw new Error(`${daemonRecordPath(stateDir)} is not a medrec ceramic daemon record (version 1)`);
  return record as CeramicDaemonRecord;
}

/** Writes the record atomically (temp file, rename), mode 0600. */
export function writeDaemonRecord(stateDir: string, record: CeramicDaemonRecord): void {
  const file = daemonRecordPath(stateDir);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    renameSync(tmp, file);
    chmodSync(file, 0o600);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** A fresh admin seed (hex) for a new record. */
export function newAdminSeed(): string {
  return randomBytes(32).toString("hex");
}
