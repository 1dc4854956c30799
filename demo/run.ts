/**
 * `npm run demo`: the medrec story end to end on a fresh local chain.
 *
 * Starts its own chain (a Hardhat node, or ZKSYNC_RPC_URL when set), deploys the core, then a patient
 * registers, a provider is registered, the patient mints a record, grants consent by signature, the
 * resolver logs a disclosure, the patient revokes, the break-glass authority opens emergency access and
 * the resolver logs an emergency disclosure. Finally it prints the on-chain event trail and stops the chain.
 * Run through Hardhat (`npx hardhat run demo/run.ts`) only for `hre.artifacts`; every transaction goes to
 * the chain started here over JSON-RPC.
 */
import path from "node:path";
import hre from "hardhat";
import { ZeroAddress, encodeBytes32String, hexlify, keccak256, randomBytes, sha256, concat, toUtf8Bytes, type Wallet } from "ethers";
import { startLocalChain, localChainSigners, type LocalChain } from "../era-test-node/local-chain";
import { evmContractDeployer } from "../deploy/contract-deployer";
import { CORE_CONTRACTS, deployMedrec } from "../deploy/medrec";
import { writeDeployment } from "../deploy/deployment-file";
import {
  ConsentManager__factory,
  PatientRegistry__factory,
  ProviderRegistry__factory,
  RecordToken__factory,
} from "../typechain-types";
import { consentDomain, signConsent, Scope, type Consent } from "../sdk/consent/typed-data";
import { Purpose } from "../sdk/consent/purposes";
import { ParticipantKind } from "../sdk/chain/participant-kind";
import { readEventTrail } from "./event-trail";
import { TRAIL_COLUMNS, formatAddress, formatPurpose, shortHex, trailRows } from "./event-format";
import { formatTable } from "../sdk/cli/table";

/** The accounts of the story, by role (default Hardhat accounts #0–#5). */
interface Cast {
  deployer: Wallet;
  resolver: Wallet;
  breakGlass: Wallet;
  patient: Wallet;
  provider: Wallet;
  relayer: Wallet;
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
  const [deployer, resolver, breakGlass, patient, provider, relayer] = localChainSigners(chain.rpcUrl, 6);
  const cast: Cast = { deployer, resolver, breakGlass, patient, provider, relayer };
  const book = new Map<string, string>([[ZeroAddress, "none"]]);
  for (const [role, wallet] of Object.entries(cast)) book.set(wallet.address, role);

  console.log("\nCast (default accounts of the local chain):");
  for (const [role, wallet] of Object.entries(cast)) {
    say(`${role.padEnd(11)} ${wallet.address}${role === "deployer" ? "  (also the registrar)" : ""}`);
  }

  step("Deploy the medrec core");
  const deployment = await deployMedrec(evmContractDeployer((name) => hre.artifacts.readArtifact(name), deployer), deployer, {
    resolver: resolver.address,
    breakGlass: breakGlass.address,
  });
  const file = await writeDeployment("localhost", deployment);
  for (const name of CORE_CONTRACTS) {
    book.set(deployment.contracts[name].address, name);
    say(`${name.padEnd(17)} ${deployment.contracts[name].address}  (block ${deployment.contracts[name].blockNumber})`);
  }
  say(`roles: registrar = deployer, resolver and break-glass granted on ConsentManager`);
  say(`deployment written to ${path.relative(process.cwd(), file)}`);

  const patients = PatientRegistry__factory.connect(deployment.contracts.PatientRegistry.address, patient);
  const providers = ProviderRegistry__factory.connect(deployment.contracts.ProviderRegistry.address, deployer);
  const consents = ConsentManager__factory.connect(deployment.contracts.ConsentManager.address, relayer);
  const records = RecordToken__factory.connect(deployment.contracts.RecordToken.address, patient);

  step("The patient registers with the X25519 public key that record keys are wrapped to");
  await mined(patients.register(hexlify(randomBytes(32))));
  say(`patient ${formatAddress(patient.address)} registered: ${await patients.isPatient(patient.address)}`);

