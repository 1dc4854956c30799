/**
 * Consent actions. `grant`: the consent document (a FHIR R4 Consent and the purpose in words) is written to the
 * client's consent store (Ceramic in the product) as `proposed`; the EIP-712 consent is signed with
 * `metadataId = keccak256(streamId)` and submitted; the document moves to `active` with the consent id (or to
 * `rejected` when the chain refused). `revoke`: the on-chain grant is revoked and its document moves to
 * `inactive`. `list`: the grants in force, with each document's purpose in words.
 *
 * `metadataId` has one meaning: `keccak256(streamId)` of the consent's document, or zero when the consent has no
 * document (a client without a consent store).
 *
 * @module
 */
import { TypedDataEncoder, ZeroHash, decodeBytes32String, encodeBytes32String, getAddress, isHexString, randomBytes, toBigInt, hexlify } from "ethers";
import { requireAccount, type MedrecClient } from "../client/client";
import { typedDataSigner } from "../client/account";
import { CONSENT_TYPES, signConsent, type Consent } from "../consent/typed-data";
import { consentResource } from "../consent/consent-document";
import type { ConsentStatus } from "../consent/consent-document";
import { ALL_RECORDS, PURPOSE_DISPLAY, didPkh, scopeNames } from "../vocabulary";
import { currentGrants, type CurrentGrant } from "../audit/grants";
import { sendSponsored } from "../wallet/account";
import { InvalidArgumentError } from "../errors";
import { walletOf } from "./context";
import { accounting } from "./audit";
import { documentOf } from "./consent-documents";

/** Parameters of {@link grant}. */
export interface GrantParams {
  /** Who may access. */
  grantee: string;
  /** The record token, or `ALL_RECORDS`. */
  tokenId: bigint;
  /** Scope bits (`Scope.READ | …`). */
  scopes: number;
  /** The purpose: an HL7 PurposeOfUse code (`"TREAT"`) or its bytes32 form (`Purpose.TREATMENT`). */
  purpose: string;
  /** When the grant ends: a `Date`, or Unix seconds. */
  expiresAt: Date | bigint;
  /** The purpose in the patient's words, shown to them and in the audit; default a sentence made from the fields. */
  purposeText?: string;
}

/** What {@link grant} did. */
export interface GrantResult {
  /** The EIP-712 digest of the consent: its id on-chain and in the document. */
  consentId: string;
  /** `keccak256(streamId)`, or zero without a document. */
  metadataId: string;
  /** The consent document's stream id; `null` without a consent store. */
  streamId: string | null;
  /** The consent as signed. */
  consent: Consent;
  transactionHash: string;
}

/** The bytes32 purpose and its code, from either form. */
function purposeOf(purpose: string): { bytes32: string; code: string } {
  if (isHexString(purpose, 32)) {
    let code: string;
    try {
      code = decodeBytes32String(purpose);
    } catch {
      throw new InvalidArgumentError("purpose: a bytes32 purpose must be a NUL-padded string");
    }
    return { bytes32: purpose, code };
  }
  if (!/^[\x21-\x7e]{1,22}$/.test(purpose)) throw new InvalidArgumentError("purpose: an HL7 PurposeOfUse code of 1-22 printable characters");
  return { bytes32: encodeBytes32String(purpose), code: purpose };
}

const secondsOf = (time: Date | bigint): bigint => (time instanceof Date ? BigInt(Math.floor(time.getTime() / 1000)) : time);

/** The default purpose text: what is granted to whom, for what, until when. */
export function describeGrant(params: { grantee: string; tokenId: bigint; scopes: number; purposeCode: string; expiresAt: bigint }): string {
  const what = params.tokenId === ALL_RECORDS ? "all my records" : `record #${params.tokenId}`;
  const purpose = PURPOSE_DISPLAY[params.purposeCode] ?? params.purposeCode;
  const until = new Date(Number(params.expiresAt) * 1000).toISOString();
  return `${scopeNames(params.scopes).join(", ")} access to ${what} for ${params.grantee}, for ${purpose.toLowerCase()}, until ${until}`;
}

/** A random 128-bit consent nonce the patient has not used. */
async function freshNonce(client: MedrecClient, patient: string): Promise<bigint> {
  for (;;) {
    const nonce = toBigInt(hexlify(randomBytes(16)));
    if (!(await client.contracts.consentManager.isNonceUsed(patient, nonce))) return nonce;
  }
}

/**
 * Grants access from the acting account (the patient): writes the consent document, signs and submits the
 * consent, activates the document.
 * @throws InvalidArgumentError for a malformed grantee, purpose or expiry; the chain's refusal (a decoded
 *   ConsentManager error) as it comes.
 */
