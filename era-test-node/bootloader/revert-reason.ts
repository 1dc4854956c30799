import {
  ConsentManager__factory,
  ContractDeployerDouble__factory,
  NonceHolderDouble__factory,
  PatientRegistry__factory,
  RecordToken__factory,
  SponsorPaymaster__factory,
  TestAccountFactory__factory,
  TestPatientAccount__factory,
} from "@medrec/sdk/chain/contracts";
import { formatRevert, revertDecoder } from "@medrec/sdk/chain/revert-decoder";

/** The medrec contracts and the system-contract doubles a type-113 transaction can revert in. */
const decode = revertDecoder([
  { name: "TestPatientAccount", abi: TestPatientAccount__factory.abi },
  { name: "SponsorPaymaster", abi: SponsorPaymaster__factory.abi },
  { name: "TestAccountFactory", abi: TestAccountFactory__factory.abi },
  { name: "NonceHolderDouble", abi: NonceHolderDouble__factory.abi },
  { name: "ContractDeployerDouble", abi: ContractDeployerDouble__factory.abi },
  { name: "PatientRegistry", abi: PatientRegistry__factory.abi },
  { name: "ConsentManager", abi: ConsentManager__factory.abi },
  { name: "RecordToken", abi: RecordToken__factory.abi },
]);

/** Decodes revert data of the medrec and system contracts into `Name(arg, …)`; raw hex when unknown. */
export function decodeRevert(data: string): string {
  if (!data || data === "0x") return "reverted without reason";
  const decoded = decode(data);
  return decoded ? formatRevert(decoded) : data;
}
