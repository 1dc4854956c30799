import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { MedrecDeployment } from "./medrec";
import type { WalletDeployment } from "./aa-wallets";
import type { SafeDeployment } from "./safe";

/** A core deployment, with the AA contracts and the Safe contracts and break-glass Safe when they were set up too. */
export type FullDeployment = MedrecDeployment & { wallets?: WalletDeployment; safe?: SafeDeployment };

/** What `deployments/<network>.json` holds. */
export interface DeploymentFile extends MedrecDeployment {
  network: string;
  deployedAt: string;
  wallets?: WalletDeployment;
  /** The Safe v1.4.1 contracts of the chain and the hospital officers' break-glass Safe. */
  safe?: SafeDeployment;
}

/** The path of the deployment file of `network` under `root`. */
export function deploymentPath(network: string, root = path.resolve(__dirname, "..")): string {
  if (!/^[A-Za-z0-9_-]+$/.test(network)) throw new Error(`invalid network name: ${network}`);
  return path.join(root, "deployments", `${network}.json`);
}

/** Writes `deployments/<network>.json` and returns its path. */
export async function writeDeployment(network: string, deployment: FullDeployment, root?: string): Promise<string> {
  const file = deploymentPath(network, root);
  await mkdir(path.dirname(file), { recursive: true });
  const body: DeploymentFile = { network, deployedAt: new Date().toISOString(), ...deployment };
  await writeFile(file, JSON.stringify(body, null, 2) + "\n");
  return file;
}

/** Reads `deployments/<network>.json`. */
export async function readDeployment(network: string, root?: string): Promise<DeploymentFile> {
  return JSON.parse(await readFile(deploymentPath(network, root), "utf8")) as DeploymentFile;
}
