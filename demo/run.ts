/**
 * `npm run demo`: the medrec story end to end on a fresh local chain.
 *
 * Starts its own chain (a Hardhat node), deploys the core and the AA contracts, then a patient whose key
 * holds no ETH gets a smart account (factory + paymaster, through the bootloader driver of era-test-node)
 * that registers as a patient in the same transaction, a provider is registered, the patient's account mints
 * a record, the patient grants consent by an EIP-712 signature that the account vouches for (ERC-1271), the
 * resolver logs a disclosure, the patient revokes, the break-glass authority opens emergency access and the
 * resolver logs an emergency disclosure. Finally it prints the on-chain event trail and stops the chain.
 * Run through Hardhat (`npx hardhat run demo/run.ts`) only for `hre.artifacts`; every transaction goes to
 * the chain started here over JSON-RPC.
 */
import path from "node:path";
import hre from "hardhat";
import { HDNodeWallet, JsonRpcProvider, Wallet, ZeroAddress, encodeBytes32String, formatEther, hexlify, keccak256, randomBytes, sha256, concat, toUtf8Bytes } from "ethers";
import { startLocalChain, localChainSigners, type LocalChain } from "../era-test-node/local-chain";
import { evmContractDeployer } from "../deploy/contract-deployer";
import { CORE_CONTRACTS, deployMedrec } from "../deploy/medrec";
import { writeDeployment } from "../deploy/deployment-file";
import { deployWallets } from "../deploy/aa-wallets";
import { bootloaderTransport } from "../era-test-node/bootloader/driver";
import { installSystemDoubles } from "../era-test-node/bootloader/system-doubles";
import {
  TransactionRejectedError,
  createPatientAccount,
  randomVoucherNonce,
  sendSponsored,
  signConsentAsAccount,
  signOnboardingVoucher,
  type WalletContext,
} from "../sdk/wallet";
import {
  ConsentManager__factory,
  PatientRegistry__factory,
  ProviderRegistry__factory,
  RecordToken__factory,
  SponsorPaymaster__factory,
} from "../sdk/chain/contracts";
import { consentDomain, type Consent } from "../sdk/consent/typed-data";
import { Scope, Purpose } from "../sdk/vocabulary";
import { ParticipantKind } from "../sdk/chain/participant-kind";
import { readEventTrail, trailSources } from "./event-trail";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import os from "node:os";
import type { Bundle } from "@medplum/fhirtypes";
import { HeliaContentStore } from "../sdk/storage";
import { generateEncryptionKeyPair } from "../sdk/crypto";
import { canonicalJson, splitBundle } from "../sdk/fhir";
import { accountRecordWriter, fileKeyStore, forgetRecord, ingestRecord, prepareRecords, readRecord, recordsContext } from "../sdk/records";
import { accountingOfDisclosures } from "../sdk/audit";
import { readRecordThroughResolver, requestKeyRelease, resolverDomain, resolverInfo, resolverKeyStore, ResolverError } from "../sdk/resolver";
import { BreakGlassError, connectSafe, executeEmergencyAccess, proposeEmergencyAccess, signEmergencyAccess } from "../sdk/breakglass";
import { deploySafe, deploySafeContracts, safeContractNetworks } from "../deploy/safe";
import { DEFAULT_LIMITS } from "../resolver/config";
import { resolverIdentity } from "../resolver/identity";
import { startResolver, type RunningResolver } from "../resolver/server";
import { bytesToHex, hexToBytes } from "../sdk/crypto";

const execFileAsync = promisify(execFile);

/** A synthetic patient bundle (seeded generator, no real person): what a provider system would send. */
const SAMPLE_BUNDLE = path.resolve(__dirname, "..", "test", "fixtures", "synthetic-patient-bundle.json");
import { TRAIL_COLUMNS, formatAddress, formatPurpose, shortHex, trailRows } from "./event-format";
import { formatTable } from "../cli/src/table";
import { ensureCliBuild } from "../test/helpers/cli-build";

/** The accounts of the story, by role (default Hardhat accounts #0, #1, #3, #4, #6–#8, and a fresh key with no ETH). */
interface Cast {
  deployer: Wallet;
  resolver: Wallet;
  patientKey: Wallet | HDNodeWallet;
  provider: Wallet;
  relayer: Wallet;
  officer1: Wallet;
  officer2: Wallet;
  officer3: Wallet;
}

