/** contract.ts re-exports the messages and enums of the contract, so callers can name them. */
export * from "./gen/dd/v1/alerts_pb.js";
export * from "./gen/dd/v1/api_keys_pb.js";
export * from "./gen/dd/v1/audit_pb.js";
export * from "./gen/dd/v1/bank_details_pb.js";
export * from "./gen/dd/v1/collections_pb.js";
export * from "./gen/dd/v1/mandates_pb.js";
export * from "./gen/dd/v1/reports_pb.js";
export * from "./gen/dd/v1/sandbox_pb.js";
export * from "./gen/dd/v1/sessions_pb.js";
export * from "./gen/dd/v1/users_pb.js";
export * from "./gen/dd/v1/webhooks_pb.js";