  step("The registrar registers a provider");
  await mined(providers.register(provider.address, ParticipantKind.Provider, hexlify(randomBytes(32)), keccak256(toUtf8Bytes("licence: demo clinic"))));
  say(`provider ${formatAddress(provider.address)} registered as Provider`);

  step("The patient mints a record token (only a pointer to the ciphertext goes on chain)");
  const ciphertext = randomBytes(256); // stand-in for an encrypted FHIR Observation in content-addressed storage
  const contentHash = sha256(ciphertext);
  const cid = concat(["0x01551220", contentHash]);
  const mintReceipt = await mined(records.mint(patient.address, cid, contentHash, encodeBytes32String("Observation")));
  const tokenId = mintReceipt.logs
    .map((log) => records.interface.parseLog({ topics: [...log.topics], data: log.data }))
    .find((parsed) => parsed?.name === "RecordMinted")?.args.tokenId as bigint | undefined;
  if (tokenId === undefined) throw new Error("no RecordMinted event in the mint transaction");
  say(`record #${tokenId}: kind Observation, CID ${shortHex(cid)}, SHA-256 ${shortHex(contentHash)}`);

  step("The patient signs an EIP-712 consent off chain; a relayer submits it");
  const { timestamp } = (await deployer.provider!.getBlock("latest"))!;
  const consent: Consent = {
    patient: patient.address,
    grantee: provider.address,
    tokenId,
    scopes: Scope.READ,
    purpose: Purpose.TREATMENT,
    expiresAt: BigInt(timestamp) + 86_400n,
    nonce: 1n,
    metadataId: keccak256(toUtf8Bytes("consent form, signed in the waiting room")),
  };
  const signature = await signConsent(patient, consentDomain(chain.chainId, deployment.contracts.ConsentManager.address), consent);
  await mined(consents.grant(consent, signature));
  say(`consent: READ on record #${tokenId} for ${formatPurpose(consent.purpose)}, valid 24 h, relayed by ${formatAddress(relayer.address)}`);
  say(`hasAccess(provider, record #${tokenId}, READ) = ${await consents.hasAccess(provider.address, tokenId, Scope.READ)}`);

  step("The resolver releases the record key to the provider and logs the disclosure");
  await mined(consents.connect(resolver).recordDisclosure(tokenId, provider.address, Purpose.TREATMENT));
  say(`disclosure of record #${tokenId} to the provider for ${formatPurpose(Purpose.TREATMENT)} logged`);

  step("The patient revokes the consent");
  await mined(consents.connect(patient).revoke(tokenId, provider.address));
  say(`hasAccess(provider, record #${tokenId}, READ) = ${await consents.hasAccess(provider.address, tokenId, Scope.READ)}`);

  step("Emergency: the break-glass authority opens access for one hour");
  const reason = "Patient unconscious in the emergency department; allergy list needed";
  const reasonHash = keccak256(toUtf8Bytes(reason));
  await mined(consents.connect(breakGlass).emergencyAccess(tokenId, provider.address, reasonHash, 3600));
  say(`reason (kept off chain): "${reason}"`);
  say(`reason hash on chain: ${shortHex(reasonHash)}`);
  say(
    `hasAccessFor(provider, record #${tokenId}, READ, ${formatPurpose(Purpose.EMERGENCY)}) = ` +
      `${await consents.hasAccessFor(provider.address, tokenId, Scope.READ, Purpose.EMERGENCY)}`,
  );

  step("The resolver releases the key under emergency access and logs it");
  await mined(consents.connect(resolver).recordDisclosure(tokenId, provider.address, Purpose.EMERGENCY));
  say(`emergency disclosure of record #${tokenId} logged`);

  const trail = await readEventTrail(deployer.provider!, deployment);
  const lastBlock = trail.at(-1)?.blockNumber ?? deployment.startBlock;
  console.log(`\nEvent trail: ${trail.length} events of the four contracts, blocks ${deployment.startBlock}–${lastBlock}`);
  console.log("(addresses shortened; names in parentheses are the roles above)\n");
  console.log(formatTable(TRAIL_COLUMNS, trailRows(trail, book)));
  deployer.provider!.destroy();
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
