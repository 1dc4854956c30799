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
import { createPatientAccount, sendSponsored, signConsentAsAccount, signOnboardingVoucher, type WalletContext } from "../sdk/wallet";
import {
  ConsentManager__factory,
  PatientRegistry__factory,
  ProviderRegistry__factory,
  RecordToken__factory,
} from "../typechain-types";
import { consentDomain, Scope, type Consent } from "../sdk/consent/typed-data";
import { Purpose } from "../sdk/consent/purposes";
import { ParticipantKind } from "../sdk/chain/participant-kind";
import { readEventTrail, trailSources } from "./event-trail";
import { TRAIL_COLUMNS, formatAddress, formatPurpose, shortHex, trailRows } from "./event-format";
import { formatTable } from "../sdk/cli/table";

/** The accounts of the story, by role (default Hardhat accounts #0–#5, and a fresh key with no ETH). */
interface Cast {
  deployer: Wallet;
  resolver: Wallet;
  breakGlass: Wallet;
  patientKey: Wallet | HDNodeWallet;
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
  if (chain.kind !== "hardhat-node") {
    throw new Error("the demo deploys the EVM test builds and drives AA transactions itself; it needs its own Hardhat node (unset ZKSYNC_RPC_URL)");
  }
  const [deployer, resolver, breakGlass, provider, relayer] = localChainSigners(chain.rpcUrl, 5);
  const rpc = deployer.provider as JsonRpcProvider;
  const patientKey = Wallet.createRandom().connect(rpc);
  const cast: Cast = { deployer, resolver, breakGlass, patientKey, provider, relayer };
  const book = new Map<string, string>([[ZeroAddress, "none"]]);
  for (const [role, wallet] of Object.entries(cast)) book.set(wallet.address, role);

  console.log("\nCast (default accounts of the local chain; the patient's key is new and holds no ETH):");
  for (const [role, wallet] of Object.entries(cast)) {
    say(`${role.padEnd(11)} ${wallet.address}${role === "deployer" ? "  (also the registrar and the onboarding voucher signer)" : ""}`);
  }

  step("Deploy the medrec core, the account factory and the sponsor paymaster");
  const contractDeployer = evmContractDeployer((name) => hre.artifacts.readArtifact(name), deployer);
  const deployment = await deployMedrec(contractDeployer, deployer, {
    resolver: resolver.address,
    breakGlass: breakGlass.address,
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
  say(`${"SponsorPaymaster".padEnd(17)} ${wallets.SponsorPaymaster.address}  (funded with 10 ETH)`);
  say(`roles: registrar = deployer, resolver and break-glass granted on ConsentManager`);
  say(`deployment written to ${path.relative(process.cwd(), file)}`);

  const context: WalletContext = { transport: bootloaderTransport(rpc), provider: rpc, paymaster: wallets.SponsorPaymaster.address };
  const providers = ProviderRegistry__factory.connect(deployment.contracts.ProviderRegistry.address, deployer);
  const patients = PatientRegistry__factory.connect(deployment.contracts.PatientRegistry.address, rpc);
  const consents = ConsentManager__factory.connect(deployment.contracts.ConsentManager.address, relayer);
  const records = RecordToken__factory.connect(deployment.contracts.RecordToken.address, rpc);

  step("Onboarding without ETH: the factory deploys the patient's smart account, which registers as a patient");
  const { timestamp: now, number: setupBlock } = (await rpc.getBlock("latest"))!;
  const voucher = await signOnboardingVoucher(deployer, wallets.SponsorPaymaster.address, chain.chainId, patientKey.address, BigInt(now) + 3600n);
  const wallet = await createPatientAccount(context, {
    owner: patientKey,
    factory: wallets.AccountFactory.address,
    salt: hexlify(randomBytes(32)),
    encryptionKey: hexlify(randomBytes(32)),
    voucher,
  });
  book.set(wallet.address, "patient");
  say(`patient account ${formatAddress(wallet.address)} (type-113 transaction sent by the key, paid by the paymaster)`);
  say(`registered as patient: ${await patients.isPatient(wallet.address)}; ${await patients.didOf(wallet.address)}`);
  say(`ETH of the patient's key: ${formatEther(await rpc.getBalance(patientKey.address))}, of the account: ${formatEther(await rpc.getBalance(wallet.address))}`);

  step("The registrar registers a provider");
  await mined(providers.register(provider.address, ParticipantKind.Provider, hexlify(randomBytes(32)), keccak256(toUtf8Bytes("licence: demo clinic"))));
  say(`provider ${formatAddress(provider.address)} registered as Provider`);

  step("The patient's account mints a record token (only a pointer to the ciphertext goes on chain)");
  const ciphertext = randomBytes(256); // stand-in for an encrypted FHIR Observation in content-addressed storage
  const contentHash = sha256(ciphertext);
  const cid = concat(["0x01551220", contentHash]);
  const minted = await sendSponsored(context, wallet, [
    { target: await records.getAddress(), data: records.interface.encodeFunctionData("mint", [wallet.address, cid, contentHash, encodeBytes32String("Observation")]) },
  ]);
  const [mintEvent] = await records.queryFilter(records.filters.RecordMinted(undefined, wallet.address), minted.blockNumber, minted.blockNumber);
  if (!mintEvent) throw new Error("no RecordMinted event in the mint transaction");
  const tokenId = mintEvent.args.tokenId;
  say(`record #${tokenId}: kind Observation, CID ${shortHex(cid)}, SHA-256 ${shortHex(contentHash)}`);

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
    metadataId: keccak256(toUtf8Bytes("consent form, signed in the waiting room")),
  };
  const signature = await signConsentAsAccount(patientKey, consentDomain(chain.chainId, deployment.contracts.ConsentManager.address), consent);
  await mined(consents.grant(consent, signature));
  say(`consent: READ on record #${tokenId} for ${formatPurpose(consent.purpose)}, valid 24 h, relayed by ${formatAddress(relayer.address)}`);
  say(`hasAccess(provider, record #${tokenId}, READ) = ${await consents.hasAccess(provider.address, tokenId, Scope.READ)}`);

  step("The resolver releases the record key to the provider and logs the disclosure");
  await mined(consents.connect(resolver).recordDisclosure(tokenId, provider.address, Purpose.TREATMENT));
  say(`disclosure of record #${tokenId} to the provider for ${formatPurpose(Purpose.TREATMENT)} logged`);

  step("The patient revokes the consent (sponsored transaction from the account)");
  await sendSponsored(context, wallet, [
    { target: await consents.getAddress(), data: consents.interface.encodeFunctionData("revoke", [tokenId, provider.address]) },
  ]);
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
  say(`ETH of the patient's key and account at the end: ${formatEther(await rpc.getBalance(patientKey.address))} / ${formatEther(await rpc.getBalance(wallet.address))}`);

  const trail = await readEventTrail(rpc, trailSources(deployment, wallets), setupBlock + 1);
  const lastBlock = trail.at(-1)?.blockNumber ?? setupBlock;
  console.log(`\nEvent trail: ${trail.length} events of the medrec contracts from the onboarding on, blocks ${setupBlock + 1}–${lastBlock}`);
  console.log("(the deployment's own events, role grants and allow-list entries, are in blocks before; see the deployment file)");
  console.log("(addresses shortened; names in parentheses are the roles above)\n");
  console.log(formatTable(TRAIL_COLUMNS, trailRows(trail, book)));
  rpc.destroy();
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
