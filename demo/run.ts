/**
 * `npm run demo`: the medrec story end to end on a fresh local chain, every flow one SDK action on one client per
 * actor.
 *
 * Starts its own chain (a Hardhat node), a Ceramic daemon (js-ceramic on 127.0.0.1, as the tests do) and the
 * resolver; deploys the core, the AA contracts and the officers' Safe. Then a patient whose key holds no ETH gets a
 * smart account (`wallet.createAccount`: factory + paymaster, registered as a patient in the same transaction), a
 * provider is registered, the patient ingests a FHIR bundle (`records.ingest`: wrapped to the patient's key and the
 * resolver, deposited with it) and reads a record back (`records.read`), grants the provider READ (`consent.grant`:
 * the consent document goes to Ceramic, `metadataId = keccak256(streamId)`, the grant is a sponsored `grantDirect`),
 * the provider reads through the resolver (`records.read` with `resolver.keys`), the patient revokes
 * (`consent.revoke`), the officers' Safe opens emergency access (`breakglass.*`), the patient forgets the record
 * (`records.forget`), and the audit (`audit.accounting`) shows each grant with its document's purpose in words.
 * Finally it prints the on-chain event trail and stops everything it started.
 *
 * Ceramic is on by default. `MEDREC_DEMO_CERAMIC=0 npm run demo` runs without it (consents then carry no document:
 * `metadataId` zero). (`hardhat run` passes no arguments to the script, so `npm run demo -- --no-ceramic` cannot
 * work: use the variable.)
 * Run through Hardhat (`npx hardhat run demo/run.ts`) only for `hre.artifacts`; every transaction goes to the
 * chain started here over JSON-RPC.
 */
import path from "node:path";
import os from "node:os";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { formatEther, hexlify, keccak256, randomBytes, toUtf8Bytes, type JsonRpcProvider } from "ethers";
import type { Bundle } from "@medplum/fhirtypes";
import { startLocalChain, type LocalChain } from "../era-test-node/local-chain";
import { bootloaderTransport } from "../era-test-node/bootloader/driver";
import { audit, breakglass, consent, createMedrecClient, eoaAccount, records, resolver, wallet, withAccount, type MedrecClient } from "../sdk";
import { HeliaContentStore } from "../sdk/storage";
import { canonicalJson, splitBundle } from "../sdk/fhir";
import { Scope, Purpose } from "../sdk/vocabulary";
import { ParticipantKind } from "../sdk/chain/participant-kind";
import { ProviderRegistry__factory, SponsorPaymaster__factory } from "../sdk/chain/contracts";
import { generateEncryptionKeyPair } from "../sdk/crypto";
import type { ConsentStore } from "../sdk/consent/consent-store";
import { castOf, deployAll } from "./setup";
import { ceramicWanted, patientConsentStore, startDemoCeramic, type DemoCeramic } from "./ceramic";
import { startDemoResolver } from "./resolver";
import { printAccounting, printCliAudit, printEventTrail } from "./audit-view";
import { formatAddress, formatPurpose, shortHex } from "./event-format";
import { refusal, say, sayTable, step } from "./print";

/** A synthetic patient bundle (seeded generator, no real person): what a provider system would send. */
const SAMPLE_BUNDLE = path.resolve(__dirname, "..", "test", "fixtures", "synthetic-patient-bundle.json");
/** The purpose of the grant in the patient's words: the consent document's text, shown in the consent list and the audit. */
const PURPOSE_TEXT = "Dr. Rivera at the demo clinic may read my latest lab results for my follow-up visit";

