import hre from "hardhat";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { HDNodeWallet, Wallet, parseEther, type JsonRpcProvider, type Signer, type TypedDataDomain } from "ethers";
import { startLocalChain, localChainSigners, type LocalChain } from "../../era-test-node/local-chain";
import { evmContractDeployer } from "../../deploy/contract-deployer";
import { deployMedrec, type MedrecDeployment } from "../../deploy/medrec";
import {
  ConsentManager__factory,
  PatientRegistry__factory,
  ProviderRegistry__factory,
  RecordToken__factory,
  type ConsentManager,
  type ProviderRegistry,
  type RecordToken,
} from "../../sdk/chain/contracts";
import { HeliaContentStore } from "../../sdk/storage";
import { bytesToHex, generateEncryptionKeyPair, type EncryptionKeyPair } from "../../sdk/crypto";
import { fileKeyStore, type IngestedRecord, type ReadRecordResult } from "../../sdk/records";
import { depositRecordKey, resolverDomain } from "../../sdk/resolver";
import { consent, createMedrecClient, eoaAccount, records, resolver as resolverActions, smartAccount, type MedrecAccount, type MedrecClient } from "../../sdk";
import type { ReleasedKeyExtra } from "../../sdk/actions/resolver";
import type { KeyStore } from "../../sdk/records/key-store";
import { bootloaderTransport } from "../../era-test-node/bootloader/driver";
import { ALL_RECORDS, Scope, Purpose } from "../../sdk/vocabulary";
import { ParticipantKind } from "../../sdk/chain/participant-kind";
import { DEFAULT_LIMITS, type ResolverConfig, type ResolverLimits } from "../../resolver/config";
import { resolverIdentity, type ResolverIdentity } from "../../resolver/identity";
import { startResolver, type RunningResolver, type StartResolverOptions } from "../../resolver/server";
import { deploySafe, deploySafeContracts, safeContractNetworks, type SafeDeployment } from "../../deploy/safe";
import type { SafeContractNetworks } from "../../sdk/breakglass";

/** The people of the story, as funded wallets of the spawned chain. */
export interface StackSigners {
  deployer: Wallet;
  patient: Wallet;
  /** A provider that writes records (holds APPEND from the patient). */
  writer: Wallet;
  /** A provider the patient grants READ. */
  reader: Wallet;
  /** A provider with no grant. */
  stranger: Wallet;
  /** A provider the registrar suspends. */
  suspended: Wallet;
  /** Not registered at all. */
  outsider: Wallet | HDNodeWallet;
  /** Funded spare accounts (#10, #11) a test may make into a second patient or anything else. */
  spare: Wallet[];
}

/** A chain, the core, a Helia store and a resolver, all real and on 127.0.0.1. */
export interface ResolverStack {
  chain: LocalChain;
  provider: JsonRpcProvider;
  signers: StackSigners;
  deployment: MedrecDeployment;
  consentManager: ConsentManager;
  recordToken: RecordToken;
  providerRegistry: ProviderRegistry;
  store: HeliaContentStore;
  dir: string;
  identity: ResolverIdentity;
  resolver: RunningResolver;
  /** The resolver's configuration (to restart it on the same database). */
  config: ResolverConfig;
  domain: TypedDataDomain;
  patientKeys: EncryptionKeyPair;
  /**
   * The hospital officers' 2-of-3 Safe holding BREAK_GLASS_ROLE, when asked for; `deployment` is the deployment
   * file's `safe` section as deploy/deploy.ts writes it (Safe contracts + the officers' Safe).
   */
  breakGlass?: { address: string; officers: Wallet[]; executor: Wallet; contractNetworks: SafeContractNetworks; deployment: SafeDeployment };
  /** Every log line the resolver wrote. */
  logs: string[];
  /**
   * A client of the stack (its chain, deployment with the officers' Safe when there is one, Helia store and the main
   * resolver, or the one at `url`) acting as `account` (a key: its EOA account), with `keys` as its key store
   * (default in memory).
   */
  clientOf(account: Signer | MedrecAccount, options?: { url?: string; keys?: KeyStore }): Promise<MedrecClient>;
  /** The writer ingests `input` for the patient (`records.ingest`): wrapped to the patient's key and the resolver's, deposited with it. */
  ingest(input: unknown): Promise<IngestedRecord[]>;
  /** The patient grants `grantee` READ on `tokenId` for `purpose` (default treatment) for `seconds` (default 1 h) (`consent.grant`). */
  grantRead(grantee: string, tokenId: bigint, purpose?: string, seconds?: number): Promise<void>;
  /**
   * `reader` reads `tokenId` through the resolver (`records.read` with `resolver.keys`) for `purpose` (default
   * treatment), from the main resolver or the one at `url`; with `requester`, `reader` is the owner key of that
   * smart account (ERC-1271).
   */
  read(reader: Signer, tokenId: bigint, options?: { purpose?: string; url?: string; requester?: string }): Promise<ReadRecordResult<ReleasedKeyExtra>>;
  /** Number of `Disclosure` events of the deployment (of `tokenId` only, when given). */
  disclosureCount(tokenId?: bigint): Promise<number>;
  /** Starts a second resolver (same chain and keys) with other settings; stopped with the stack. */
  startAnotherResolver(
    overrides: Partial<Omit<ResolverConfig, "limits">> & { limits?: Partial<ResolverLimits> },
    startOptions?: Omit<StartResolverOptions, "logStream">,
  ): Promise<RunningResolver>;
  /** Restarts the main resolver on its database. */
  restartResolver(): Promise<void>;
  stop(): Promise<void>;
}

