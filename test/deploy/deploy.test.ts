import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { evmContractDeployer } from "../../deploy/contract-deployer";
import { deployMedrec, rolesFromEnv, CORE_CONTRACTS } from "../../deploy/medrec";
import { readDeployment, writeDeployment, deploymentPath } from "../../deploy/deployment-file";
import { ConsentManager__factory, ProviderRegistry__factory, RecordToken__factory } from "../../sdk/chain/contracts";

describe("deploy", () => {
  const deployWith = async (roles: Parameters<typeof deployMedrec>[2]) => {
    const [deployer] = await ethers.getSigners();
    return deployMedrec(evmContractDeployer((name) => hre.artifacts.readArtifact(name), deployer), deployer, roles);
  };

  it("deploys the four contracts, wires the record token and grants only the named roles", async () => {
    const [deployer, registrar, resolver, breakGlass] = await ethers.getSigners();
    const deployment = await deployWith({ registrar: registrar.address, resolver: resolver.address, breakGlass: breakGlass.address });
    expect(Object.keys(deployment.contracts)).to.deep.equal([...CORE_CONTRACTS]);
    for (const name of CORE_CONTRACTS) {
      expect(await ethers.provider.getCode(deployment.contracts[name].address)).to.not.equal("0x");
    }
    const consents = ConsentManager__factory.connect(deployment.contracts.ConsentManager.address, deployer);
    const providers = ProviderRegistry__factory.connect(deployment.contracts.ProviderRegistry.address, deployer);
    const records = RecordToken__factory.connect(deployment.contracts.RecordToken.address, deployer);
    expect(await consents.recordToken()).to.equal(deployment.contracts.RecordToken.address);
    expect(await records.consentManager()).to.equal(deployment.contracts.ConsentManager.address);
    expect(await records.patientRegistry()).to.equal(deployment.contracts.PatientRegistry.address);
    expect(await providers.hasRole(await providers.REGISTRAR_ROLE(), registrar.address)).to.equal(true);
    expect(await consents.hasRole(await consents.RESOLVER_ROLE(), resolver.address)).to.equal(true);
    expect(await consents.hasRole(await consents.BREAK_GLASS_ROLE(), breakGlass.address)).to.equal(true);
    expect(await consents.hasRole(await consents.RESOLVER_ROLE(), deployer.address)).to.equal(false);
    expect(await consents.hasRole(await consents.BREAK_GLASS_ROLE(), deployer.address)).to.equal(false);
    await expect(consents.setRecordToken(deployment.contracts.RecordToken.address)).to.be.revertedWithCustomError(
      consents,
      "RecordTokenAlreadySet",
    );
  });

  it("grants no resolver or break-glass role when none is named", async () => {
    const deployment = await deployWith({});
    expect(deployment.roles.resolver).to.equal(null);
    expect(deployment.roles.breakGlass).to.equal(null);
    const consents = ConsentManager__factory.connect(deployment.contracts.ConsentManager.address, ethers.provider);
    const [deployer] = await ethers.getSigners();
    expect(await consents.hasRole(await consents.RESOLVER_ROLE(), deployer.address)).to.equal(false);
  });

  it("hands the admin role to MEDREC_ADMIN and the deployer renounces it", async () => {
    const [deployer, , , , admin] = await ethers.getSigners();
    const deployment = await deployWith(rolesFromEnv({ MEDREC_ADMIN: admin.address }));
    for (const address of [deployment.contracts.ConsentManager.address, deployment.contracts.ProviderRegistry.address]) {
      const contract = ConsentManager__factory.connect(address, ethers.provider);
      const adminRole = await contract.DEFAULT_ADMIN_ROLE();
      expect(await contract.hasRole(adminRole, admin.address)).to.equal(true);
      expect(await contract.hasRole(adminRole, deployer.address)).to.equal(false);
    }
  });

  it("writes and reads deployments/<network>.json with addresses, chain id and start block", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "medrec-deploy-"));
    try {
      const deployment = await deployWith({});
      const file = await writeDeployment("testnet", deployment, root);
      expect(file).to.equal(path.join(root, "deployments", "testnet.json"));
      const read = await readDeployment("testnet", root);
      expect(read.network).to.equal("testnet");
      expect(read.chainId).to.equal(31337);
      expect(read.startBlock).to.equal(deployment.contracts.PatientRegistry.blockNumber);
      expect(read.contracts.RecordToken.address).to.equal(deployment.contracts.RecordToken.address);
      expect(() => deploymentPath("../escape")).to.throw(/invalid network name/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
