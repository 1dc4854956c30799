export * from "./transaction";
export * from "./transport";
export * from "./paymaster";
export * from "./gas";
export * from "./account";
export * from "./errors";
