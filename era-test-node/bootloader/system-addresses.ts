/** zkSync Era system contract addresses used by the accounts (see `system-contracts/Constants.sol`). */
export const SystemAddress = {
  BOOTLOADER: "0x0000000000000000000000000000000000008001",
  NONCE_HOLDER: "0x0000000000000000000000000000000000008003",
  CONTRACT_DEPLOYER: "0x0000000000000000000000000000000000008006",
} as const;
