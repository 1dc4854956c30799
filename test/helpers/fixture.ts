import { ethers } from "hardhat";
import { ZeroHash, hexlify, randomBytes, sha256, concat, encodeBytes32String, type Signer } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { testContractDeployer, testSigners } from "./chain";
import { deployMedrec } from "../../deploy/medrec";
import {
  ConsentManager__factory,
  PatientRegistry__factory,
  ProviderRegistry__factory,
  RecordToken__factory,
} from "../../sdk/chain/contracts";
import { consentDomain, signConsent, type Consent } from "../../sdk/consent/typed-data";
import { metadataIdOf } from "../../sdk/consent/consent-store";
import { Scope, Purpose } from "../../sdk/vocabulary";
import { ParticipantKind } from "../../sdk/chain/participant-kind";

/** A random 32-byte X25519-sized public key (the contracts only store it). */
export const randomKey = (): string => hexlify(randomBytes(32));

/** A binary CIDv1 (raw codec, sha2-256 multihash) of `data`, as the storage layer produces. */
export function cidOf(data: Uint8Array): { cid: string; contentHash: string } {
  const contentHash = sha256(data);
  return { cid: concat(["0x01551220", contentHash]), contentHash };
}

/** A fresh ciphertext stand-in and its pointer. */
export function randomPointer(): { cid: string; contentHash: string } {
  return cidOf(randomBytes(64));
}

export const RECORD_KIND = encodeBytes32String("Observation");

/** The salt of the fixture's record (its id is `tokenIdFor(patient, patient, FIXTURE_SALT)`). */
export const FIXTURE_SALT = ZeroHash;

/** A fresh random mint salt. */
export const randomSalt = (): string => hexlify(randomBytes(32));

/**
 * A Ceramic stream id of the form consent documents get (a ModelInstanceDocument, dag-jose genesis), for
 * contract-level tests that need a consent naming a document: `metadataId` has one meaning, `keccak256(streamId)`
 * of the consent's document, or zero for none.
 */
export const SAMPLE_STREAM_ID = "kjzl6kcym7w8y5nmvcbt0mccb5appw38hwwtm4m88syv6q27ybo8fdzkqc2lnba";

/** `metadataIdOf(SAMPLE_STREAM_ID)`: the `metadataId` of a consent whose document is {@link SAMPLE_STREAM_ID}. */
export const SAMPLE_METADATA_ID = metadataIdOf(SAMPLE_STREAM_ID);

/**
 * Deploys the core with deploy/medrec.ts on the in-process Hardhat chain and sets up one registered patient
 * with one record, a provider, a lab, an insurer, a researcher and a resolver participant.
 */
export async function deployCore() {
  const [deployer, registrar, resolver, breakGlass, patient, patient2, provider, lab, insurer, researcher, outsider, relayer] =
    await testSigners(12);
  const deployment = await deployMedrec(
    await testContractDeployer(deployer),
    deployer,
    { registrar: registrar.address, resolver: resolver.address, breakGlass: breakGlass.address },
  );
  const patients = PatientRegistry__factory.connect(deployment.contracts.PatientRegistry.address, deployer);
  const providers = ProviderRegistry__factory.connect(deployment.contracts.ProviderRegistry.address, registrar);
  const consents = ConsentManager__factory.connect(deployment.contracts.ConsentManager.address, relayer);
  const records = RecordToken__factory.connect(deployment.contracts.RecordToken.address, deployer);

  await patients.connect(patient).register(randomKey());
  await patients.connect(patient2).register(randomKey());
  await providers.register(provider.address, ParticipantKind.Provider, randomKey(), randomKey());
  await providers.register(lab.address, ParticipantKind.Lab, randomKey(), randomKey());
  await providers.register(insurer.address, ParticipantKind.Insurer, randomKey(), randomKey());
  await providers.register(researcher.address, ParticipantKind.Researcher, randomKey(), randomKey());
  await providers.register(resolver.address, ParticipantKind.Resolver, randomKey(), randomKey());

  const pointer = randomPointer();
  await records.connect(patient).mint(patient.address, FIXTURE_SALT, pointer.cid, pointer.contentHash, RECORD_KIND);
  const tokenId = await records.tokenIdFor(patient.address, patient.address, FIXTURE_SALT);

  const { chainId } = await ethers.provider.getNetwork();
  const domain = consentDomain(chainId, deployment.contracts.ConsentManager.address);

  let nextNonce = 1n;
  /**
   * A consent from `patient` to `provider` on the fixture's record, READ for treatment, one day long, at the
   * pair's current epoch (read from the chain unless `overrides.epoch` is given), with no document (`metadataId`
   * zero). For contract-level tests that sign raw consents; flows use `consent.grant`.
   */
  async function consentFor(overrides: Partial<Consent> = {}): Promise<Consent> {
    const consent = {
      patient: patient.address,
      grantee: provider.address,
      tokenId,
      scopes: Scope.READ,
      purpose: Purpose.TREATMENT,
      expiresAt: BigInt(await time.latest()) + 86_400n,
      nonce: nextNonce++,
      epoch: 0n,
      metadataId: ZeroHash,
      ...overrides,
    };
    if (overrides.epoch === undefined) consent.epoch = await consents.consentEpochOf(consent.patient, consent.tokenId, consent.grantee);
    return consent;
  }
  /** Signs `consent` with `signer` (defaults to the fixture patient) in the deployment's domain. */
  const sign = (consent: Consent, signer: Signer = patient, signDomain = domain) => signConsent(signer, signDomain, consent);

  return {
    deployment,
    patients,
    providers,
    consents,
    records,
    domain,
    chainId,
    tokenId,
    pointer,
    consentFor,
    sign,
    signers: { deployer, registrar, resolver, breakGlass, patient, patient2, provider, lab, insurer, researcher, outsider, relayer },
  };
}

export type Core = Awaited<ReturnType<typeof deployCore>>;
