import { expect } from "chai";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Wallet, getAddress } from "ethers";
import { DEFAULT_LIMITS, DisclosureBudgetError, resolverConfigFromEnv } from "../../resolver/config";
import { RESOLVER_CLIENT_TIMEOUT_MS } from "../../sdk/resolver";
import { generateIdentityFile, readIdentityFile } from "../../resolver/identity";
import { bytesToHex, generateEncryptionKeyPair, getEncryptionPublicKey } from "../../sdk/crypto";

describe("resolver/config and identity: configuration from the environment, keys from a file", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "medrec-resolver-config-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const signer = Wallet.createRandom();
  const encryption = generateEncryptionKeyPair();
  const keys = { RESOLVER_SIGNER_KEY: signer.privateKey, RESOLVER_ENCRYPTION_KEY: bytesToHex(encryption.privateKey) };
  const addresses = { RESOLVER_CONSENT_MANAGER: Wallet.createRandom().address.toLowerCase(), RESOLVER_RECORD_TOKEN: Wallet.createRandom().address };

  it("defaults: loopback, port 8787, the documented limits, no trusted proxy; addresses checksummed", async () => {
    const config = await resolverConfigFromEnv({ ...keys, ...addresses });
    expect([config.host, config.port, config.rpcUrl, config.databaseFile]).to.deep.equal(["127.0.0.1", 8787, "http://127.0.0.1:8545", ".medrec/resolver.sqlite"]);
    expect(config.limits).to.deep.equal(DEFAULT_LIMITS);
    expect(config.trustedProxyHops).to.equal(0);
    expect(config.consentManager).to.equal(getAddress(addresses.RESOLVER_CONSENT_MANAGER));
    expect(config.identity.address).to.equal(signer.address);
    expect(Buffer.from(config.identity.encryptionPublicKey).equals(Buffer.from(encryption.publicKey))).to.equal(true);
  });

  it("reads the contracts and start block from a deployment file, and limits and proxy hops from the environment", async () => {
    const file = path.join(dir, "deployment.json");
    await writeFile(file, JSON.stringify({ startBlock: 7, contracts: { ConsentManager: { address: addresses.RESOLVER_RECORD_TOKEN }, RecordToken: { address: addresses.RESOLVER_RECORD_TOKEN } } }));
    const config = await resolverConfigFromEnv({ ...keys, RESOLVER_DEPLOYMENT: file, RESOLVER_RATE_PER_IP: "5", RESOLVER_BODY_LIMIT: "2048", RESOLVER_TRUSTED_PROXY_HOPS: "1" });
    expect(config.startBlock).to.equal(7);
    expect(config.limits.perIpPerMinute).to.equal(5);
    expect(config.limits.bodyLimitBytes).to.equal(2048);
    expect(config.trustedProxyHops).to.equal(1);
  });

  it("refuses, naming what to set: no keys, no addresses, a bad number", async () => {
    const failure = async (env: NodeJS.ProcessEnv) => (await resolverConfigFromEnv(env).then(() => null, (e: Error) => e))?.message ?? "";
    expect(await failure({ ...addresses })).to.include("RESOLVER_KEY_FILE");
    expect(await failure({ ...keys, RESOLVER_DEPLOYMENT: path.join(dir, "missing.json") })).to.include("RESOLVER_CONSENT_MANAGER");
    expect(await failure({ ...keys, ...addresses, RESOLVER_PORT: "eighty" })).to.include("RESOLVER_PORT");
  });

  it("the disclosure budget stays under the client's timeout: the default does, one at the client's timeout is refused", async () => {
    expect(DEFAULT_LIMITS.disclosureTimeoutMs).to.be.lessThan(RESOLVER_CLIENT_TIMEOUT_MS);
    let refusal: unknown;
    await resolverConfigFromEnv({ ...keys, ...addresses, RESOLVER_DISCLOSURE_TIMEOUT_MS: String(RESOLVER_CLIENT_TIMEOUT_MS) }).catch((error) => (refusal = error));
    expect(refusal).to.be.instanceOf(DisclosureBudgetError);
  });

  it("keygen writes a 0600 key file that loads back to the same identity, and never overwrites one", async () => {
    const file = path.join(dir, "keys", "resolver-key.json");
    const made = await generateIdentityFile(file);
    expect((await stat(file)).mode & 0o777).to.equal(0o600);
    const loaded = await readIdentityFile(file);
    expect(loaded.address).to.equal(made.address);
    expect(bytesToHex(getEncryptionPublicKey(loaded.encryptionPrivateKey))).to.equal(bytesToHex(made.encryptionPublicKey));
    const before = await readFile(file, "utf8");
    expect(await generateIdentityFile(file).then(() => "overwritten", (e: NodeJS.ErrnoException) => e.code)).to.equal("EEXIST");
    expect(await readFile(file, "utf8")).to.equal(before);
    const config = await resolverConfigFromEnv({ ...addresses, RESOLVER_KEY_FILE: file });
    expect(config.identity.address).to.equal(made.address);
  });
});
