/**
 * Salts an ingest derives instead of drawing them: the same writer ingesting the same record for the same patient
 * computes the same token id again, so that a run that was killed or whose transaction reverted is resumed by
 * asking the chain which ids are minted already, and nothing is minted twice.
 *
 * The salt is `keccak256("medrec/ingest-salt/v1" ‖ identity ‖ attempt)`, `identity` being the record's keyed
 * identity in the writer's ingest index (HMAC under a key only the writer has, see `ingest-index.ts`): the salt
 * is public (it is in the mint's calldata) but without the writer's key it cannot be tested against a guessed
 * record. `attempt` counts up past ids that were minted and burned since (an id is never minted twice): a record
 * forgotten and added again gets a new token.
 *
 * @module
 */
import { concat, keccak256, toBeHex, toUtf8Bytes, zeroPadValue } from "ethers";
import { recordTokenId } from "../vocabulary";
import { InvalidArgumentError } from "../errors";
import { RecordWriteError } from "./errors";

const SALT_DOMAIN = toUtf8Bytes("medrec/ingest-salt/v1");

/** The most ids tried for one record (each burned since): a record forgotten this often is refused. */
export const MAX_SALT_ATTEMPTS = 64;

/**
 * The salt of a record's `attempt`-th token id.
 * @param identity The record's identity in the writer's ingest index (64 hex digits).
 * @param attempt 0 first, then one more for every id of it that was burned.
 */
export function ingestSalt(identity: string, attempt: number): string {
  if (!/^[0-9a-f]{64}$/.test(identity)) throw new InvalidArgumentError("ingestSalt: a record identity is 64 lowercase hex digits");
  if (!Number.isInteger(attempt) || attempt < 0 || attempt >= MAX_SALT_ATTEMPTS) throw new InvalidArgumentError(`ingestSalt: attempt ${attempt} is out of range`);
  return keccak256(concat([SALT_DOMAIN, `0x${identity}`, zeroPadValue(toBeHex(attempt), 4)]));
}

/** What the chain says of a token id. */
export type SlotState = "free" | "live" | "burned";

/** Where a record of a derived salt stands: already minted (`live`), or to mint with `salt`. */
export type SlotPlan = { state: "live"; tokenId: bigint; salt: string } | { state: "free"; tokenId: bigint; salt: string };

/**
 * The first of a record's ids that is not burned: `live` (minted by an earlier run: nothing to send) or `free`
 * (to mint now, with its salt).
 * @param writer The issuer of the mint.
 * @param patient The patient.
 * @param identity The record's ingest identity.
 * @param probe What the chain says of an id.
 */
export async function planSlot(writer: string, patient: string, identity: string, probe: (tokenId: bigint) => Promise<SlotState>): Promise<SlotPlan> {
  for (let attempt = 0; attempt < MAX_SALT_ATTEMPTS; attempt++) {
    const salt = ingestSalt(identity, attempt);
    const tokenId = recordTokenId(writer, patient, salt);
    const state = await probe(tokenId);
    if (state !== "burned") return { state, tokenId, salt };
  }
  throw new RecordWriteError(`this record was minted and burned ${MAX_SALT_ATTEMPTS} times; it is not minted again`);
}