async function story(chain: LocalChain, ceramic: DemoCeramic | undefined): Promise<void> {
  if (chain.kind !== "hardhat-node") {
    throw new Error("the demo deploys the EVM test builds and drives AA transactions itself; it needs its own Hardhat node (unset ZKSYNC_RPC_URL)");
  }
  const { cast, rpc, book } = castOf(chain);
  const { deployer, patientKey, provider, relayer, officer1, officer2 } = cast;
  console.log("\nCast (default accounts of the local chain; the patient's key is new and holds no ETH):");
  for (const [role, account] of Object.entries(cast)) {
    say(`${role.padEnd(11)} ${account.address}${role === "deployer" ? "  (also the registrar and the onboarding voucher signer)" : ""}`);
  }

  step("Deploy the medrec core, the account factory, the sponsor paymaster and the officers' 2-of-3 Safe");
  const { deployment, file } = await deployAll(chain, cast, book);
  const setupBlock = await rpc.getBlockNumber();
  const dir = await mkdtemp(path.join(os.tmpdir(), "medrec-demo-"));
  const store = await HeliaContentStore.open({ directory: path.join(dir, "ipfs") });
  const keyService = await startDemoResolver(chain, deployment, cast.resolver, dir);
  let consents: ConsentStore | undefined;
  const clients: MedrecClient[] = [];
  try {
    // One client per actor, all on the same deployment, content store and resolver.
    const base = createMedrecClient({ rpcUrl: chain.rpcUrl, deployment, store, resolver: { url: keyService.url } });
    clients.push(base);
    const transport = bootloaderTransport(base.provider as JsonRpcProvider);

    step("Onboarding without ETH: the factory deploys the patient's smart account, which registers as a patient");
    const { timestamp: now } = (await rpc.getBlock("latest"))!;
    const sponsor = SponsorPaymaster__factory.connect(deployment.wallets!.SponsorPaymaster.address, rpc);
    // a one-time voucher of the operator: the paymaster spends its nonce when it sponsors the onboarding
    const voucherNonce = wallet.randomVoucherNonce();
    const voucher = await wallet.signOnboardingVoucher(deployer, await sponsor.getAddress(), chain.chainId, patientKey.address, BigInt(now) + 3600n, voucherNonce);
    const patientEncryption = generateEncryptionKeyPair(); // X25519: record keys are wrapped to it; stays on the phone
    const onboarding = { owner: patientKey, transport, encryptionKey: patientEncryption.publicKeyHex, voucher };
    const account = await wallet.createAccount(base, { ...onboarding, salt: hexlify(randomBytes(32)) });
    book.set(account.address, "patient");
    say(`patient account ${formatAddress(account.address)} (type-113 transaction sent by the key, paid by the paymaster, gas limit estimated)`);
    say(`voucher spent: ${await sponsor.isVoucherUsed(voucherNonce)}; the paymaster sponsors this account from now on: ${await sponsor.isSponsoredAccount(account.address)}`);
    const reused = await wallet.createAccount(base, { ...onboarding, salt: hexlify(randomBytes(32)) }).catch((error: unknown) => error);
    say(`a second account with the same voucher: ${reused instanceof wallet.TransactionRejectedError ? `refused at the ${reused.stage}, ${reused.reason}` : "NOT REFUSED"}`);
    say(`registered as patient: ${await base.contracts.patientRegistry.isPatient(account.address)}; ${await base.contracts.patientRegistry.didOf(account.address)}`);
    say(`ETH of the patient's key: ${formatEther(await rpc.getBalance(patientKey.address))}, of the account: ${formatEther(await rpc.getBalance(account.address))}`);
    if (ceramic !== undefined) {
      const opened = await patientConsentStore(ceramic, patientKey, chain.chainId);
      consents = opened;
      say(`consent documents: Ceramic at ${ceramic.url} (daemon started by the demo), written as ${opened.controller} (the account's owner key)`);
    } else {
      say("consent documents: none (MEDREC_DEMO_CERAMIC=0): grants carry metadataId 0");
    }
    // The patient's client: the smart account, its own key store (its copies of the record keys) and consent store.
    const patient = createMedrecClient({
      rpcUrl: chain.rpcUrl,
      deployment,
      store,
      resolver: { url: keyService.url },
      keys: records.fileKeyStore(path.join(dir, "keys")),
      consents,
      account,
    });
    clients.push(patient);
    const providerClient = withAccount(base, await eoaAccount(provider));

    step("The registrar registers a provider");
    const registry = ProviderRegistry__factory.connect(deployment.contracts.ProviderRegistry.address, deployer);
    await (await registry.register(provider.address, ParticipantKind.Provider, hexlify(randomBytes(32)), keccak256(toUtf8Bytes("licence: demo clinic")))).wait();
    say(`provider ${formatAddress(provider.address)} registered as Provider`);

    step("Ingest: a FHIR R4 bundle is validated, split into records, encrypted, stored by CID and minted as tokens");
    const bundle = JSON.parse(await readFile(SAMPLE_BUNDLE, "utf8")) as Bundle;
    const [ingested] = await records.ingest(patient, { inputs: [bundle] });
    say(`synthetic bundle ${path.relative(process.cwd(), SAMPLE_BUNDLE)}: ${bundle.entry?.length ?? 0} resources → ${ingested.length} records (one per encounter and category)`);
    say(`each data key wrapped to the patient's registered key and the resolver's; the resolver's wrap deposited with it (signed by the owner key, ERC-1271)`);
    say(`ciphertext in the embedded IPFS store (Helia, on disk); each mint a sponsored transaction of the account`);
    sayTable(
      [{ header: "TOKEN", align: "right" }, { header: "KIND" }, { header: "ENCOUNTER" }, { header: "CID" }, { header: "SIZE", align: "right" }],
      ingested.map((r) => [`#${r.tokenId}`, r.kind, r.encounter ? shortHex(r.encounter.replace(/^Encounter\//, "")) : "–", shortHex(r.cid), `${r.size} B`]),
    );
    const index = Math.max(0, ingested.findIndex((r) => r.kind === "Observation"));
    const tokenId = ingested[index].tokenId;

    step("Read back: fetch by CID, verify every block and the on-chain SHA-256, unwrap, decrypt, validate");
    const readBack = await records.read(patient, { tokenId, keys: records.localKeys(patientEncryption.privateKey) });
    const original = splitBundle(bundle)[index];
    say(`record #${tokenId} (${readBack.kind}, version ${readBack.version}): ${readBack.bundle.entry?.length ?? 0} resources, ` +
      `identical to the input: ${original !== undefined && canonicalJson(original.bundle.entry) === canonicalJson(readBack.bundle.entry)}`);
    const stranger = records.read(patient, { tokenId, keys: records.localKeys(generateEncryptionKeyPair().privateKey) });
    say(`a stranger's key cannot open it: ${await refusal(stranger, "opened")}`);

    step("The patient grants the provider READ: consent document first, then the grant, a sponsored call of the account");
    const expiresAt = BigInt((await rpc.getBlock("latest"))!.timestamp) + 86_400n;
    const granted = await consent.grant(patient, { grantee: provider.address, tokenId, scopes: Scope.READ, purpose: "TREAT", expiresAt, purposeText: PURPOSE_TEXT });
    say(`consent: READ on record #${tokenId} for ${formatPurpose(granted.consent.purpose)}, valid 24 h; tx ${shortHex(granted.transactionHash)}`);
    say(granted.streamId === null ? `no consent document; metadataId ${granted.metadataId}` : `consent document ${granted.streamId} (active); metadataId = keccak256(streamId) = ${shortHex(granted.metadataId)}`);
    const hasRead = () => base.contracts.consentManager.hasAccess(provider.address, tokenId, Scope.READ);
    say(`hasAccess(provider, record #${tokenId}, READ) = ${await hasRead()}`);
    for (const listed of await consent.list(patient)) {
      say(`consent list: record #${listed.tokenId} to ${formatAddress(listed.grantee, book)}: ${listed.purposeText === null ? "(no document)" : `"${listed.purposeText}"`}`);
    }

    step("The provider reads the record through the resolver: it checks the chain, mines the disclosure, then re-wraps the key");
    const readThrough = (purpose: string) => records.read(providerClient, { tokenId, keys: resolver.keys(providerClient, { purpose }) });
    const released = await readThrough(Purpose.TREATMENT);
    say(`resolver ${keyService.url} released the key of record #${tokenId} to a one-time X25519 key of the provider`);
    say(`Disclosure mined first: tx ${shortHex(released.disclosure.transactionHash)} in block ${released.disclosure.blockNumber}`);
    say(`the provider decrypted ${released.plaintext.length} bytes, byte-identical to what was written: ${Buffer.from(readBack.plaintext).equals(Buffer.from(released.plaintext))}`);

    step("The patient revokes the consent (sponsored transaction from the account); the resolver refuses from the next block on");
    const revoked = await consent.revoke(patient, { grantee: provider.address, tokenId });
    say(`revoked: tx ${shortHex(revoked.transactionHash)}${revoked.streamId === null ? "" : `; document ${revoked.streamId} now inactive`}`);
    say(`hasAccess(provider, record #${tokenId}, READ) = ${await hasRead()}`);
    say(`the provider asks again: ${await refusal(readThrough(Purpose.TREATMENT))}`);

    step("Emergency: the officers' Safe opens one hour of access (protocol-kit: propose, sign, execute)");
    const reason = "Patient unconscious in the emergency department; allergy list needed";
    const safeOf = (signer: { privateKey: string }) => breakglass.connect(base, { signerPrivateKey: signer.privateKey });
    const proposal = await breakglass.propose(base, { safe: await safeOf(officer1), tokenId, grantee: provider.address, reason, durationSeconds: 3600 });
    const oneSignature = await breakglass.approve(base, { safe: await safeOf(officer1), transaction: proposal.safeTransaction });
    say(`reason (kept off chain): "${reason}"; its hash goes on chain: ${shortHex(proposal.reasonHash)}`);
    say(`officer1 signs; executing with 1 of 3: ${await refusal(breakglass.execute(base, { safe: await safeOf(relayer), transaction: oneSignature }), "executed")}`);
    const twoSignatures = await breakglass.approve(base, { safe: await safeOf(officer2), transaction: oneSignature });
    const opened = await breakglass.execute(base, { safe: await safeOf(relayer), transaction: twoSignatures });
    say(`officer2 signs; executed with 2 of 3: Safe execTransaction ${shortHex(opened.transactionHash)}, ${opened.gasUsed} gas`);
    say(
      `hasAccessFor(provider, record #${tokenId}, READ, ${formatPurpose(Purpose.EMERGENCY)}) = ` +
        `${await base.contracts.consentManager.hasAccessFor(provider.address, tokenId, Scope.READ, Purpose.EMERGENCY)}, until ${new Date(Number(opened.expiresAt) * 1000).toISOString()}`,
    );

    step("Under emergency access the provider reads through the resolver again");
    const emergencyRead = await readThrough(Purpose.EMERGENCY);
    say(`released under ${formatPurpose(Purpose.EMERGENCY)}; emergency Disclosure mined in block ${emergencyRead.disclosure.blockNumber}`);

    step("An hour later the emergency access has expired, and the resolver refuses");
    await rpc.send("evm_increaseTime", [3601]);
    await rpc.send("evm_mine", []);
    say(`the provider asks again: ${await refusal(readThrough(Purpose.EMERGENCY))}`);

    step("Right to be forgotten: the patient burns the record, its keys are shredded and the ciphertext unpinned");
    const forgotten = await records.forget(patient, { tokenId });
    for (let i = 0; i < 100 && !(await keyService.database.isErased(tokenId)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    say(`record #${tokenId} burned (sponsored transaction), the patient's local key wraps deleted, ciphertext unpinned: ${forgotten.unpinned}`);
    say(`the resolver saw RecordBurned and shredded its wrap: ${await keyService.database.isErased(tokenId)}`);
    say(`the provider asks the resolver for its key: ${await refusal(resolver.release(providerClient, { tokenId, purpose: Purpose.TREATMENT }))}`);
    say(`ETH of the patient's key and account at the end: ${formatEther(await rpc.getBalance(patientKey.address))} / ${formatEther(await rpc.getBalance(account.address))}`);

    await printEventTrail(rpc, deployment, book, setupBlock + 1);

    step("Audit: the patient's accounting of disclosures, built from on-chain events alone; grants with their documents' words");
    printAccounting(await audit.accounting(patient), book);

    step("The same accounting with the medrec CLI (medrec init, then medrec audit --format csv)");
    await printCliAudit({ rpcUrl: chain.rpcUrl, file, patient: account.address, home: path.join(dir, "cli"), privateKey: relayer.privateKey });
  } finally {
    await consents?.close();
    for (const client of clients) (client.provider as JsonRpcProvider).destroy();
    await keyService.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
    rpc.destroy();
  }
}

async function main(): Promise<void> {
  process.env.HARDHAT_TELEMETRY_DISABLED = "1";
  console.log("medrec demo: patient-owned medical records, consent and disclosure on chain");
  let chain: LocalChain | undefined;
  let ceramic: DemoCeramic | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping the local chain…`);
    void Promise.allSettled([chain?.stop(), ceramic?.stop()]).finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const withCeramic = ceramicWanted();
    [chain, ceramic] = await Promise.all([startLocalChain(), withCeramic ? startDemoCeramic() : Promise.resolve(undefined)]);
    console.log(`local chain: ${chain.kind} at ${chain.rpcUrl}, chain id ${chain.chainId}`);
    console.log(ceramic === undefined ? "ceramic: off (MEDREC_DEMO_CERAMIC=0)" : `ceramic: ${ceramic.url}, MedrecConsent model ${ceramic.modelId}`);
    await story(chain, ceramic);
  } finally {
    await ceramic?.stop();
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
