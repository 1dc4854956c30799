/**
 * What the actions derive from a client: the records context (with the resolver's deposit when the client has a
 * resolver), the record writer and the wallet context of the acting account, the resolver's public key.
 *
 * @module
 */
import { getAddress, getBytes, isHexString, ZeroHash } from "ethers";
import { requireAccount, requireResolver, requireStore, ClientConfigError, type MedrecClient, type ResolverEndpoint } from "../client/client";
import { typedDataSigner, type SmartAccount } from "../client/account";
import { hexToBytes, type BytesLike } from "../crypto/bytes";
import type { RecordsContext } from "../records/context";
import { accountRecordWriter, eoaRecordWriter, type RecordWriter } from "../records/record-writer";
import { resolverInfo } from "../resolver/client";
import type { ResolverInfo } from "../resolver/protocol";
import { ResolverError } from "../resolver/errors";
import { resolverKeyStore } from "../resolver/key-store";
import type { PatientWallet, WalletContext } from "../wallet/account";
import { InvalidArgumentError } from "../errors";

const resolverKeys = new WeakMap<ResolverEndpoint, Promise<Uint8Array>>();

/**
 * The client's resolver's `GET /v1/info`, checked to serve the client's chain and ConsentManager: keys are never
 * deposited with, nor requests signed for, another deployment's resolver.
 * @throws {@link ResolverError} `RESOLVER_MISMATCH` (`invalid-input`) when it serves another chain or deployment.
 */
export async function checkedResolverInfo(client: MedrecClient, action: string): Promise<ResolverInfo> {
  const resolver = requireResolver(client, action);
  const info = await resolverInfo(resolver.url);
  if (BigInt(info.chainId) !== client.chainId || getAddress(info.consentManager) !== client.addresses.ConsentManager) {
    throw new ResolverError(
      "RESOLVER_MISMATCH",
      0,
      `the resolver at ${resolver.url} serves chain ${info.chainId}, ConsentManager ${info.consentManager}; this client is for chain ${client.chainId}, ConsentManager ${client.addresses.ConsentManager}`,
    );
  }
  return info;
}

/** The X25519 public key of the client's resolver (configured, or read once from its checked `/v1/info`). */
export function resolverPublicKey(client: MedrecClient, action: string): Promise<Uint8Array> {
  const resolver = requireResolver(client, action);
  let key = resolverKeys.get(resolver);
  if (key === undefined) {
    key =
      resolver.publicKey !== undefined
        ? Promise.resolve(toKeyBytes(resolver.publicKey))
        : checkedResolverInfo(client, action).then((info) => hexToBytes(info.encryptionPublicKey));
    key.catch(() => resolverKeys.delete(resolver)); // a failed lookup is retried next time
    resolverKeys.set(resolver, key);
  }
  return key;
}

const toKeyBytes = (key: BytesLike): Uint8Array => {
  const bytes = typeof key === "string" ? (isHexString(key) ? getBytes(key) : new Uint8Array()) : key;
  if (bytes.length !== 32) throw new InvalidArgumentError("a resolver public key is 32 bytes (X25519)");
  return bytes;
};

/**
 * The records context of `client`: its chain, record token and content store; its key store, depositing the
 * resolver's wrap with the resolver (signed by the acting account) when the client has a resolver; an ingest then
 * stages wraps in the client's own key store until the mint is mined.
 */
export async function recordsContextOf(client: MedrecClient, action: string): Promise<RecordsContext> {
  const store = requireStore(client, action);
  let keys = client.keys;
  if (client.resolver !== undefined && client.account !== undefined) {
    keys = resolverKeyStore(keys, {
      url: client.resolver.url,
      resolverPublicKey: await resolverPublicKey(client, action),
      signer: typedDataSigner(client.account),
      depositor: client.account.kind === "smart" ? client.account.address : undefined,
      domain: client.domains.resolver,
    });
  }
  // The resolver takes a deposit once the record is minted: an ingest keeps the wraps in the client's own store
  // until then (`stagingKeys`), and deposits after the mint is mined.
  const staging = keys === client.keys ? {} : { stagingKeys: client.keys };
  return { chainId: client.chainId, recordToken: client.contracts.recordToken, store, keys, ...staging };
}

/** The wallet context and wallet of a smart account. */
export function walletOf(client: MedrecClient, account: SmartAccount): { context: WalletContext; wallet: PatientWallet } {
  const paymaster = account.sponsored === false ? undefined : client.deployment.wallets?.SponsorPaymaster.address;
  return { context: { transport: account.transport, provider: client.provider, paymaster }, wallet: { address: account.address, owner: account.owner } };
}

/** The acting account's wallet context, for actions only a smart account can do. */
export function requireSmartAccount(client: MedrecClient, action: string): { context: WalletContext; wallet: PatientWallet } {
  const account = requireAccount(client, action);
  if (account.kind !== "smart") throw new ClientConfigError(action, "smart account");
  return walletOf(client, account);
}

/** How the acting account writes record tokens: ordinary transactions of an EOA, sponsored AA calls of a smart account. */
export function recordWriterOf(client: MedrecClient, action: string): RecordWriter {
  const account = requireAccount(client, action);
  if (account.kind === "eoa") return eoaRecordWriter(client.addresses.RecordToken, account.signer);
  const { context, wallet } = walletOf(client, account);
  return accountRecordWriter(context, wallet, client.addresses.RecordToken);
}

/** The X25519 key `patient` registered in `PatientRegistry`, or `undefined` when it has none. */
export async function registeredEncryptionKey(client: MedrecClient, patient: string): Promise<Uint8Array | undefined> {
  if (!(await client.contracts.patientRegistry.isPatient(patient))) return undefined;
  const key = await client.contracts.patientRegistry.encryptionKeyOf(patient);
  return key === ZeroHash ? undefined : getBytes(key);
}