let stepNumber = 0;
/** Prints a numbered step heading. */
const step = (title: string) => console.log(`\n${++stepNumber}. ${title}`);
/** Prints an indented detail line. */
const say = (text: string) => console.log(`   ${text}`);
/** Waits for a transaction and fails loudly when it reverted. */
async function mined<R extends { status: number | null }>(tx: Promise<{ wait(): Promise<R | null> }>): Promise<R> {
  const receipt = await (await tx).wait();
  if (!receipt || receipt.status !== 1) throw new Error("transaction failed");
  return receipt;
}

async function story(chain: LocalChain): Promise<void> {
  if (chain.kind !== "hardhat-node") {
    throw new Error("the demo deploys the EVM test builds and drives AA transactions itself; it needs its own Hardhat node (unset ZKSYNC_RPC_URL)");
  }
  const [deployer, resolver, , provider, relayer, , officer1, officer2, officer3] = localChainSigners(chain.rpcUrl, 9);
  const rpc = deployer.provider as JsonRpcProvider;
  const patientKey = Wallet.createRandom().connect(rpc);
  const cast: Cast = { deployer, resolver, patientKey, provider, relayer, officer1, officer2, officer3 };
  const book = new Map<string, string>([[ZeroAddress, "none"]]);
  for (const [role, wallet] of Object.entries(cast)) book.set(wallet.address, role);

  console.log("\nCast (default accounts of the local chain; the patient's key is new and holds no ETH):");
  for (const [role, wallet] of Object.entries(cast)) {
    say(`${role.padEnd(11)} ${wallet.address}${role === "deployer" ? "  (also the registrar and the onboarding voucher signer)" : ""}`);
  }

  step("Deploy the medrec core, the account factory, the sponsor paymaster and the officers' 2-of-3 Safe");
  const contractDeployer = evmContractDeployer((name) => hre.artifacts.readArtifact(name), deployer);
  const safeContracts = await deploySafeContracts(deployer);
  const officers = [officer1, officer2, officer3];
  const officersSafe = await deploySafe({ signer: deployer, contracts: safeContracts, owners: officers.map((o) => o.address), threshold: 2 });
  const contractNetworks = safeContractNetworks(chain.chainId, safeContracts);
  book.set(officersSafe.address, "break-glass Safe");
  const deployment = await deployMedrec(contractDeployer, deployer, {
    resolver: resolver.address,
    breakGlass: officersSafe.address,
  });
  const wallets = await deployWallets(contractDeployer, deployer, deployment, { installSystemDoubles: () => installSystemDoubles(rpc) });
  const file = await writeDeployment("localhost", { ...deployment, wallets });
  for (const name of CORE_CONTRACTS) {
    book.set(deployment.contracts[name].address, name);
    say(`${name.padEnd(17)} ${deployment.contracts[name].address}  (block ${deployment.contracts[name].blockNumber})`);
  }
  book.set(wallets.AccountFactory.address, "AccountFactory");
  book.set(wallets.SponsorPaymaster.address, "SponsorPaymaster");
  say(`${"AccountFactory".padEnd(17)} ${wallets.AccountFactory.address}  (test build on the EVM doubles of zkSync system contracts)`);
  say(`${"SponsorPaymaster".padEnd(17)} ${wallets.SponsorPaymaster.address}  (funded with 10 ETH; sponsors at most ${formatEther(wallets.dailySpendCap)} ETH of fees a day)`);
  say(`${"Safe v1.4.1".padEnd(17)} ${officersSafe.address}  (from the Safe npm artifacts; owners officer1–3, threshold 2)`);
  say(`roles: registrar = deployer; RESOLVER_ROLE to the resolver's key, BREAK_GLASS_ROLE to the Safe`);
  say(`deployment written to ${path.relative(process.cwd(), file)}`);

  const context: WalletContext = { transport: bootloaderTransport(rpc), provider: rpc, paymaster: wallets.SponsorPaymaster.address };
  const providers = ProviderRegistry__factory.connect(deployment.contracts.ProviderRegistry.address, deployer);
  const patients = PatientRegistry__factory.connect(deployment.contracts.PatientRegistry.address, rpc);
  const consents = ConsentManager__factory.connect(deployment.contracts.ConsentManager.address, relayer);
  const records = RecordToken__factory.connect(deployment.contracts.RecordToken.address, rpc);

  step("Onboarding without ETH: the factory deploys the patient's smart account, which registers as a patient");
  const { timestamp: now, number: setupBlock } = (await rpc.getBlock("latest"))!;
  // a one-time voucher: the paymaster spends its nonce when it sponsors the onboarding
  const voucherNonce = randomVoucherNonce();
  const voucher = await signOnboardingVoucher(deployer, wallets.SponsorPaymaster.address, chain.chainId, patientKey.address, BigInt(now) + 3600n, voucherNonce);
  const patientEncryption = generateEncryptionKeyPair(); // X25519: record keys are wrapped to it; stays on the phone
  const onboarding = {
    owner: patientKey,
    factory: wallets.AccountFactory.address,
    salt: hexlify(randomBytes(32)),
    encryptionKey: patientEncryption.publicKeyHex,
    voucher,
  };
  const wallet = await createPatientAccount(context, onboarding);
  book.set(wallet.address, "patient");
  const sponsor = SponsorPaymaster__factory.connect(wallets.SponsorPaymaster.address, rpc);
  say(`patient account ${formatAddress(wallet.address)} (type-113 transaction sent by the key, paid by the paymaster, gas limit estimated)`);
  say(`voucher spent: ${await sponsor.isVoucherUsed(voucherNonce)}; the paymaster sponsors this account from now on: ${await sponsor.isSponsoredAccount(wallet.address)}`);
  const reused = await createPatientAccount(context, { ...onboarding, salt: hexlify(randomBytes(32)) }).catch((error: unknown) => error);
  say(`a second account with the same voucher: ${reused instanceof TransactionRejectedError ? `refused at the ${reused.stage}, ${reused.reason}` : "NOT REFUSED"}`);
  say(`registered as patient: ${await patients.isPatient(wallet.address)}; ${await patients.didOf(wallet.address)}`);
  say(`ETH of the patient's key: ${formatEther(await rpc.getBalance(patientKey.address))}, of the account: ${formatEther(await rpc.getBalance(wallet.address))}`);

  step("The registrar registers a provider");
  await mined(providers.register(provider.address, ParticipantKind.Provider, hexlify(randomBytes(32)), keccak256(toUtf8Bytes("licence: demo clinic"))));
  say(`provider ${formatAddress(provider.address)} registered as Provider`);

  step("Ingest: a FHIR R4 bundle is validated, split into records, encrypted, stored by CID and minted as tokens");
  const bundle = JSON.parse(await readFile(SAMPLE_BUNDLE, "utf8")) as Bundle;
  const storeDir = await mkdtemp(path.join(os.tmpdir(), "medrec-demo-"));
  const store = await HeliaContentStore.open({ directory: path.join(storeDir, "ipfs") });
  let keyService: RunningResolver | undefined;
  try {
    // The key-release service, for real: fastify on 127.0.0.1, its state in SQLite, its Ethereum key holding
    // RESOLVER_ROLE and a fresh X25519 key-release key that record keys are wrapped to.
    keyService = await startResolver({
      rpcUrl: chain.rpcUrl,
      consentManager: deployment.contracts.ConsentManager.address,
      recordToken: deployment.contracts.RecordToken.address,
      startBlock: deployment.startBlock,
      databaseFile: path.join(storeDir, "resolver.sqlite"),
      host: "127.0.0.1",
      port: 0,
      identity: resolverIdentity(resolver.privateKey, bytesToHex(generateEncryptionKeyPair().privateKey)),
      limits: DEFAULT_LIMITS,
      burnPollMs: 200,
      logLevel: "silent",
    });
    const resolverUrl = keyService.url;
    const resolverPublicKey = hexToBytes((await resolverInfo(resolverUrl)).encryptionPublicKey);
    const keyDomain = resolverDomain(chain.chainId, deployment.contracts.ConsentManager.address);
    const recordsCtx = recordsContext({
      chainId: chain.chainId,
      recordToken: await records.getAddress(),
      runner: rpc,
      store,
      // The patient's copies stay local; the wrap for the resolver is deposited with it, signed by the
      // account's owner key and vouched for by the account (ERC-1271).
      keys: resolverKeyStore(fileKeyStore(path.join(storeDir, "keys")), {
        url: resolverUrl,
        resolverPublicKey,
        signer: patientKey,
        depositor: wallet.address,
        domain: keyDomain,
      }),
    });
    const ingested = await ingestRecord(recordsCtx, bundle, {
      patient: wallet.address,
      recipients: [patientEncryption.publicKey, resolverPublicKey],
      writer: accountRecordWriter(context, wallet, await records.getAddress()),
    });
    say(`synthetic bundle ${path.relative(process.cwd(), SAMPLE_BUNDLE)}: ${bundle.entry?.length ?? 0} resources → ${ingested.length} records (one per encounter and category)`);
    say(`ciphertext in the embedded IPFS store (Helia, on disk); each mint a sponsored transaction of the account`);
    console.log(
      formatTable(
        [{ header: "TOKEN", align: "right" }, { header: "KIND" }, { header: "ENCOUNTER" }, { header: "CID" }, { header: "SIZE", align: "right" }],
        ingested.map((r) => [`#${r.tokenId}`, r.kind, r.encounter ? shortHex(r.encounter.replace(/^Encounter\//, "")) : "–", shortHex(r.cid), `${r.size} B`]),
      )
        .split("\n")
        .map((line) => `   ${line}`)
        .join("\n"),
    );
    const tokenId = ingested.find((r) => r.kind === "Observation")?.tokenId ?? ingested[0].tokenId;

    step("Read back: fetch by CID, verify every block and the on-chain SHA-256, unwrap, decrypt, validate");
    const readBack = await readRecord(recordsCtx, tokenId, patientEncryption.privateKey);
    const original = splitBundle(bundle).find((r) => r.kind === readBack.kind);
    say(`record #${tokenId} (${readBack.kind}, version ${readBack.version}): ${readBack.bundle.entry?.length ?? 0} resources, ` +
      `identical to the input: ${original !== undefined && canonicalJson(original.bundle.entry) === canonicalJson(readBack.bundle.entry)}`);
    say(`a stranger's key cannot open it: ${await readRecord(recordsCtx, tokenId, generateEncryptionKeyPair().privateKey).then(() => "opened (wrong!)", (e: { code?: string }) => e.code)}`);

  step("The patient signs an EIP-712 consent with the account key (ERC-1271); a relayer submits it");
  const { timestamp } = (await rpc.getBlock("latest"))!;
  const consent: Consent = {
    patient: wallet.address,
    grantee: provider.address,
    tokenId,
    scopes: Scope.READ,
    purpose: Purpose.TREATMENT,
    expiresAt: BigInt(timestamp) + 86_400n,
    nonce: 1n,
    epoch: await consents.consentEpochOf(wallet.address, tokenId, provider.address),
    metadataId: keccak256(toUtf8Bytes("consent form, signed in the waiting room")),
  };
  const signature = await signConsentAsAccount(patientKey, consentDomain(chain.chainId, deployment.contracts.ConsentManager.address), consent);
  await mined(consents.grant(consent, signature));
  say(`consent: READ on record #${tokenId} for ${formatPurpose(consent.purpose)}, valid 24 h, relayed by ${formatAddress(relayer.address)}`);
  say(`hasAccess(provider, record #${tokenId}, READ) = ${await consents.hasAccess(provider.address, tokenId, Scope.READ)}`);

  step("The provider reads the record through the resolver: it checks the chain, mines the disclosure, then re-wraps the key");
  const readThrough = (purpose: string) =>
    readRecordThroughResolver(recordsCtx, { url: resolverUrl, signer: provider, domain: keyDomain, tokenId, purpose });
  const released = await readThrough(Purpose.TREATMENT);
  const expectedBytes = prepareRecords(bundle).find((r) => r.kind === readBack.kind)?.plaintext;
  say(`resolver ${resolverUrl} released the key of record #${tokenId} to a one-time X25519 key of the provider`);
  say(`Disclosure mined first: tx ${shortHex(released.disclosure.transactionHash)} in block ${released.disclosure.blockNumber}`);
  say(`the provider decrypted ${released.plaintext.length} bytes, byte-identical to what was written: ${expectedBytes !== undefined && Buffer.from(expectedBytes).equals(Buffer.from(released.plaintext))}`);

  step("The patient revokes the consent (sponsored transaction from the account); the resolver refuses from the next block on");
  await sendSponsored(context, wallet, [
    { target: await consents.getAddress(), data: consents.interface.encodeFunctionData("revoke", [tokenId, provider.address]) },
  ]);
  say(`hasAccess(provider, record #${tokenId}, READ) = ${await consents.hasAccess(provider.address, tokenId, Scope.READ)}`);
  say(`the provider asks again: ${await readThrough(Purpose.TREATMENT).then(() => "released (wrong!)", (e: ResolverError) => `refused, ${e.status} ${e.code}`)}`);

  step("Emergency: the officers' Safe opens one hour of access (protocol-kit: propose, sign, execute)");
  const reason = "Patient unconscious in the emergency department; allergy list needed";
  const connectOfficer = (officer: Wallet) =>
    connectSafe({ provider: chain.rpcUrl, signerPrivateKey: officer.privateKey, safeAddress: officersSafe.address, contractNetworks });
  const proposal = await proposeEmergencyAccess({
    safe: await connectOfficer(officer1),
    consentManager: deployment.contracts.ConsentManager.address,
    tokenId,
    grantee: provider.address,
    reason,
    durationSeconds: 3600,
  });
  const oneSignature = await signEmergencyAccess(await connectOfficer(officer1), proposal.safeTransaction);
  say(`reason (kept off chain): "${reason}"; its hash goes on chain: ${shortHex(proposal.reasonHash)}`);
  say(`officer1 signs; executing with 1 of 3: ${await executeEmergencyAccess(await connectOfficer(relayer), oneSignature).then(() => "executed (wrong!)", (e: BreakGlassError) => `refused, ${e.code}`)}`);
  const twoSignatures = await signEmergencyAccess(await connectOfficer(officer2), oneSignature);
  const opened = await executeEmergencyAccess(await connectOfficer(relayer), twoSignatures);
  say(`officer2 signs; executed with 2 of 3: Safe execTransaction ${shortHex(opened.transactionHash)}, ${opened.gasUsed} gas`);
  say(
    `hasAccessFor(provider, record #${tokenId}, READ, ${formatPurpose(Purpose.EMERGENCY)}) = ` +
      `${await consents.hasAccessFor(provider.address, tokenId, Scope.READ, Purpose.EMERGENCY)}, until ${new Date(Number(opened.expiresAt) * 1000).toISOString()}`,
  );

  step("Under emergency access the provider reads through the resolver again");
  const emergencyRead = await readThrough(Purpose.EMERGENCY);
  say(`released under ${formatPurpose(Purpose.EMERGENCY)}; emergency Disclosure mined in block ${emergencyRead.disclosure.blockNumber}`);

  step("An hour later the emergency access has expired, and the resolver refuses");
  await rpc.send("evm_increaseTime", [3601]);
  await rpc.send("evm_mine", []);
  say(`the provider asks again: ${await readThrough(Purpose.EMERGENCY).then(() => "released (wrong!)", (e: ResolverError) => `refused, ${e.status} ${e.code}`)}`);

  step("Right to be forgotten: the patient burns the record, its keys are shredded and the ciphertext unpinned");
  const forgotten = await forgetRecord(recordsCtx, tokenId, accountRecordWriter(context, wallet, await records.getAddress()));
  for (let i = 0; i < 100 && !(await keyService.database.isErased(tokenId)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  say(`record #${tokenId} burned (sponsored transaction), the patient's local key wraps deleted, ciphertext unpinned: ${forgotten.unpinned}`);
  say(`the resolver saw RecordBurned and shredded its wrap: ${await keyService.database.isErased(tokenId)}`);
  const afterErasure = await requestKeyRelease({ url: resolverUrl, signer: provider, domain: keyDomain, tokenId, purpose: Purpose.TREATMENT }).then(
    () => "released (wrong!)",
    (e: ResolverError) => `refused, ${e.status} ${e.code}`,
  );
  say(`the provider asks the resolver for its key: ${afterErasure}`);

  say(`ETH of the patient's key and account at the end: ${formatEther(await rpc.getBalance(patientKey.address))} / ${formatEther(await rpc.getBalance(wallet.address))}`);

  const trail = await readEventTrail(rpc, trailSources(deployment, wallets), setupBlock + 1);
  const lastBlock = trail.at(-1)?.blockNumber ?? setupBlock;
  console.log(`\nEvent trail: ${trail.length} events of the medrec contracts from the onboarding on, blocks ${setupBlock + 1}–${lastBlock}`);
  console.log("(the deployment's own events, role grants and allow-list entries, are in blocks before; see the deployment file)");
  console.log("(addresses shortened; names in parentheses are the roles above)\n");
  console.log(formatTable(TRAIL_COLUMNS, trailRows(trail, book)));

    step("Audit: the patient's accounting of disclosures, built from on-chain events alone");
    const accounting = await accountingOfDisclosures({
      provider: rpc,
      contracts: {
        ConsentManager: deployment.contracts.ConsentManager.address,
        RecordToken: deployment.contracts.RecordToken.address,
        PatientRegistry: deployment.contracts.PatientRegistry.address,
      },
      patient: wallet.address,
      from: 0,
      to: Math.floor(Date.now() / 1000) + 86_400,
      fromBlock: deployment.startBlock,
    });
    const shown = accounting.entries.filter((e) => e.kind !== "record-created");
    say(`${accounting.entries.length} entries (${accounting.entries.length - shown.length} record creations not listed); as JSON, CSV or FHIR AuditEvent with the SDK or \`medrec audit\``);
    console.log(
      formatTable(
        [{ header: "WHEN" }, { header: "WHAT" }, { header: "RECORD", align: "right" }, { header: "TO" }, { header: "PURPOSE" }, { header: "BY" }],
        shown.map((e) => [e.timestamp.replace("T", " ").replace(/\.\d+Z$/, "Z"), e.kind, e.tokenId === "all" ? "all" : `#${e.tokenId}`, e.recipient ? formatAddress(e.recipient, book) : "–", e.purpose ?? "–", e.actor ? formatAddress(e.actor, book) : "–"]),
      )
        .split("\n")
        .map((line) => `   ${line}`)
        .join("\n"),
    );

    step("The same accounting with the medrec CLI (medrec init, then medrec audit --format csv)");
    const cli = await runCli(
      [
        ["init", "--rpc", chain.rpcUrl, "--deployment", file],
        ["audit", wallet.address, "--format", "csv"],
      ],
      { MEDREC_HOME: path.join(storeDir, "cli"), MEDREC_PASSPHRASE: hexlify(randomBytes(16)), MEDREC_PRIVATE_KEY: relayer.privateKey },
    );
    const csv = cli.trim().split(/\r?\n/);
    say(`${csv.length - 1} CSV rows; header and the first disclosure:`);
    say(csv[0].length > 110 ? `${csv[0].slice(0, 110)}…` : csv[0]);
    const disclosure = csv.find((line) => line.startsWith("disclosure,"));
    if (disclosure) say(disclosure.length > 110 ? `${disclosure.slice(0, 110)}…` : disclosure);
  } finally {
    await keyService?.close();
    await store.close();
    await rm(storeDir, { recursive: true, force: true });
  }
  rpc.destroy();
}

/** Runs `bin/medrec` once per argument list with `env` added; returns the last command's stdout. */
async function runCli(commands: string[][], env: Record<string, string>): Promise<string> {
  const bin = path.resolve(__dirname, "..", "bin", "medrec");
  await ensureCliBuild(); // bin/medrec runs the compiled CLI (build/)
  let stdout = "";
  for (const args of commands) {
    ({ stdout } = await execFileAsync(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 }));
  }
  return stdout;
}

async function main(): Promise<void> {
  process.env.HARDHAT_TELEMETRY_DISABLED = "1";
  console.log("medrec demo: patient-owned medical records, consent and disclosure on chain");
  let chain: LocalChain | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping the local chain…`);
    void (chain?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    chain = await startLocalChain();
    console.log(`local chain: ${chain.kind} at ${chain.rpcUrl}, chain id ${chain.chainId}`);
    await story(chain);
  } finally {
    await chain?.stop();
    if (chain) console.log(chain.kind === "external" ? "\nexternal chain left running" : "\nlocal chain stopped");
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