export async function grant(client: MedrecClient, params: GrantParams): Promise<GrantResult> {
  const account = requireAccount(client, "consent.grant");
  const patient = account.address;
  let grantee: string;
  try {
    grantee = getAddress(params.grantee);
  } catch {
    throw new InvalidArgumentError(`grantee: not an address: ${String(params.grantee)}`);
  }
  const purpose = purposeOf(params.purpose);
  const expiresAt = secondsOf(params.expiresAt);
  const purposeText =
    params.purposeText ?? describeGrant({ grantee, tokenId: params.tokenId, scopes: params.scopes, purposeCode: purpose.code, expiresAt });

  let streamId: string | null = null;
  let metadataId = ZeroHash;
  if (client.consents !== undefined) {
    const resource = consentResource({
      patient: didPkh(client.chainId, patient),
      grantee: didPkh(client.chainId, grantee),
      scopes: params.scopes,
      purpose: purpose.code,
      period: { start: new Date(), end: expiresAt },
      tokenId: params.tokenId,
      recordToken: client.addresses.RecordToken,
    });
    const ref = await client.consents.create({ controller: client.consents.controller, resource, purposeText, status: "proposed" });
    streamId = ref.streamId;
    metadataId = ref.metadataId;
  }

  const consentManager = client.contracts.consentManager;
  const consent: Consent = {
    patient,
    grantee,
    tokenId: params.tokenId,
    scopes: params.scopes,
    purpose: purpose.bytes32,
    expiresAt,
    nonce: await freshNonce(client, patient),
    epoch: await consentManager.consentEpochOf(patient, params.tokenId, grantee),
    metadataId,
  };
  const consentId = TypedDataEncoder.hash(client.domains.consent, CONSENT_TYPES, consent);
  let transactionHash: string;
  try {
    if (account.kind === "eoa") {
      const signature = await signConsent(typedDataSigner(account), client.domains.consent, consent);
      const receipt = await (await consentManager.connect(account.signer).grant(consent, signature)).wait();
      transactionHash = receipt!.hash;
    } else {
      const { context, wallet } = walletOf(client, account);
      const data = consentManager.interface.encodeFunctionData("grantDirect", [consent]);
      transactionHash = (await sendSponsored(context, wallet, [{ target: client.addresses.ConsentManager, data }])).hash;
    }
  } catch (error) {
    if (streamId !== null) await setStatus(client, streamId, "rejected").catch(() => undefined); // the chain's error is the one to report
    throw error;
  }
  if (streamId !== null) await client.consents!.update(streamId, { status: "active", consentId });
  return { consentId, metadataId, streamId, consent, transactionHash };
}

const setStatus = (client: MedrecClient, streamId: string, status: ConsentStatus) => client.consents!.update(streamId, { status });

/** What {@link revoke} did. */
export interface RevokeResult {
  transactionHash: string;
  /** The revoked grant's document, moved to `inactive`; `null` when it has none or the client has no consent store. */
  streamId: string | null;
}

/**
 * Revokes the grant of `grantee` on `tokenId` from the acting account (the patient), and moves the grant's
 * consent document to `inactive`.
 */
export async function revoke(client: MedrecClient, params: { grantee: string; tokenId: bigint }): Promise<RevokeResult> {
  const account = requireAccount(client, "consent.revoke");
  const grantee = getAddress(params.grantee);
  const metadataId = await currentMetadataId(client, account.address, grantee, params.tokenId);
  const consentManager = client.contracts.consentManager;
  let transactionHash: string;
  if (account.kind === "eoa") {
    transactionHash = (await (await consentManager.connect(account.signer).revoke(params.tokenId, grantee)).wait())!.hash;
  } else {
    const { context, wallet } = walletOf(client, account);
    const data = consentManager.interface.encodeFunctionData("revoke", [params.tokenId, grantee]);
    transactionHash = (await sendSponsored(context, wallet, [{ target: client.addresses.ConsentManager, data }])).hash;
  }
  let streamId: string | null = null;
  if (client.consents !== undefined && metadataId !== undefined && metadataId !== ZeroHash) {
    const document = await client.consents.find(metadataId);
    if (document !== undefined) {
      await client.consents.update(document.streamId, { status: "inactive" });
      streamId = document.streamId;
    }
  }
  return { transactionHash, streamId };
}

/** The `metadataId` of the latest `AccessGranted` of (patient, grantee, tokenId). */
async function currentMetadataId(client: MedrecClient, patient: string, grantee: string, tokenId: bigint): Promise<string | undefined> {
  const consentManager = client.contracts.consentManager;
  const events = await consentManager.queryFilter(consentManager.filters.AccessGranted(undefined, patient, grantee), client.startBlock);
  const latest = events.filter((event) => event.args.tokenId === tokenId).at(-1);
  return latest?.args.metadataId;
}

/** A grant in force with its consent document's purpose in words. */
export interface ListedGrant extends CurrentGrant {
  /** The document's purpose text; `null` when there is no document or it cannot be found. */
  purposeText: string | null;
  /** The document's stream id, when found. */
  streamId: string | null;
}

/**
 * The grants in force of a patient (default the acting account), in the order they were granted, each with its
 * consent document's purpose in words when the client's consent store has it.
 */
export async function list(client: MedrecClient, params: { patient?: string } = {}): Promise<ListedGrant[]> {
  const patient = getAddress(params.patient ?? requireAccount(client, "consent.list").address);
  const latest = await client.provider.getBlock("latest");
  const now = latest === null ? Date.now() : latest.timestamp * 1000;
  const { entries } = await accounting(client, { patient, purposeTexts: false });
  const grants = currentGrants(entries, now);
  return Promise.all(grants.map(async (grant) => ({ ...grant, ...(await documentOf(client, grant.metadataId)) })));
}