/** A writable that keeps pino's JSON lines. */
function logSink(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter((line) => line.length > 0));
      done();
    },
  });
}

/**
 * Starts the whole read path for real: a Hardhat node process, the core deployed over JSON-RPC with the
 * resolver's account holding `RESOLVER_ROLE`, a patient, providers (one suspended), an on-disk Helia store and
 * the resolver service listening on 127.0.0.1.
 * @param options Resolver limits and burn-scan interval.
 */
export async function startResolverStack(
  options: { limits?: Partial<ResolverLimits>; burnPollMs?: number; breakGlassSafe?: boolean } = {},
): Promise<ResolverStack> {
  const chain = await startLocalChain();
  const others: { close(): Promise<void> }[] = [];
  const dir = await mkdtemp(path.join(os.tmpdir(), "medrec-resolver-"));
  let store: HeliaContentStore | undefined;
  let resolver: RunningResolver | undefined;
  try {
    const [deployer, patient, writer, reader, stranger, suspended, ...rest] = localChainSigners(chain.rpcUrl, 12);
    const provider = deployer.provider as JsonRpcProvider;
    const outsider = Wallet.createRandom().connect(provider);
    const identity = resolverIdentity(Wallet.createRandom().privateKey, bytesToHex(generateEncryptionKeyPair().privateKey));
    await (await deployer.sendTransaction({ to: identity.address, value: parseEther("100") })).wait();

    let breakGlass: ResolverStack["breakGlass"];
    if (options.breakGlassSafe) {
      // As deploy/deploy.ts wires it: Safe v1.4.1 from the npm artifacts, a 2-of-3 Safe of officers (#6–#8).
      const safeContracts = await deploySafeContracts(deployer);
      const officers = rest.slice(0, 3);
      const safe = await deploySafe({ signer: deployer, contracts: safeContracts, owners: officers.map((o) => o.address), threshold: 2 });
      breakGlass = {
        address: safe.address,
        officers,
        executor: rest[3],
        contractNetworks: safeContractNetworks(chain.chainId, safeContracts),
        deployment: { ...safeContracts, breakGlass: safe },
      };
    }
    const deployment = await deployMedrec(evmContractDeployer((name) => hre.artifacts.readArtifact(name), deployer), deployer, {
      resolver: identity.address,
      breakGlass: breakGlass?.address,
    });
    const consentManager = ConsentManager__factory.connect(deployment.contracts.ConsentManager.address, patient);
    const recordToken = RecordToken__factory.connect(deployment.contracts.RecordToken.address, patient);
    const providerRegistry = ProviderRegistry__factory.connect(deployment.contracts.ProviderRegistry.address, deployer);
    const patientKeys = generateEncryptionKeyPair();
    const wait = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();
    await wait(PatientRegistry__factory.connect(deployment.contracts.PatientRegistry.address, patient).register(patientKeys.publicKeyHex));
    for (const account of [writer, reader, stranger, suspended]) {
      await wait(providerRegistry.register(account.address, ParticipantKind.Provider, generateEncryptionKeyPair().publicKeyHex, bytesToHex(new Uint8Array(32).fill(7))));
    }
    await wait(providerRegistry.register(identity.address, ParticipantKind.Resolver, bytesToHex(identity.encryptionPublicKey), bytesToHex(new Uint8Array(32).fill(9))));

    store = await HeliaContentStore.open({ directory: path.join(dir, "ipfs") });
    const logs: string[] = [];
    const config: ResolverConfig = {
      rpcUrl: chain.rpcUrl,
      consentManager: deployment.contracts.ConsentManager.address,
      recordToken: deployment.contracts.RecordToken.address,
      startBlock: deployment.startBlock,
      databaseFile: path.join(dir, "resolver.sqlite"),
      host: "127.0.0.1",
      port: 0,
      identity,
      limits: { ...DEFAULT_LIMITS, perIpPerMinute: 100_000, perRequesterPerMinute: 100_000, ...options.limits },
      burnPollMs: options.burnPollMs ?? 200,
      logLevel: "info",
    };
    resolver = await startResolver(config, { logStream: logSink(logs) });
    const domain = resolverDomain(chain.chainId, config.consentManager);

    const clientOf: ResolverStack["clientOf"] = async (account, clientOptions = {}) =>
      createMedrecClient({
        provider,
        deployment: { ...deployment, safe: breakGlass?.deployment },
        store: store!,
        keys: clientOptions.keys,
        resolver: { url: clientOptions.url ?? stack.resolver.url, publicKey: identity.encryptionPublicKey },
        account: "kind" in account ? account : await eoaAccount(account),
      });
    const writerKeys = fileKeyStore(path.join(dir, "writer-keys"));
    const secondsFromHead = async (seconds: number) => BigInt((await provider.getBlock("latest"))!.timestamp) + BigInt(seconds);

    const stack: ResolverStack = {
      chain,
      provider,
      signers: { deployer, patient, writer, reader, stranger, suspended, outsider, spare: rest.slice(4, 6) },
      deployment,
      consentManager,
      recordToken,
      providerRegistry,
      store,
      dir,
      identity,
      resolver,
      config,
      domain,
      patientKeys,
      breakGlass,
      logs,
      clientOf,
      async ingest(input) {
        // Ids are known before the mint now, and sdk/records saves the wraps (so deposits them) before it mints, which
        // a resolver refuses (it checks the depositor against the minted record). Until ingest deposits after the
        // mint, the stack ingests with the resolver's key as a plain recipient and deposits the wraps once minted.
        const writerClient = await createMedrecClient({ provider, deployment, store: store!, keys: writerKeys, account: await eoaAccount(writer) });
        const [ingested] = await records.ingest(writerClient, { inputs: [input], patient: patient.address, recipients: [identity.encryptionPublicKey] });
        for (const record of ingested) {
          const ref = { chainId: chain.chainId, recordToken: deployment.contracts.RecordToken.address, tokenId: record.tokenId, version: record.version };
          const wrap = (await writerKeys.load(ref)).find((stored) => bytesToHex(stored.recipient) === bytesToHex(identity.encryptionPublicKey));
          if (!wrap) throw new Error(`no wrap of record #${record.tokenId} for the resolver`);
          await depositRecordKey({ url: stack.resolver.url, signer: writer, domain, tokenId: record.tokenId, version: record.version, wrappedKey: wrap.wrappedKey });
        }
        return ingested;
      },
      async grantRead(grantee, tokenId, purpose = Purpose.TREATMENT, seconds = 3600) {
        await consent.grant(await clientOf(patient), { grantee, tokenId, scopes: Scope.READ, purpose, expiresAt: await secondsFromHead(seconds) });
      },
      async read(reader, tokenId, readOptions = {}) {
        const account =
          readOptions.requester === undefined
            ? reader
            : smartAccount({ address: readOptions.requester, owner: reader, transport: bootloaderTransport(provider) }); // a read sends nothing
        const client = await clientOf(account, { url: readOptions.url });
        return records.read(client, { tokenId, keys: resolverActions.keys(client, { purpose: readOptions.purpose ?? Purpose.TREATMENT }) });
      },
      async disclosureCount(tokenId) {
        return (await consentManager.queryFilter(consentManager.filters.Disclosure(tokenId), deployment.startBlock)).length;
      },
      async startAnotherResolver(overrides, startOptions = {}) {
        const other = await startResolver(
          { ...config, databaseFile: path.join(dir, `resolver-${others.length + 2}.sqlite`), ...overrides, limits: { ...config.limits, ...overrides.limits } },
          { ...startOptions, logStream: logSink(logs) },
        );
        others.push(other);
        return other;
      },
      async restartResolver() {
        await stack.resolver.close();
        stack.resolver = await startResolver(config, { logStream: logSink(logs) });
      },
      async stop() {
        for (const other of others) await other.close();
        await stack.resolver.close();
        await store!.close();
        provider.destroy();
        await chain.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
    // The patient lets the writer append records (patient-wide APPEND for treatment, a year).
    await consent.grant(await clientOf(patient), {
      grantee: writer.address,
      tokenId: ALL_RECORDS,
      scopes: Scope.APPEND,
      purpose: Purpose.TREATMENT,
      expiresAt: await secondsFromHead(86_400 * 365),
    });
    return stack;
  } catch (error) {
    await resolver?.close();
    await store?.close();
    await chain.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
